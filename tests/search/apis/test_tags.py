"""Tags through the REST API: a photo's tags and edits, the gallery's tags, privacy."""

from urllib.parse import quote

import pytest

from tests.factories import tagged_photo

TAGS = "/api/v1/tags/"




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
