"""TSL4xx: ordering — directory listings, set iteration and hash() that vary between runs."""

from __future__ import annotations
