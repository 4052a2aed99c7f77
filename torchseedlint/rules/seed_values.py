"""TSL105–TSL111: seed values and seeding calls that do not do what they seem to."""

from __future__ import annotations
