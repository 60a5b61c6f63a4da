"""Albums through the REST API; a second user gets 404s."""

import pytest

from albums.models import Album, AlbumPhoto
from gallery.services.trash import photos_trash
from tests.factories import album_factory, photo_rows, ready_photo_factory

ALBUMS = "/api/v1/albums/"


def test_create_list_read_rename_and_delete(api_client, user):
    created = api_client.post(ALBUMS, {"name": "Holidays", "description": "Sun"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["description"], body["photo_count"], body["cover_photo_id"]) == ("Holidays", "Sun", 0, None)
    album_id = body["id"]
    assert [a["id"] for a in api_client.get(ALBUMS).json()] == [album_id]
    renamed = api_client.patch(f"{ALBUMS}{album_id}/", {"name": "Summer", "description": ""}, format="json").json()
    assert (renamed["name"], renamed["description"]) == ("Summer", "")
    assert api_client.post(ALBUMS, {"name": "summer"}, format="json").status_code == 400
    assert api_client.patch(f"{ALBUMS}{album_id}/", {}, format="json").status_code == 400
    assert api_client.delete(f"{ALBUMS}{album_id}/").status_code == 204
    assert api_client.get(f"{ALBUMS}{album_id}/").status_code == 404


def test_add_remove_and_cover_answer_per_id(api_client, user, other_user):
    mine = [ready_photo_factory(owner=user) for _ in range(2)]
    theirs = photo_rows(owner=other_user, taken=[None])[0]
    album = album_factory(owner=user)
    url = f"{ALBUMS}{album.pk}/photos/"
    body = api_client.post(url, {"ids": [mine[0].pk, mine[1].pk, theirs.pk]}, format="json").json()
    assert [r["result"] for r in body["results"]] == ["done", "done", "not_found"] and body["done"] == 2
    assert api_client.post(url, {"ids": [mine[0].pk]}, format="json").json()["results"][0]["result"] == "unchanged"
    listed = api_client.get(url).json()
    assert listed["count"] == 2 and {p["id"] for p in listed["results"]} == {p.pk for p in mine}
    cursor = api_client.get(url, {"page_size": 1}).json()["next_cursor"]
    assert len(api_client.get(url, {"cursor": cursor, "page_size": 1}).json()["results"]) == 1

    cover = api_client.patch(f"{ALBUMS}{album.pk}/", {"cover_photo_id": mine[1].pk}, format="json").json()
    assert cover["cover_photo_id"] == mine[1].pk and cover["cover_chosen"] and cover["cover_thumbnail_url"]
    for bad in (theirs.pk, 999_999_999):
        assert api_client.patch(f"{ALBUMS}{album.pk}/", {"cover_photo_id": bad}, format="json").status_code == 400

    removed = api_client.post(f"{url}remove/", {"ids": [mine[1].pk, theirs.pk]}, format="json").json()
    assert [r["result"] for r in removed["results"]] == ["done", "not_found"]
    assert api_client.get(f"{ALBUMS}{album.pk}/").json()["cover_chosen"] is False
    assert [a["id"] for a in api_client.get(f"/api/v1/photos/{mine[0].pk}/albums/").json()] == [album.pk]


def test_a_trashed_photo_leaves_the_album_and_comes_back(api_client, user):
    photo = ready_photo_factory(owner=user)
    album = album_factory(owner=user, photos=[photo])
    photos_trash(photos=[photo])
    assert api_client.get(f"{ALBUMS}{album.pk}/").json()["photo_count"] == 0
    assert api_client.get(f"{ALBUMS}{album.pk}/photos/").json()["count"] == 0
    body = api_client.post(f"{ALBUMS}{album.pk}/photos/", {"ids": [photo.pk]}, format="json").json()
    assert body["results"][0]["result"] == "not_found"  # the trash is out of reach
    api_client.post(f"/api/v1/photos/{photo.pk}/restore/")
    assert api_client.get(f"{ALBUMS}{album.pk}/").json()["photo_count"] == 1


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 121}, {"name": ["a"]}])
def test_bad_album_input_is_400(api_client, body):
    response = api_client.post(ALBUMS, body, format="json")
    assert response.status_code == 400 and response.json()["detail"]


def test_a_second_user_gets_404s(api_client, other_api_client, user, other_user):
    photo = ready_photo_factory(owner=user)
    album = album_factory(owner=user, name="Private", photos=[photo])
    other_photo = photo_rows(owner=other_user, taken=[None])[0]
    other = other_api_client
    assert other.get(ALBUMS).json() == []
    assert other.get(f"{ALBUMS}{album.pk}/").status_code == 404
    assert other.patch(f"{ALBUMS}{album.pk}/", {"name": "Mine"}, format="json").status_code == 404
    assert other.delete(f"{ALBUMS}{album.pk}/").status_code == 404
    assert other.get(f"{ALBUMS}{album.pk}/photos/").status_code == 404
    assert other.post(f"{ALBUMS}{album.pk}/photos/", {"ids": [other_photo.pk]}, format="json").status_code == 404
    assert other.post(f"{ALBUMS}{album.pk}/photos/remove/", {"ids": [photo.pk]}, format="json").status_code == 404
    assert other.get(f"/api/v1/photos/{photo.pk}/albums/").status_code == 404
    mine = other.post(ALBUMS, {"name": "Theirs"}, format="json").json()
    answer = other.post(f"{ALBUMS}{mine['id']}/photos/", {"ids": [photo.pk]}, format="json").json()
    assert answer["results"][0]["result"] == "not_found"
    assert Album.objects.get(pk=album.pk).name == "Private" and AlbumPhoto.objects.filter(album=album).count() == 1
