import numpy as np
import pytest

from search import combine


def _v(*values):
    return np.asarray(values, dtype=np.float32)


def test_unit_scales_to_length_one_and_rejects_no_direction():
    assert np.allclose(combine.unit(_v(3, 4)), [0.6, 0.8])
    with pytest.raises(combine.CancelledOut):
        combine.unit(_v(0, 0))
    with pytest.raises(combine.CancelledOut):
        combine.unit(_v(np.nan, 1))


def test_weighted_sum_normalises_each_part_so_lengths_do_not_weigh():
    # A long vector counts as much as a short one: only the weights decide.
    assert np.allclose(combine.weighted_sum([(_v(10, 0), 1.0), (_v(0, 0.1), 1.0)]), [2 ** -0.5, 2 ** -0.5])
    assert np.allclose(combine.weighted_sum([(_v(1, 0), 1.0), (_v(0, 1), 3.0)]), _v(1, 3) / np.sqrt(10))


def test_weighted_sum_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        combine.weighted_sum([])


def test_with_words_moves_the_image_toward_the_words_more_with_a_larger_weight():
    image, words = _v(1, 0, 0), _v(0, 1, 0)
    closeness = [float(combine.with_words(image, words, weight=w) @ words) for w in (0.0, 0.5, 1.0, 2.0)]
    assert closeness[0] == pytest.approx(0.0)
    assert closeness == sorted(closeness) and closeness[-1] > 0.85
    assert np.allclose(combine.with_words(image, words, weight=1.0), _v(1, 1, 0) / np.sqrt(2))
    assert np.linalg.norm(combine.with_words(image, words)) == pytest.approx(1.0)


def test_without_moves_away_from_each_removed_direction():
    query = combine.unit(_v(1, 1, 1))
    moved = combine.without(query, [_v(0, 0, 1)], weight=0.5)
    assert float(moved @ _v(0, 0, 1)) < float(query @ _v(0, 0, 1))
    assert float(moved @ _v(1, 0, 0)) > float(query @ _v(1, 0, 0))
    assert np.linalg.norm(moved) == pytest.approx(1.0)
    # Two removed words subtract twice.
    both = combine.without(query, [_v(0, 0, 1), _v(0, 1, 0)], weight=0.5)
    assert np.allclose(both, combine.unit(query - 0.5 * _v(0, 0, 1) - 0.5 * _v(0, 1, 0)))


def test_without_the_same_words_at_full_weight_cancels_out():
    with pytest.raises(combine.CancelledOut):
        combine.without(_v(0, 2, 0), [_v(0, 1, 0)], weight=1.0)


def test_centroid_is_the_unit_mean_of_unit_vectors():
    assert np.allclose(combine.centroid([_v(5, 0), _v(0, 1)]), [2 ** -0.5, 2 ** -0.5])
    assert np.allclose(combine.centroid([_v(0.3, 0.4)]), [0.6, 0.8])
    with pytest.raises(combine.CancelledOut):
        combine.centroid([_v(1, 0), _v(-1, 0)])
    with pytest.raises(ValueError):
        combine.centroid([])
