"""Related words through the REST API."""

from urllib.parse import quote

import pytest

from tests.factories import tagged_photo


@pytest.fixture
def gallery(user, vocabulary):
    return {"boat": tagged_photo(user, "boat", "harbor", seed=1), "cake": tagged_photo(user, "birthday cake", seed=2),
            "dog": tagged_photo(user, "dog", seed=3)}


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
