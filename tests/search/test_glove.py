"""How text becomes GloVe words (pure)."""

from search import glove


def test_words_keep_their_accents():
    assert glove.words_of("Café crème, on the beach!") == ["café", "crème", "beach"]
