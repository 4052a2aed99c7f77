"""TSL001: suppression comments that suppress nothing."""

from __future__ import annotations
