"""Combining rankings (pure functions)."""

from __future__ import annotations

RRF_K = 60


def reciprocal_rank_fusion(rankings: list[list[int]], *, k: int = RRF_K, weights: list[float] | None = None) -> list[int]:
    """Ids ordered by the (weighted) sum of 1 / (k + rank) over the rankings they appear in
    (Cormack et al. 2009)."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused, key=lambda item: -fused[item])
