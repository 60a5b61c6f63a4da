"""Grouping near-duplicate vectors (pure part of the duplicates selector)."""

import numpy as np

from search.selectors.duplicates import linked_groups


def unit(*rows):
    matrix = np.asarray(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_pairs_chain_into_one_group_and_loners_are_left_out():
    angle = np.radians([0, 5, 10, 90])  # 0-5 and 5-10 degrees are close; 0-10 only through 5
    matrix = unit(*[(np.cos(a), np.sin(a)) for a in angle])
    assert linked_groups(matrix, min_similarity=float(np.cos(np.radians(6)))) == [[0, 1, 2]]


def test_separate_groups_stay_separate_in_order_of_their_first_row():
    matrix = unit((0, 1), (1, 0), (0, 1.001), (1.001, 0), (1, 1))
    assert linked_groups(matrix, min_similarity=0.999) == [[0, 2], [1, 3]]


def test_groups_across_blocks_of_rows_are_found():
    rng = np.random.default_rng(0)
    matrix = unit(*rng.normal(size=(2500, 16)))
    matrix[2400] = matrix[3]  # a duplicate far apart, in another block of 1,024 rows
    assert [3, 2400] in linked_groups(matrix, min_similarity=0.9999)


def test_nothing_alike_means_no_groups():
    assert linked_groups(np.eye(4, dtype=np.float32), min_similarity=0.5) == []
    assert linked_groups(np.zeros((0, 4), dtype=np.float32), min_similarity=0.5) == []
