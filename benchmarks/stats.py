"""Summary figures of timings, the same in every report."""

from __future__ import annotations

import statistics


def percentiles_ms(times: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of durations in seconds."""
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000
