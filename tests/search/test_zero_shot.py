"""Choosing a photo's automatic tags from zero-shot probabilities (pure)."""

import numpy as np

from search.zero_shot import best_tags


def test_tags_come_best_first_above_the_threshold():
    probs = np.array([[0.05, 0.5, 0.3, 0.15]])
    assert best_tags(probs, threshold=0.1, max_tags=8) == [[(1, 0.5), (2, 0.3), (3, 0.15)]]


def test_at_most_max_tags():
    probs = np.array([[0.25, 0.25, 0.25, 0.25]])
    assert len(best_tags(probs, threshold=0.0, max_tags=2)[0]) == 2


def test_a_confident_tag_silences_the_tail():
    probs = np.array([[0.9, 0.06, 0.04]])
    assert best_tags(probs, threshold=0.05, max_tags=8) == [[(0, 0.9), (1, 0.06)]]
    assert best_tags(probs, threshold=0.05, max_tags=8, relative=0.1) == [[(0, 0.9)]]


def test_a_photo_nothing_fits_gets_no_tags_and_rows_stay_apart():
    probs = np.array([[0.34, 0.33, 0.33], [0.8, 0.1, 0.1]])
    chosen = best_tags(probs, threshold=0.5, max_tags=8)
    assert chosen == [[], [(0, 0.8)]]
