"""The library through the REST API: timeline order and cursors, months, hearts, the trash, bulk
actions with an answer per id, zip downloads; and a second user sees none of it."""

import io
import zipfile
from datetime import datetime
from datetime import timezone as dt_timezone

import pytest

from gallery.models import Photo
from imagesearch.bulk import BULK_MAX_IDS
from search.models import PhotoTag
from tests import images
from tests.factories import photo_factory, photo_rows, ready_photo_factory

PHOTOS = "/api/v1/photos/"
UTC = dt_timezone.utc


def at(year, month, day=10):
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def dated(user):
    """Seven photos taken over three years (uploaded in another order)."""
    return photo_rows(owner=user, taken=[at(2022, 5), at(2024, 2), at(2023, 7), at(2024, 2, 20), at(2022, 1),
                                         at(2023, 7, 3), at(2024, 1)])


def timeline_ids(photos):
    return [p.pk for p in sorted(photos, key=lambda p: (p.taken_at, p.pk), reverse=True)]


def test_the_list_keeps_page_numbers_and_adds_the_timeline_order_and_cursors(api_client, dated):
    body = api_client.get(PHOTOS, {"ordering": "-taken_at", "page_size": 3}).json()
    assert body["count"] == 7 and [p["id"] for p in body["results"]] == timeline_ids(dated)[:3]
    assert body["next"].endswith("page=2&page_size=3") or "page=2" in body["next"]
    assert body["next_cursor"] and body["previous_cursor"] is None
    seen, cursor = [p["id"] for p in body["results"]], body["next_cursor"]
    while cursor:
        page = api_client.get(PHOTOS, {"ordering": "-taken_at", "page_size": 3, "cursor": cursor}).json()
        assert page["count"] is None  # keyset pages never count
        seen += [p["id"] for p in page["results"]]
        cursor = page["next_cursor"]
        assert page["previous_cursor"]
    assert seen == timeline_ids(dated)
    # The default order stays newest added first, as before.
    assert [p["id"] for p in api_client.get(PHOTOS).json()["results"]] == [p.pk for p in reversed(dated)]


def test_a_cursor_from_another_ordering_or_made_up_is_a_400(api_client, dated):
    cursor = api_client.get(PHOTOS, {"ordering": "-taken_at", "page_size": 2}).json()["next_cursor"]
    for query in ({"ordering": "-created_at", "cursor": cursor}, {"cursor": "bm9wZQ"}, {"ordering": "sideways"}):
        response = api_client.get(PHOTOS, query)
        assert response.status_code == 400 and response.json()["detail"], query


def test_months_with_counts_and_a_cursor_to_jump_there(api_client, dated):
    body = api_client.get(f"{PHOTOS}months/").json()
    assert body["total"] == 7 and body["time_zone"] == "UTC"
    assert [(m["year"], m["month"], m["count"]) for m in body["months"]] == [
        (2024, 2, 2), (2024, 1, 1), (2023, 7, 2), (2022, 5, 1), (2022, 1, 1)]
    july = body["months"][2]
    page = api_client.get(PHOTOS, {"ordering": "-taken_at", "cursor": july["cursor"], "page_size": 2}).json()
    assert [p["id"] for p in page["results"]] == timeline_ids(dated)[3:5]
    assert api_client.get(f"{PHOTOS}months/", {"ordering": "-created_at"}).json()["total"] == 7


def test_the_heart_through_patch_and_the_favourites_filter(api_client, dated):
    photo = dated[0]
    body = api_client.patch(f"{PHOTOS}{photo.pk}/", {"favourite": True}, format="json").json()
    assert body["favourite"] is True
    assert [p["id"] for p in api_client.get(PHOTOS, {"favourite": "true"}).json()["results"]] == [photo.pk]
    assert api_client.get(f"{PHOTOS}months/", {"favourite": "true"}).json()["total"] == 1
    assert api_client.patch(f"{PHOTOS}{photo.pk}/", {}, format="json").status_code == 400
    assert api_client.patch(f"{PHOTOS}{photo.pk}/", {"favourite": "maybe"}, format="json").status_code == 400


def test_delete_moves_to_the_trash_and_a_parameter_deletes_for_good(api_client, user):
    photo = ready_photo_factory(owner=user)
    assert api_client.delete(f"{PHOTOS}{photo.pk}/").status_code == 204
    gone = api_client.get(f"{PHOTOS}{photo.pk}/")
    assert gone.status_code == 404 and gone.json()["detail"] == "This photo is in the trash."
    trash = api_client.get("/api/v1/trash/").json()
    assert trash["count"] == 1 and trash["results"][0]["trashed_at"] and trash["results"][0]["purge_at"]
    assert api_client.get(PHOTOS).json()["count"] == 0
    assert api_client.get(f"{PHOTOS}{photo.pk}/thumbnail/").status_code == 200  # the trash page shows it

    restored = api_client.post(f"{PHOTOS}{photo.pk}/restore/")
    assert restored.status_code == 200 and restored.json()["trashed_at"] is None
    assert api_client.get(f"{PHOTOS}{photo.pk}/").status_code == 200

    assert api_client.delete(f"{PHOTOS}{photo.pk}/", QUERY_STRING="permanent=true").status_code == 204
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert api_client.delete(f"{PHOTOS}{photo.pk}/", QUERY_STRING="permanent=sideways").status_code == 400


def test_empty_the_trash(api_client, user):
    kept, trashed = photo_rows(owner=user, taken=[None, None])
    api_client.delete(f"{PHOTOS}{trashed.pk}/")
    assert api_client.delete("/api/v1/trash/").json() == {"deleted": 1}
    assert list(Photo.objects.filter(owner=user)) == [kept]


def test_bulk_actions_answer_per_id(api_client, user, other_user):
    mine = photo_rows(owner=user, taken=[None, None, None])
    theirs = photo_rows(owner=other_user, taken=[None])[0]
    ids = [mine[0].pk, mine[1].pk, theirs.pk, 999_999_999, mine[0].pk]

    body = api_client.post(f"{PHOTOS}bulk/favourite/", {"ids": ids}, format="json").json()
    assert [(r["id"], r["result"]) for r in body["results"]] == [
        (mine[0].pk, "done"), (mine[1].pk, "done"), (theirs.pk, "not_found"), (999_999_999, "not_found")]
    assert body["done"] == 2 and not Photo.objects.get(pk=theirs.pk).favourite
    again = api_client.post(f"{PHOTOS}bulk/favourite/", {"ids": [mine[0].pk]}, format="json").json()
    assert again["results"][0]["result"] == "unchanged"
    off = api_client.post(f"{PHOTOS}bulk/favourite/", {"ids": [mine[0].pk], "favourite": False}, format="json").json()
    assert off["done"] == 1

    trashed = api_client.post(f"{PHOTOS}bulk/trash/", {"ids": [mine[0].pk, mine[1].pk, theirs.pk]}, format="json").json()
    assert [r["result"] for r in trashed["results"]] == ["done", "done", "not_found"]
    assert Photo.objects.get(pk=theirs.pk).trashed_at is None
    restored = api_client.post(f"{PHOTOS}bulk/restore/", {"ids": [mine[0].pk, mine[2].pk]}, format="json").json()
    assert [r["result"] for r in restored["results"]] == ["done", "unchanged"]
    deleted = api_client.post(f"{PHOTOS}bulk/delete/", {"ids": [mine[1].pk, theirs.pk]}, format="json").json()
    assert [r["result"] for r in deleted["results"]] == ["done", "not_found"]
    assert not Photo.objects.filter(pk=mine[1].pk).exists() and Photo.objects.filter(pk=theirs.pk).exists()


def test_bulk_tag(api_client, user, other_user, glove_words):
    first, second = ready_photo_factory(owner=user), ready_photo_factory(owner=user)
    theirs = photo_rows(owner=other_user, taken=[None])[0]
    body = api_client.post(f"{PHOTOS}bulk/tags/", {"ids": [first.pk, second.pk, theirs.pk], "name": "Summer Trip"},
                           format="json").json()
    assert [r["result"] for r in body["results"]] == ["done", "done", "not_found"]
    assert set(PhotoTag.objects.filter(name="summer trip").values_list("photo_id", flat=True)) == {first.pk, second.pk}
    assert api_client.post(f"{PHOTOS}bulk/tags/", {"ids": [first.pk], "name": "summer trip"},
                           format="json").json()["results"][0]["result"] == "unchanged"
    bad = api_client.post(f"{PHOTOS}bulk/tags/", {"ids": [first.pk], "name": "sun<flower>"}, format="json")
    assert bad.status_code == 400 and "name" in bad.json()["errors"]


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": ["x"]}, {"ids": [0]}, {"ids": [2**63]}, {"ids": "1,2"},
                                  {"ids": list(range(1, BULK_MAX_IDS + 2))}])
def test_bad_bulk_requests_are_400(api_client, body):
    for action in ("favourite", "trash", "restore", "delete", "tags", "download"):
        response = api_client.post(f"{PHOTOS}bulk/{action}/", body, format="json")
        assert response.status_code == 400 and response.json()["detail"], (action, body)


def test_bulk_download_streams_a_zip_of_the_users_photos(api_client, user, other_user):
    mine = [photo_factory(owner=user, data=images.jpeg(seed=90 + i), name=f"p{i}.jpg") for i in range(3)]
    theirs = photo_factory(owner=other_user, data=images.jpeg(seed=99), name="secret.jpg")
    response = api_client.post(f"{PHOTOS}bulk/download/", {"ids": [p.pk for p in mine] + [theirs.pk]}, format="json",
                               HTTP_ACCEPT="application/zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response.streaming and "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["p0.jpg", "p1.jpg", "p2.jpg"]
    assert archive.read("p1.jpg") == images.jpeg(seed=91)
    only_theirs = api_client.post(f"{PHOTOS}bulk/download/", {"ids": [theirs.pk]}, format="json",
                                  HTTP_ACCEPT="application/zip")
    assert only_theirs.status_code == 404 and only_theirs["Content-Type"] == "application/json"


def test_a_second_user_gets_404s_and_nothing_of_the_first(api_client, other_api_client, user):
    photo = ready_photo_factory(owner=user)
    api_client.patch(f"{PHOTOS}{photo.pk}/", {"favourite": True}, format="json")
    other = other_api_client
    assert other.patch(f"{PHOTOS}{photo.pk}/", {"favourite": False}, format="json").status_code == 404
    assert other.delete(f"{PHOTOS}{photo.pk}/").status_code == 404
    assert other.delete(f"{PHOTOS}{photo.pk}/", QUERY_STRING="permanent=true").status_code == 404
    assert other.post(f"{PHOTOS}{photo.pk}/restore/").status_code == 404
    assert other.get(f"{PHOTOS}months/").json()["total"] == 0
    assert other.get(PHOTOS, {"favourite": "true"}).json()["count"] == 0
    assert other.delete("/api/v1/trash/").json() == {"deleted": 0}
    for action in ("favourite", "trash", "restore", "delete", "tags"):
        body = other.post(f"{PHOTOS}bulk/{action}/", {"ids": [photo.pk], "name": "mine"}, format="json").json()
        assert body["results"] == [{"id": photo.pk, "result": "not_found", "detail": "Photo not found."}], action
    assert other.post(f"{PHOTOS}bulk/download/", {"ids": [photo.pk]}, format="json").status_code == 404
    api_client.delete(f"{PHOTOS}{photo.pk}/")
    assert other.get("/api/v1/trash/").json()["count"] == 0
    photo.refresh_from_db()
    assert photo.favourite and photo.trashed_at is not None
