"""Reciprocal rank fusion (pure)."""

import pytest

from search.ranking import reciprocal_rank_fusion


def test_an_item_high_in_both_rankings_wins():
    assert reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]])[:2] == [1, 3]


def test_scores_are_one_over_k_plus_rank_summed():
    # k=1: item 2 is second in both (1/3 + 1/3); items 1 and 3 are first once (1/2); ties keep first-seen order.
    assert reciprocal_rank_fusion([[1, 2], [3, 2]], k=1) == [2, 1, 3]


def test_weights_let_one_ranking_outvote_the_other():
    unweighted = reciprocal_rank_fusion([[1, 2], [2, 1]])
    assert reciprocal_rank_fusion([[1, 2], [2, 1]], weights=[1.0, 2.0])[0] == 2
    assert reciprocal_rank_fusion([[1, 2], [2, 1]], weights=[2.0, 1.0])[0] == 1
    assert sorted(unweighted) == [1, 2]


def test_every_item_of_every_ranking_appears_once():
    fused = reciprocal_rank_fusion([[5, 6, 7], [7, 8], []])
    assert sorted(fused) == [5, 6, 7, 8] and len(fused) == 4


@pytest.mark.parametrize("rankings", [[], [[]], [[], []]])
def test_nothing_in_nothing_out(rankings):
    assert reciprocal_rank_fusion(rankings) == []
