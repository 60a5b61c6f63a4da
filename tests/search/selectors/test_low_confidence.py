"""Word search with the offline model for words it never learnt: its best few guesses, said to be guesses."""

import pytest

from gallery.services import processing
from search.filters import PhotoFilters
from search.models import PhotoTag
from search.selectors import photo_search
from search.services import tag_edits
from tests.factories import photo_factory

UNKNOWN = "bankruptcy"  # GloVe knows it; the offline model learnt nothing near it, and no tag is near it


@pytest.fixture
def gallery(user, vocabulary):
    photos = [photo_factory(owner=user) for _ in range(8)]
    processing.photos_process_pending()
    PhotoTag.objects.filter(owner=user).delete()  # the generated photos' guesses must not match by chance
    return photos


def test_words_the_model_does_not_know_get_its_best_few_guesses_marked_as_such(user, gallery):
    result = photo_search.search_text(owner=user, text=UNKNOWN, options=photo_search.SearchOptions(limit=30))
    assert result.low_confidence and result.next_offset is None
    assert len(result.results) == photo_search.LOW_CONFIDENCE_SHOWN < len(gallery)
    assert [item.score for item in result.results] == sorted((item.score for item in result.results), reverse=True)
    assert f"doesn't know “{UNKNOWN}”" in result.message and "closest guesses" in result.message
    later = photo_search.search_text(owner=user, text=UNKNOWN, options=photo_search.SearchOptions(limit=30, offset=5))
    assert later.low_confidence and later.results == []


def test_filters_that_keep_no_photo_say_nothing_of_guesses(user, gallery):
    options = photo_search.SearchOptions(limit=30, filters=PhotoFilters(camera="no such camera"))
    result = photo_search.search_text(owner=user, text=UNKNOWN, options=options)
    assert result.results == [] and not result.low_confidence and result.message == ""


@pytest.mark.parametrize("mode", photo_search.TEXT_MODES[:2])
def test_a_word_it_learnt_gets_a_full_page(user, gallery, mode):
    result = photo_search.search_text(owner=user, text="helicopter", options=photo_search.SearchOptions(limit=30),
                                      mode=mode)
    assert not result.low_confidence and result.message == "" and len(result.results) == len(gallery)


def test_a_word_matching_a_tag_gets_a_full_page(user, gallery):
    tag_edits.photo_tag_add(photo=gallery[0], name=UNKNOWN)
    result = photo_search.search_text(owner=user, text=UNKNOWN, options=photo_search.SearchOptions(limit=30))
    assert not result.low_confidence and result.results[0].photo.pk == gallery[0].pk
    assert len(result.results) == len(gallery)


def test_full_clip_is_never_marked_low_confidence(user, switch_model, glove_words):
    switch_model(CLIP_MODEL="ViT-S-32", CLIP_RANDOM_WEIGHTS=True)
    for _ in range(6):
        photo_factory(owner=user)
    processing.photos_process_pending()
    result = photo_search.search_text(owner=user, text=UNKNOWN, options=photo_search.SearchOptions(limit=30),
                                      mode="clip")
    assert not result.low_confidence and len(result.results) == 6
