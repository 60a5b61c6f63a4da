"""Tags, tag edits, related words and tag search through the REST API."""

from urllib.parse import quote

import pytest

from search import tag_services
from search.models import PhotoTag
from tests import images
from tests.factories import ready_photo_factory

TAGS = "/api/v1/tags/"


def tagged_photo(owner, *names, seed=0):
    """A ready photo whose only tags are the given ones (added by the owner)."""
    photo = ready_photo_factory(owner=owner, data=images.jpeg(120, 90, seed=seed))
    PhotoTag.objects.filter(photo=photo).delete()
    for name in names:
        tag_services.photo_tag_add(owner=owner, photo_id=photo.pk, name=name)
    return photo


@pytest.fixture
def gallery(user, vocabulary):
    return {"boat": tagged_photo(user, "boat", "harbor", seed=1), "cake": tagged_photo(user, "birthday cake", seed=2),
            "dog": tagged_photo(user, "dog", seed=3)}


def test_photo_tags_add_list_remove(api_client, gallery):
    photo = gallery["dog"]
    url = f"/api/v1/photos/{photo.pk}/tags/"
    created = api_client.post(url, {"name": " Golden  Retriever "}, format="json")
    assert created.status_code == 201 and created.json() == {"name": "golden retriever", "source": "user", "score": None}
    assert [t["name"] for t in api_client.get(url).json()] == ["dog", "golden retriever"]
    assert api_client.get(f"/api/v1/photos/{photo.pk}/").json()["tags"][1]["name"] == "golden retriever"
    assert api_client.delete(f"{url}{quote('golden retriever')}/").status_code == 204
    assert [t["name"] for t in api_client.get(url).json()] == ["dog"]
    missing = api_client.delete(f"{url}{quote('golden retriever')}/")
    assert missing.status_code == 404 and "no tag" in missing.json()["detail"]


@pytest.mark.parametrize(("body", "message"), [
    ({"name": "<b>bold</b>"}, "letters and digits"), ({"name": ""}, "may not be blank"), ({}, "required"),
    ({"name": "x" * 41}, "no more than 40"), ({"name": "a b c d e"}, "at most 4 words"),
])
def test_bad_tags_get_400_with_a_message(api_client, gallery, body, message):
    response = api_client.post(f"/api/v1/photos/{gallery['dog'].pk}/tags/", body, format="json")
    assert response.status_code == 400 and message in str(response.json())
    assert "detail" in response.json()


def test_gallery_tags_with_counts_and_samples(api_client, user, gallery):
    tagged_photo(user, "dog", seed=4)
    body = api_client.get(TAGS).json()
    counts = {tag["name"]: tag["photos"] for tag in body["results"]}
    assert counts == {"dog": 2, "boat": 1, "harbor": 1, "birthday cake": 1} and body["count"] == 4
    assert body["results"][0]["name"] == "dog" and body["results"][0]["sample_thumbnail_url"].endswith("/thumbnail/")


def test_photos_filtered_by_tag(api_client, gallery):
    body = api_client.get("/api/v1/photos/", {"tag": "Birthday Cake"}).json()
    assert [p["id"] for p in body["results"]] == [gallery["cake"].pk]


def test_related_words(api_client, gallery):
    body = api_client.get("/api/v1/words/dog/related/", {"limit": 10}).json()
    words = [item["word"] for item in body["related"]]
    assert {"cat", "puppy"} & set(words) and "dog" not in words and body["message"] == ""
    assert all(item["photos"] is None for item in body["related"])
    assert len(words) == 10 and words == [w["word"] for w in sorted(body["related"], key=lambda w: -w["similarity"])]


def test_related_words_in_the_gallery_have_photo_counts(api_client, gallery):
    body = api_client.get(f"/api/v1/words/{quote('sea')}/related/", {"in_gallery": "true", "limit": 2}).json()
    assert {item["word"] for item in body["related"]} == {"boat", "harbor"}
    assert [item["photos"] for item in body["related"]] == [1, 1]


def test_an_unknown_word_answers_200_with_an_empty_list_and_a_message(api_client, gallery):
    response = api_client.get("/api/v1/words/qxzzyv/related/")
    assert response.status_code == 200
    assert response.json()["related"] == [] and "does not know" in response.json()["message"]


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


def test_tags_are_private(api_client, other_api_client, other_user, gallery):
    tagged_photo(other_user, "secret island", seed=9)
    assert "secret island" not in {t["name"] for t in api_client.get(TAGS).json()["results"]}
    assert {t["name"] for t in other_api_client.get(TAGS).json()["results"]} == {"secret island"}
    assert other_api_client.get("/api/v1/photos/", {"tag": "boat"}).json()["results"] == []
    dog_tags = f"/api/v1/photos/{gallery['dog'].pk}/tags/"
    assert other_api_client.get(dog_tags).status_code == 404
    assert other_api_client.post(dog_tags, {"name": "mine now"}, format="json").status_code == 404
    assert other_api_client.delete(f"{dog_tags}dog/").status_code == 404
    related = other_api_client.get("/api/v1/words/sea/related/", {"in_gallery": "true"}).json()["related"]
    assert [item["word"] for item in related] == ["secret island"]
    found = other_api_client.get("/api/v1/search/", {"q": "boat", "mode": "tags"}).json()["results"]
    assert {r["photo"]["id"] for r in found}.isdisjoint({p.pk for p in gallery.values()})


def test_tag_endpoints_need_a_login(client, gallery):
    assert client.get(TAGS).status_code in (401, 403)
    assert client.get("/api/v1/words/dog/related/").status_code in (401, 403)


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
