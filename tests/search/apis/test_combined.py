"""Combined queries through the REST API: photo + words, uploaded image + words, words minus words,
more like these; isolation, paging and bad input."""

import pytest
from django.core.cache import caches

from tests import images
from tests.factories import photo_factory, ready_photo_factory

LIKE = "/api/v1/search/like/"


@pytest.fixture
def gallery(user):
    return [ready_photo_factory(owner=user, data=images.jpeg(120, 90, seed=s), name=f"p{s}.jpg") for s in range(6)]


@pytest.fixture
def one_photo(user):
    return ready_photo_factory(owner=user)


def _ids(body):
    return [r["photo"]["id"] for r in body["results"]]


def test_similar_with_words_says_what_it_combined(api_client, gallery):
    plain = api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/").json()
    assert plain["combined"] is None
    body = api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/", {"q": " at   night ", "weight": 2}).json()
    assert body["combined"] == {"description": "Like p0.jpg + “at night”", "photo_ids": [gallery[0].pk],
                                "image_name": "", "words": "at night", "words_weight": 2.0, "without": [],
                                "without_weight": None}
    assert gallery[0].pk not in _ids(body) and sorted(_ids(body)) == sorted(p.pk for p in gallery[1:])
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert scores != [r["score"] for r in plain["results"]]  # the words changed the query


def test_image_upload_with_words(api_client, gallery):
    response = api_client.post("/api/v1/search/image/", {"file": images.upload(images.jpeg(seed=99), name="q.jpg"),
                                                         "q": "snow", "limit": 3}, format="multipart")
    body = response.json()
    assert response.status_code == 200, body
    assert body["combined"]["description"] == "Like q.jpg + “snow”" and len(body["results"]) == 3
    assert body["next_offset"] == 3


def test_words_minus_words_from_the_parameter_or_typed(api_client, gallery):
    param = api_client.get("/api/v1/search/", {"q": "beach", "without": "people,cars"}).json()
    repeated = api_client.get("/api/v1/search/?q=beach&without=people&without=cars").json()
    typed = api_client.get("/api/v1/search/", {"q": "beach -people -cars"}).json()
    assert param["combined"]["description"] == "beach, without people or cars"
    assert param["combined"]["without"] == ["people", "cars"] and param["combined"]["without_weight"] == 0.35
    assert _ids(param) == _ids(repeated) == _ids(typed) and len(_ids(param)) == 6
    assert api_client.get("/api/v1/search/", {"q": "beach"}).json()["combined"] is None


def test_more_like_these_leaves_them_out_and_pages_stably(api_client, gallery):
    chosen = f"{gallery[0].pk},{gallery[1].pk}"
    whole = api_client.get(LIKE, {"photo_ids": chosen, "limit": 10}).json()
    assert whole["combined"]["description"] == "Like these 2 photos"
    assert whole["combined"]["photo_ids"] == [gallery[0].pk, gallery[1].pk]
    assert sorted(_ids(whole)) == sorted(p.pk for p in gallery[2:])
    first = api_client.get(LIKE, {"photo_ids": chosen, "limit": 2}).json()
    second = api_client.get(LIKE, {"photo_ids": chosen, "limit": 2, "offset": first["next_offset"]}).json()
    assert first["next_offset"] == 2 and _ids(first) + _ids(second) == _ids(whole)
    assert second["next_offset"] is None
    with_words = api_client.get(f"{LIKE}?photo_ids={gallery[0].pk}&photo_ids={gallery[1].pk}&q=night").json()
    assert with_words["combined"]["description"] == "Like these 2 photos + “night”"


def test_another_users_photo_is_404_and_never_in_results(api_client, other_api_client, gallery, other_user):
    theirs = ready_photo_factory(owner=other_user)
    assert api_client.get(LIKE, {"photo_ids": f"{gallery[0].pk},{theirs.pk}"}).status_code == 404
    assert other_api_client.get(LIKE, {"photo_ids": gallery[0].pk}).status_code == 404
    assert other_api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/", {"q": "night"}).status_code == 404
    body = other_api_client.get(LIKE, {"photo_ids": theirs.pk}).json()
    assert body["results"] == []  # nothing of mine
    for response in (api_client.get(LIKE, {"photo_ids": gallery[0].pk, "q": "night"}),
                     api_client.get("/api/v1/search/", {"q": "dog -cat"})):
        assert theirs.pk not in _ids(response.json())


def test_a_photo_not_ready_is_a_clear_400(api_client, gallery, user):
    pending = photo_factory(owner=user, name="new.jpg")
    response = api_client.get(LIKE, {"photo_ids": f"{gallery[0].pk},{pending.pk}"})
    assert response.status_code == 400 and "new.jpg is still being processed" in str(response.json())
    response = api_client.get(f"/api/v1/photos/{pending.pk}/similar/", {"q": "night"})
    assert response.status_code == 400 and "still being processed" in str(response.json())


@pytest.mark.parametrize("params, message", [
    ({}, "photo_ids"),
    ({"photo_ids": ""}, "at least one photo"),
    ({"photo_ids": ",".join(str(i) for i in range(1, 52))}, "at most 50"),
    ({"photo_ids": "1,x"}, "valid integer"),
    ({"photo_ids": "{first}", "weight": "5"}, "weight"),
    ({"photo_ids": "{first}", "q": "x" * 201}, "200 characters"),
])
def test_more_like_these_bad_input_is_400(api_client, one_photo, params, message):
    params = {key: value.format(first=one_photo.pk) for key, value in params.items()}
    response = api_client.get(LIKE, params)
    assert response.status_code == 400 and message in str(response.json())


@pytest.mark.parametrize("params, message", [
    ({"q": "-people"}, "not only what to leave out"),
    ({"q": "dog", "without": "dog", "without_weight": "1"}, "cancel"),
    ({"q": "dog", "without": "cat", "mode": "tags"}, "needs CLIP"),
    ({"q": "dog", "without": "a,b,c,d,e,f"}, "at most 5"),
    ({"q": "dog", "without": "cat", "without_weight": "-1"}, "without_weight"),
])
def test_words_minus_words_bad_input_is_400(api_client, one_photo, params, message):
    response = api_client.get("/api/v1/search/", params)
    assert response.status_code == 400 and message in str(response.json())


def test_similar_words_bad_input_is_400(api_client, one_photo):
    response = api_client.get(f"/api/v1/photos/{one_photo.pk}/similar/", {"q": "night", "weight": "abc"})
    assert response.status_code == 400 and "weight" in str(response.json())


def test_adding_words_counts_against_the_search_limit(api_client, one_photo, settings):
    gallery = [one_photo]
    caches["ratelimit"].clear()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "1/minute"}
    for _ in range(3):  # plain find-similar runs no model: not limited
        assert api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/").status_code == 200
    assert api_client.get(LIKE, {"photo_ids": gallery[0].pk, "q": "night"}).status_code == 200
    assert api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/", {"q": "night"}).status_code == 429
