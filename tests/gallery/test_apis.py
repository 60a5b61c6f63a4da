import pytest
from rest_framework.test import APIClient

from gallery.models import Photo
from tests import images
from tests.factories import PASSWORD, photo_factory, ready_photo_factory

PHOTOS = "/api/v1/photos/"


def test_absurdly_nested_json_is_400_not_500(db):
    body = '{"username":' + "[" * 50_000
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]


def test_token_is_obtained_with_username_and_password(user):
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200 and len(response.json()["token"]) == 40
    bad = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"})
    assert bad.status_code == 400 and bad.json()["detail"]


@pytest.mark.parametrize("method, url", [("get", PHOTOS), ("post", PHOTOS), ("get", PHOTOS + "1/"),
                                         ("delete", PHOTOS + "1/"), ("get", PHOTOS + "1/original/"),
                                         ("get", "/api/v1/status/")])
def test_anonymous_requests_are_refused(db, method, url):
    response = getattr(APIClient(), method)(url)
    assert response.status_code == 401 and response.json()["detail"]


def test_upload_several_files_reports_each(api_client, user):
    files = [images.upload(images.jpeg(seed=1), "one.jpg"), images.upload(images.png(seed=2), "two.png", "image/png"),
             images.upload(b"not an image", "three.jpg")]
    response = api_client.post(PHOTOS, {"files": files}, format="multipart")
    assert response.status_code == 201
    results = response.json()
    assert [r["result"] for r in results] == ["added", "added", "rejected"]
    assert results[0]["photo"]["status"] == "pending" and results[0]["photo"]["original_name"] == "one.jpg"
    assert "not an image" in results[2]["error"] and results[2]["photo"] is None
    assert Photo.objects.filter(owner=user).count() == 2


def test_upload_again_answers_200_with_the_existing_photo(api_client):
    data = images.jpeg(seed=5)
    first = api_client.post(PHOTOS, {"files": [images.upload(data)]}, format="multipart").json()[0]
    again = api_client.post(PHOTOS, {"files": [images.upload(data, "copy.jpg")]}, format="multipart")
    assert again.status_code == 200
    assert again.json()[0]["result"] == "duplicate" and again.json()[0]["photo"]["id"] == first["photo"]["id"]


def test_upload_of_only_bad_files_is_400(api_client):
    response = api_client.post(PHOTOS, {"files": [images.upload(b"", "empty.jpg")]}, format="multipart")
    assert response.status_code == 400 and response.json()[0]["error"] == "The file is empty."


def test_upload_without_files_is_400_with_a_message(api_client):
    response = api_client.post(PHOTOS, {}, format="multipart")
    body = response.json()
    assert response.status_code == 400 and "Choose one or more photos" in body["detail"] and "files" in body["errors"]


def test_list_is_newest_first_paginated_and_filterable(api_client, user):
    older = ready_photo_factory(owner=user)
    newer = photo_factory(owner=user)
    body = api_client.get(PHOTOS).json()
    assert body["count"] == 2 and [p["id"] for p in body["results"]] == [newer.pk, older.pk]
    assert body["results"][1]["thumbnail_url"].endswith(f"/api/v1/photos/{older.pk}/thumbnail/")
    assert body["results"][0]["thumbnail_url"] is None
    assert [p["id"] for p in api_client.get(PHOTOS, {"status": "ready"}).json()["results"]] == [older.pk]
    assert [p["id"] for p in api_client.get(PHOTOS, {"ids": f"{newer.pk}"}).json()["results"]] == [newer.pk]
    assert api_client.get(PHOTOS, {"page_size": 1}).json()["next"]


@pytest.mark.parametrize("query", [{"status": "sideways"}, {"ids": "1,abc"}, {"page": "999"}])
def test_bad_list_parameters_are_4xx(api_client, query):
    response = api_client.get(PHOTOS, query)
    assert 400 <= response.status_code < 500 and response.json()["detail"]


def test_detail_and_media(api_client, user):
    photo = ready_photo_factory(owner=user, data=images.png(), name="holiday.png")
    detail = api_client.get(f"{PHOTOS}{photo.pk}/").json()
    assert detail["status"] == "ready" and detail["content_type"] == "image/png"
    original = api_client.get(f"{PHOTOS}{photo.pk}/original/", HTTP_ACCEPT="image/*")
    assert original.status_code == 200 and original["Content-Type"] == "image/png"
    assert b"".join(original.streaming_content) == images.png()
    assert original["Content-Disposition"] == "inline; filename*=UTF-8''holiday.png"
    saved = api_client.get(f"{PHOTOS}{photo.pk}/original/?download=true")
    assert saved["Content-Disposition"] == "attachment; filename*=UTF-8''holiday.png"
    thumbnail = api_client.get(f"{PHOTOS}{photo.pk}/thumbnail/")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"


def test_thumbnail_of_a_pending_photo_is_404_with_a_reason(api_client, user):
    photo = photo_factory(owner=user)
    response = api_client.get(f"{PHOTOS}{photo.pk}/thumbnail/")
    assert response.status_code == 404 and "not ready" in response.json()["detail"]


def test_delete(api_client, user):
    photo = ready_photo_factory(owner=user)
    assert api_client.delete(f"{PHOTOS}{photo.pk}/").status_code == 204
    assert api_client.get(f"{PHOTOS}{photo.pk}/").status_code == 404


def test_another_users_photo_is_invisible_everywhere(api_client, other_api_client, user):
    photo = ready_photo_factory(owner=user)
    for suffix in ("", "original/", "thumbnail/"):
        assert other_api_client.get(f"{PHOTOS}{photo.pk}/{suffix}").status_code == 404
    assert other_api_client.delete(f"{PHOTOS}{photo.pk}/").status_code == 404
    assert other_api_client.get(PHOTOS).json()["count"] == 0
    assert other_api_client.get(PHOTOS, {"ids": str(photo.pk)}).json()["count"] == 0
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert api_client.get(f"{PHOTOS}{photo.pk}/").status_code == 200


def test_status_reports_model_and_counts(api_client, user):
    photo_factory(owner=user)
    body = api_client.get("/api/v1/status/").json()
    assert body["photos"]["pending"] == 1 and body["model"].startswith("imagesearch-offline/")


def test_schema_and_docs_are_served_without_a_cdn(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/photos/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()


def test_malformed_api_urls_answer_json_404(api_client):
    response = api_client.get("/api/v1/photos/-1/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
