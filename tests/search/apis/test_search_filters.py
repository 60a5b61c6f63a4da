"""Filters through the API: every search mode and the photo list take them; bad ones are 400s with
messages; another user's album is a 404."""

from datetime import datetime, timezone

import pytest

from gallery.models import Photo
from search.models import PhotoText
from tests import images
from tests.factories import album_factory, photo_rows, ready_photo_factory

SEARCH = "/api/v1/search/"


@pytest.fixture
def gallery(user):
    photos = [ready_photo_factory(owner=user, data=images.jpeg(120, 90, seed=s)) for s in range(5)]
    Photo.objects.filter(pk__in=[p.pk for p in photos[:2]]).update(camera="Apple iPhone 13", city="Lisbon",
                                                                     country="Portugal", favourite=True)
    Photo.objects.filter(pk=photos[2].pk).update(taken_at=datetime(2023, 7, 4, 12, tzinfo=timezone.utc),
                                                 content_type="image/heic")
    PhotoText.objects.create(photo=photos[2], owner=user, text="LISBOA", has_text=True, engine="test",
                             read_at=datetime.now(timezone.utc))
    return photos


def ids(body) -> set[int]:
    return {r["photo"]["id"] for r in body["results"]}


def test_similar_keeps_only_the_filtered_photos(api_client, gallery):
    body = api_client.get(f"/api/v1/photos/{gallery[4].pk}/similar/", {"camera": "iphone"}).json()
    assert ids(body) == {gallery[0].pk, gallery[1].pk}
    assert body["filters"] == {"camera": "iphone"}
    body = api_client.get(f"/api/v1/photos/{gallery[4].pk}/similar/", {"type": "heic", "has_text": "true"}).json()
    assert ids(body) == {gallery[2].pk}


def test_text_search_takes_the_syntax_and_the_parameters(api_client, gallery):
    body = api_client.get(SEARCH, {"q": "a photo place:lisbon is:favourite"}).json()
    assert ids(body) == {gallery[0].pk, gallery[1].pk} and body["words"] == "a photo"
    body = api_client.get(SEARCH, {"q": "a photo after:2023-06 before:2024"}).json()
    assert ids(body) == {gallery[2].pk}
    body = api_client.get(SEARCH, {"q": "a photo", "taken_after": "2023-07-05"}).json()
    assert gallery[2].pk not in ids(body)
    body = api_client.get(SEARCH, {"q": "a photo camera:iphone", "camera": "nikon"}).json()
    assert ids(body) == set() and body["filters"]["camera"] == "nikon"  # a parameter wins over the syntax
    literal = api_client.get(SEARCH, {"q": "re:invent", "syntax": "false"})
    assert literal.status_code == 200 and literal.json()["words"] == "re:invent"


def test_album_filter_in_every_mode(api_client, user, gallery):
    album = album_factory(owner=user, name="Summer 2024", photos=gallery[1:3])
    body = api_client.get(SEARCH, {"q": 'a photo in:"summer 2024"'}).json()
    assert ids(body) == {gallery[1].pk, gallery[2].pk} and body["filters"]["album"] == album.pk
    body = api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/", {"album": album.pk}).json()
    assert ids(body) == {gallery[1].pk, gallery[2].pk}
    body = api_client.post("/api/v1/search/region/", {"photo_id": gallery[0].pk, "box": [0, 0, 1, 1],
                                                      "album": album.pk}, format="json").json()
    assert ids(body) == {gallery[1].pk, gallery[2].pk}
    upload = images.upload(images.jpeg(120, 90, seed=0), name="query.jpg")
    body = api_client.post("/api/v1/search/image/", {"file": upload, "album": album.pk}, format="multipart").json()
    assert ids(body) == {gallery[1].pk, gallery[2].pk}


def test_another_users_album_is_a_404_in_searches_and_lists(api_client, other_user, gallery):
    theirs = album_factory(owner=other_user, name="Theirs")
    for response in (api_client.get(f"/api/v1/photos/{gallery[0].pk}/similar/", {"album": theirs.pk}),
                     api_client.get(SEARCH, {"q": "a photo", "album": theirs.pk}),
                     api_client.get(SEARCH, {"q": "a photo in:Theirs"}),
                     api_client.get("/api/v1/photos/", {"album": theirs.pk})):
        assert response.status_code == 404, response.content
        assert "album" in str(response.json()).lower()


@pytest.mark.parametrize("params, message", [
    ({"q": "dog colour:red"}, "Unknown filter"),
    ({"q": "dog after:2023-13"}, "is not a date"),
    ({"q": "after:2023"}, "Type words"),
    ({"q": "dog", "taken_after": "June"}, "Not a date"),
    ({"q": "dog", "taken_after": "2024", "taken_before": "2023"}, "must be after"),
    ({"q": "dog", "type": "raw"}, "not a valid choice"),
    ({"q": "dog", "album": "x"}, "valid integer"),
    ({"q": "dog", "favourite": "maybe"}, "valid boolean"),
])
def test_bad_filters_are_400_with_a_message(api_client, gallery, params, message):
    response = api_client.get(SEARCH, params)
    assert response.status_code == 400 and message in str(response.json()), response.json()


def test_the_photo_list_takes_the_same_filters_and_pages_by_cursor(api_client, user):
    rows = photo_rows(owner=user, taken=[datetime(2022, 1, d, tzinfo=timezone.utc) for d in range(1, 21)]
                      + [datetime(2023, 1, d, tzinfo=timezone.utc) for d in range(1, 11)], camera="Fujifilm X100V")
    Photo.objects.filter(pk__in=[row.pk for row in rows[20:]]).update(camera="Ricoh GR III")
    body = api_client.get("/api/v1/photos/", {"camera": "x100", "ordering": "-taken_at", "page_size": 7}).json()
    seen = [p["id"] for p in body["results"]]
    cursor = body["next_cursor"]
    while cursor:
        body = api_client.get("/api/v1/photos/", {"camera": "x100", "ordering": "-taken_at", "page_size": 7,
                                                  "cursor": cursor}).json()
        seen += [p["id"] for p in body["results"]]
        cursor = body["next_cursor"]
    assert len(seen) == len(set(seen)) == 20
    assert set(seen) == set(Photo.objects.filter(camera__startswith="Fuji").values_list("pk", flat=True))
    body = api_client.get("/api/v1/photos/", {"taken_after": "2023", "taken_before": "2023-01-06"}).json()
    assert body["count"] == 5
    months = api_client.get("/api/v1/photos/months/", {"camera": "ricoh"}).json()
    assert months["total"] == 10
