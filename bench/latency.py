"""Latency figures the benchmarks print alike."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile_ms(latencies: Sequence[float], p: float) -> float:
    """The ``p``th percentile (nearest rank) of ``latencies`` in seconds, in milliseconds;
    NaN when there are none."""
    if not latencies:
        return math.nan
    ordered = sorted(latencies)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1] * 1000
