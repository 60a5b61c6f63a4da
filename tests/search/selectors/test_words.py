"""GloVe query vectors of words and phrases."""

import numpy as np

from search.models import GloveWord
from search.selectors import words as word_selectors


def test_phrase_vectors_average_their_words(glove_words, db):
    both = word_selectors.phrase_glove_vector("dog beach")
    dog, beach = word_selectors.phrase_glove_vector("dog"), word_selectors.phrase_glove_vector("beach")
    assert np.isclose(np.linalg.norm(both), 1.0)
    assert both @ dog > 0.6 and both @ beach > 0.6 and both @ dog < 0.99
    assert word_selectors.phrase_glove_vector("qxzzyv") is None


def test_a_word_glove_learns_later_is_not_remembered_as_unknown(glove_words, db):
    assert word_selectors.word_query("qxzzyv").vector is None
    GloveWord.objects.create(id=400_000, word="qxzzyv", vector=[0.1] * 50)  # rolled back after the test
    try:
        assert word_selectors.word_query("qxzzyv").vector is not None
    finally:
        word_selectors.word_query_cache_clear()
