"""TSL3xx: GPU determinism — cuDNN and deterministic-algorithm flags."""

from __future__ import annotations
