"""Summary figures of timings, the same in every report."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentiles_ms(times: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of durations in seconds.

    Linear interpolation between the closest ranks (numpy's default, the same as
    `statistics.quantiles(..., n=100, method="inclusive")`): of 20 samples, p95 lies between the
    19th and the 20th, not at the slowest one."""
    if len(times) == 0:
        raise ValueError("no timings")
    p50, p95 = np.percentile(np.asarray(times, dtype=np.float64) * 1000, [50, 95])
    return float(p50), float(p95)
