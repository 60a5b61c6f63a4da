"""Matching words against stored text (stored through the service, without running OCR)."""

from gallery.services.trash import photos_trash
from search import ocr
from search.selectors import photo_text
from search.services.photo_text import photo_texts_store
from tests.factories import ready_photo_factory

BOX = ((0.1, 0.1), (0.9, 0.1), (0.9, 0.2), (0.1, 0.2))


def _with_text(owner, *lines):
    photo = ready_photo_factory(owner=owner)
    photo_texts_store(photos=[photo], lines=[[ocr.TextLine(text=line, confidence=0.9, quad=BOX) for line in lines]])
    return photo


def _found(owner, query):
    return [match.photo_id for match in photo_text.text_ranking(owner_id=owner.pk, text=query, limit=10)]


def test_words_find_text_that_lost_its_spaces(user):
    parking = _with_text(user, "PARKINGLEVEL3B")
    _with_text(user, "EXIT")
    assert _found(user, "parking level") == [parking.pk]
    assert _found(user, "level 3b") == [parking.pk]


def test_partial_words_and_accents_match(user):
    cafe = _with_text(user, "Café Lisboa", "Rua Augusta 12")
    assert _found(user, "lisb") == [cafe.pk]
    assert _found(user, "cafe") == [cafe.pk]
    assert _found(user, "CAFÉ augusta") == [cafe.pk]


def test_a_misread_letter_still_matches_by_trigram_similarity(user):
    receipt = _with_text(user, "SUPERMERCADO L1SBOA TOTAL")
    assert _found(user, "supermercado lisboa") == [receipt.pk]


def test_the_whole_phrase_ranks_above_scattered_words(user):
    scattered = _with_text(user, "LEVEL 2", "PARKING FREE")
    phrase = _with_text(user, "PARKING LEVEL 2")
    assert _found(user, "parking level") == [phrase.pk, scattered.pk]


def test_another_users_text_never_matches(user, other_user):
    _with_text(other_user, "PARKING LEVEL 3B")
    assert _found(user, "parking") == []


def test_a_trashed_photos_text_does_not_match(user):
    photo = _with_text(user, "PARKING LEVEL 3B")
    photos_trash(photos=[photo])
    assert _found(user, "parking") == []


def test_photos_without_text_never_match(user):
    photo = ready_photo_factory(owner=user)
    photo_texts_store(photos=[photo], lines=[[]])
    assert _found(user, "a") == []
    assert not photo_text.photo_text_get(photo=photo).has_text


def test_matched_text_highlights_the_words_in_their_line(user):
    photo = _with_text(user, "WELCOME", "PARKINGLEVEL3B")
    matched = photo_text.matched_text(photo_ids=[photo.pk], text="parking level")[photo.pk]
    assert matched.snippet == "PARKINGLEVEL3B"
    assert [matched.snippet[a:b] for a, b in matched.highlights] == ["PARKINGLEVEL"]


def test_progress_counts_ready_photos_read(user):
    _with_text(user, "EXIT")
    ready_photo_factory(owner=user)
    assert photo_text.photo_text_progress(owner=user) | {"enabled": None} == {
        "enabled": None, "read": 1, "total": 2, "waiting": 1, "with_text": 1}
