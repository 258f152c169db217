"""Shared by the bench scripts: percentiles of timings, by the nearest-rank method."""

from __future__ import annotations

import math


def percentile(values: list[float], share: float) -> float:
    """The smallest value with at least `share` of the values at or below it (p95: share 0.95)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
