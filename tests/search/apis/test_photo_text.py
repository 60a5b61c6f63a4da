"""Text in photos through the REST API: mode=text, matched_text in word search, the photo's text,
progress in the status API (text stored through the service; the OCR itself is tested in
tests/search/services/test_photo_text.py)."""

import pytest

from gallery.services import processing
from gallery.services.trash import photos_trash
from search import ocr
from search.services.photo_text import photo_texts_store
from tests import images
from tests.factories import photo_factory, ready_photo_factory

SEARCH = "/api/v1/search/"
BOX = ((0.1, 0.1), (0.6, 0.1), (0.6, 0.2), (0.1, 0.2))


@pytest.fixture
def gallery(user):
    photos = [photo_factory(owner=user, data=images.jpeg(120, 90, seed=s)) for s in range(6)]
    processing.photos_process_pending()  # one batch
    parking, *others = photos
    photo_texts_store(photos=[parking], lines=[[ocr.TextLine(text=line, confidence=0.93, quad=BOX)
                                                for line in ("SUPERMERCADO", "PARKINGLEVEL3B")]])
    return parking, others


def _ids(body):
    return [r["photo"]["id"] for r in body["results"]]


def test_mode_text_finds_text_without_spaces_and_highlights_it(api_client, gallery):
    parking, _ = gallery
    body = api_client.get(SEARCH, {"q": "parking level", "mode": "text"}).json()
    assert _ids(body) == [parking.pk] and body["mode"] == "text"
    matched = body["results"][0]["matched_text"]
    assert matched["snippet"] == "PARKINGLEVEL3B"
    assert [matched["snippet"][a:b] for a, b in matched["highlights"]] == ["PARKINGLEVEL"]


def test_word_search_fuses_the_text_ranking_first(api_client, gallery):
    parking, others = gallery
    body = api_client.get(SEARCH, {"q": "parking level"}).json()  # hybrid: CLIP + tags + text
    assert _ids(body)[0] == parking.pk and set(_ids(body)) == {parking.pk, *(p.pk for p in others)}
    assert body["results"][0]["matched_text"]["snippet"] == "PARKINGLEVEL3B"
    assert all(r["matched_text"] is None for r in body["results"][1:])


def test_another_users_text_never_matches(other_api_client, other_user, gallery):
    ready_photo_factory(owner=other_user)
    assert other_api_client.get(SEARCH, {"q": "parking level", "mode": "text"}).json()["results"] == []
    assert gallery[0].pk not in _ids(other_api_client.get(SEARCH, {"q": "parking level"}).json())


def test_a_trashed_photos_text_does_not_match(api_client, gallery):
    parking, _ = gallery
    photos_trash(photos=[parking])
    assert api_client.get(SEARCH, {"q": "parking", "mode": "text"}).json()["results"] == []
    assert parking.pk not in _ids(api_client.get(SEARCH, {"q": "parking"}).json())


def test_an_unknown_mode_is_a_clear_400(api_client, gallery):
    response = api_client.get(SEARCH, {"q": "parking", "mode": "ocr"})
    assert response.status_code == 400 and "mode" in str(response.json())


def test_the_photo_detail_returns_its_text_with_boxes(api_client, gallery):
    parking, others = gallery
    body = api_client.get(f"/api/v1/photos/{parking.pk}/").json()
    assert body["text"]["text"] == "SUPERMERCADO\nPARKINGLEVEL3B"
    assert body["text"]["lines"][1] == {"text": "PARKINGLEVEL3B", "confidence": 0.93,
                                        "quad": [[0.1, 0.1], [0.6, 0.1], [0.6, 0.2], [0.1, 0.2]]}
    assert api_client.get(f"/api/v1/photos/{others[0].pk}/").json()["text"] is None  # not read yet


def test_the_status_api_shows_how_far_reading_text_has_come(api_client, gallery):
    text = api_client.get("/api/v1/status/").json()["text"]
    assert text == {"enabled": False, "read": 1, "total": 6, "waiting": 5, "with_text": 1}
