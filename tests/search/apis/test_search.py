"""Photo search through the REST API: similar, words, region, uploaded image; isolation."""

import pytest

from search.models import PhotoTag
from tests import images
from tests.factories import photo_factory, ready_photo_factory

SEARCH = "/api/v1/search/"


@pytest.fixture
def gallery(user):
    return [ready_photo_factory(owner=user, data=images.jpeg(120, 90, seed=s)) for s in range(4)]


def test_similar_excludes_the_photo_and_scores_descend(api_client, gallery):
    body = api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/", {"limit": 10}).json()
    ids = [r["photo"]["id"] for r in body["results"]]
    assert gallery[0].pk not in ids and sorted(ids) == sorted(p.pk for p in gallery[1:])
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True) and body["query_photo_id"] == gallery[0].pk
    assert body["metric"] == "cosine" and body["next_offset"] is None


def test_paging_and_cutoff(api_client, gallery):
    first = api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/", {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next_offset"] == 2
    second = api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/", {"limit": 2, "offset": 2}).json()
    assert {r["photo"]["id"] for r in second["results"]}.isdisjoint({r["photo"]["id"] for r in first["results"]})
    cutoff = first["results"][0]["score"] - 1e-6
    kept = api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/", {"min_score": cutoff}).json()["results"]
    assert [r["photo"]["id"] for r in kept] == [first["results"][0]["photo"]["id"]]


def test_text_search_returns_scored_photos(api_client, gallery):
    body = api_client.get(SEARCH, {"q": "  a red   car "}).json()
    assert body["query"] == "a red   car" or body["query"].strip() == "a red   car"
    assert len(body["results"]) == 4 and all(-1 <= r["score"] <= 1 for r in body["results"])


@pytest.mark.parametrize("params, message", [
    ({"q": ""}, "may not be blank"),
    ({"q": "   "}, "may not be blank"),
    ({"q": "x" * 201}, "no more than 200 characters"),
    ({"q": "dog", "metric": "hamming"}, "metric"),
    ({"q": "dog", "limit": "0"}, "limit"),
    ({"q": "dog", "min_score": "2"}, "min_score"),
    ({}, "q"),
])
def test_text_search_bad_input_is_400(api_client, gallery, params, message):
    response = api_client.get(SEARCH, params)
    assert response.status_code == 400 and message in str(response.json())


@pytest.mark.parametrize("metric", ["cosine", "l2", "inner_product", "l1"])
def test_every_metric_is_available(api_client, gallery, metric):
    body = api_client.get(f"/api/v1/photos/{gallery[1].pk}/similar/", {"metric": metric}).json()
    assert body["metric"] == metric and len(body["results"]) == 3


def test_region_search_includes_the_source_photo(api_client, gallery):
    response = api_client.post(f"{SEARCH}region/", {"photo_id": gallery[2].pk, "box": [0.1, 0.1, 0.9, 0.9]},
                               format="json")
    assert response.status_code == 200
    assert gallery[2].pk in [r["photo"]["id"] for r in response.json()["results"]]
    form = api_client.post(f"{SEARCH}region/", {"photo_id": gallery[2].pk, "box": "0,0,0.5,0.5"})
    assert form.status_code == 200
    repeated = api_client.post(f"{SEARCH}region/", {"photo_id": gallery[2].pk, "box": ["0", "0", "0.5", "0.5"]})
    assert repeated.status_code == 200


@pytest.mark.parametrize("box, message", [
    ([0.5, 0.5, 0.4, 0.9], "empty"),
    ([-0.1, 0, 0.5, 0.5], "inside the photo"),
    ([0, 0, 1.5, 1], "inside the photo"),
    ([0, 0, 0.05, 0.05], "too small"),
    ([0, 0, 1], "box"),
    ("a,b,c,d", "box"),
    ("[" * 5000, "box"),
])
def test_bad_boxes_are_400(api_client, gallery, box, message):
    response = api_client.post(f"{SEARCH}region/", {"photo_id": gallery[0].pk, "box": box}, format="json")
    assert response.status_code == 400 and message in str(response.json())


def test_search_by_uploaded_image_stores_nothing(api_client, gallery, user):
    before = user.photos.count()
    response = api_client.post(f"{SEARCH}image/", {"file": images.upload(images.jpeg(200, 150, seed=1))},
                               format="multipart")
    assert response.status_code == 200 and len(response.json()["results"]) == 4
    cropped = api_client.post(f"{SEARCH}image/", {"file": images.upload(images.jpeg(200, 150, seed=1)),
                                                  "box": "0.2,0.2,0.8,0.8"}, format="multipart")
    assert cropped.status_code == 200
    assert user.photos.count() == before


@pytest.mark.parametrize("data, message", [(b"", "empty"), (b"plain text", "not an image"),
                                           (images.truncated_jpeg(), "truncated")])
def test_search_by_a_bad_image_is_400(api_client, gallery, data, message):
    response = api_client.post(f"{SEARCH}image/", {"file": images.upload(data)}, format="multipart")
    assert response.status_code == 400 and message in response.json()["detail"]


def test_pending_photo_cannot_be_searched_by_yet(api_client, user):
    photo = photo_factory(owner=user)
    response = api_client.get(f"/api/v1/photos/{photo.pk}/similar/")
    assert response.status_code == 400 and "still being processed" in response.json()["detail"]


def test_search_never_crosses_users(api_client, other_api_client, gallery, other_user):
    theirs = ready_photo_factory(owner=other_user)
    assert other_api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/").status_code == 404
    region = other_api_client.post(f"{SEARCH}region/", {"photo_id": gallery[0].pk, "box": [0, 0, 1, 1]}, format="json")
    assert region.status_code == 404
    for client, own in ((api_client, {p.pk for p in gallery}), (other_api_client, {theirs.pk})):
        found = {r["photo"]["id"] for r in client.get(SEARCH, {"q": "photo", "limit": 100}).json()["results"]}
        assert found == own
        image = client.post(f"{SEARCH}image/", {"file": images.upload(images.jpeg(seed=77))}, format="multipart")
        assert {r["photo"]["id"] for r in image.json()["results"]} == own
        groups = client.get("/api/v1/duplicates/", {"max_distance": 0.2}).json()["groups"]
        assert {item["photo"]["id"] for group in groups for item in group} <= own


def test_words_the_offline_model_does_not_know_are_marked_low_confidence(api_client, user, vocabulary):
    for seed in range(7):
        ready_photo_factory(owner=user, data=images.jpeg(120, 90, seed=100 + seed))
    PhotoTag.objects.filter(owner=user).delete()
    body = api_client.get(SEARCH, {"q": "bankruptcy"}).json()
    assert body["low_confidence"] is True and len(body["results"]) == 5 and body["next_offset"] is None
    assert "doesn't know “bankruptcy”" in body["message"]
    known = api_client.get(SEARCH, {"q": "helicopter"}).json()
    assert known["low_confidence"] is False and known["message"] == "" and len(known["results"]) == 7
