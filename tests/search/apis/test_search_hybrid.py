"""Word search fused with the GloVe match of tags, through the REST API."""

import pytest

from tests.factories import tagged_photo


@pytest.fixture
def gallery(user, vocabulary):
    return {"boat": tagged_photo(user, "boat", "harbor", seed=1), "cake": tagged_photo(user, "birthday cake", seed=2),
            "dog": tagged_photo(user, "dog", seed=3)}


def test_a_word_that_is_not_a_tag_finds_photos_through_glove(api_client, gallery):
    body = api_client.get("/api/v1/search/", {"q": "ocean", "mode": "tags"}).json()
    assert body["results"][0]["photo"]["id"] == gallery["boat"].pk
    assert body["results"][0]["matched_tags"][0]["name"] in {"boat", "harbor"}
    hybrid = api_client.get("/api/v1/search/", {"q": "ocean"}).json()
    assert hybrid["mode"] == "hybrid" and gallery["boat"].pk in [r["photo"]["id"] for r in hybrid["results"][:2]]
    assert {"boat", "harbor"} <= {tag["name"] for tag in hybrid["related_tags"]}


def test_an_unknown_word_falls_back_to_clip_silently(api_client, gallery):
    fallback = api_client.get("/api/v1/search/", {"q": "qxzzyv"}).json()
    clip_only = api_client.get("/api/v1/search/", {"q": "qxzzyv", "mode": "clip"}).json()
    assert [r["photo"]["id"] for r in fallback["results"]] == [r["photo"]["id"] for r in clip_only["results"]]
    assert len(fallback["results"]) == 3 and fallback["related_tags"] == []


def test_a_bad_mode_is_a_400(api_client, gallery):
    response = api_client.get("/api/v1/search/", {"q": "dog", "mode": "magic"})
    assert response.status_code == 400 and "mode" in response.json()["errors"]


def test_hybrid_pages_neither_repeat_nor_skip(api_client, user, gallery):
    for seed in range(4, 9):
        tagged_photo(user, "sailboat", seed=seed)
    seen, offset = [], 0
    while offset is not None:
        body = api_client.get("/api/v1/search/", {"q": "ocean", "limit": 3, "offset": offset}).json()
        seen += [r["photo"]["id"] for r in body["results"]]
        offset = body["next_offset"]
    assert len(seen) == len(set(seen)) == 8


def test_tags_mode_with_words_glove_does_not_know_finds_nothing(api_client, gallery):
    body = api_client.get("/api/v1/search/", {"q": "qxzzyv", "mode": "tags"}).json()
    assert body["results"] == [] and body["next_offset"] is None
