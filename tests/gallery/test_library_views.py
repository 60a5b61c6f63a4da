"""The library's pages: the timeline by month with its jump list and infinite-scroll fragments,
favourites, the trash, one photo's trash and restore, zip downloads, previous/next; isolation."""

import io
import re
import zipfile
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gallery.models import Photo
from gallery.services.favourites import photos_favourite_set
from gallery.services.trash import photos_trash
from gallery.timeline import PAGE_SIZE
from tests import images
from tests.factories import photo_factory, photo_rows, ready_photo_factory

UTC = dt_timezone.utc


def at(year, month, day=10):
    return datetime(year, month, day, 12, tzinfo=UTC)


def card_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<figure class="card" data-photo-id="(\d+)"', html)]


def test_the_timeline_shows_months_in_date_taken_order_with_a_jump_list(browser_client, user):
    photos = photo_rows(owner=user, taken=[at(2023, 3), at(2024, 6), at(2024, 6, 2), at(2019, 12)])
    html = browser_client.get("/").content.decode()
    assert re.findall(r'<h2 class="month-title"[^>]*>([^<]+)</h2>', html)[1:] == ["June 2024", "March 2023", "December 2019"]
    assert card_ids(html) == [photos[1].pk, photos[2].pk, photos[0].pk, photos[3].pk]
    assert 'id="photo-count">4<' in html
    assert 'href="?month=2024-06"' in html and "June 2024 (2)" in html and ">2019<" in html
    added = browser_client.get("/?sort=added").content.decode()
    assert card_ids(added) == [p.pk for p in reversed(photos)] and 'href="?sort=added&amp;month=' in added


def test_infinite_scroll_fragments_and_jumping_to_a_month(browser_client, user):
    start = at(2010, 1)
    photo_rows(owner=user, taken=[start + timedelta(days=3 * i) for i in range(PAGE_SIZE + 20)])
    first = browser_client.get("/").content.decode()
    assert len(card_ids(first)) == PAGE_SIZE
    older = re.search(r'class="button load-older" rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    fragment = browser_client.get(older, HTTP_X_REQUESTED_WITH="fetch")
    text = fragment.content.decode()
    assert "<html" not in text and len(card_ids(text)) == 20 and "load-newer" in text and "load-older" not in text
    assert not set(card_ids(text)) & set(card_ids(first))

    jumped = browser_client.get("/?month=2010-02").content.decode()
    assert re.findall(r'data-month="(\d{4}-\d\d)" id="month-', jumped)[0] == "2010-02"
    assert "load-newer" in jumped and 'value="2010-02" selected' in jumped
    assert browser_client.get("/?cursor=garbage").status_code == 200  # a stale link: the start of the list


def test_infinite_scroll_fragments_count_nothing(browser_client, user):
    """The full page counts (the jump list, the status filters); the fragments the scroll fetches
    page after page never do."""
    photo_rows(owner=user, taken=[at(2010, 1) + timedelta(days=i) for i in range(PAGE_SIZE + 5)])
    first = browser_client.get("/").content.decode()
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    with CaptureQueriesContext(connection) as queries:
        fragment = browser_client.get(older, HTTP_X_REQUESTED_WITH="fetch")
    assert len(card_ids(fragment.content.decode())) == 5
    photo_queries = [query["sql"] for query in queries.captured_queries if '"gallery_photo"' in query["sql"]]
    assert photo_queries and not [sql for sql in photo_queries if "COUNT(" in sql.upper()]


def test_favourites_page(browser_client, user):
    hearted, plain = photo_rows(owner=user, taken=[at(2024, 1), at(2024, 2)])
    photos_favourite_set(photos=[hearted], favourite=True)
    html = browser_client.get("/favourites/").content.decode()
    assert card_ids(html) == [hearted.pk] and 'class="card-heart on"' in html
    assert 'class="card-heart"' in browser_client.get("/").content.decode()


def test_trash_page_move_and_restore(browser_client, user):
    photo = ready_photo_factory(owner=user, name="beach.jpg")
    response = browser_client.post(f"/photos/{photo.pk}/trash/", {"next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/" and "Moved beach.jpg to the trash." in response.content.decode()
    assert card_ids(browser_client.get("/").content.decode()) == []
    trash = browser_client.get("/trash/").content.decode()
    assert card_ids(trash) == [photo.pk] and "30 days left" in trash and 'id="trash-empty"' in trash
    page = browser_client.get(f"/photos/{photo.pk}/").content.decode()
    assert 'id="trash-notice"' in page and "Restore" in page and "Delete forever" in page
    assert "Find similar" not in page
    restored = browser_client.post(f"/photos/{photo.pk}/restore/", follow=True)
    assert "Restored beach.jpg." in restored.content.decode()
    assert card_ids(browser_client.get("/").content.decode()) == [photo.pk]


def test_empty_trash_page_action(browser_client, user):
    kept, trashed = photo_rows(owner=user, taken=[None, None])
    photos_trash(photos=[trashed])
    response = browser_client.post("/trash/empty/", follow=True)
    assert "Deleted 1 photo for good." in response.content.decode()
    assert list(Photo.objects.filter(owner=user)) == [kept]


def test_the_photo_page_links_its_neighbours_in_the_timeline(browser_client, user):
    newest, middle, oldest = photo_rows(owner=user, taken=[at(2024, 3), at(2024, 2), at(2024, 1)])
    html = browser_client.get(f"/photos/{middle.pk}/").content.decode()
    assert f'data-previous-id="{newest.pk}" data-next-id="{oldest.pk}"' in html
    assert f'href="/photos/{newest.pk}/" aria-label="Previous photo"' in html
    first = browser_client.get(f"/photos/{newest.pk}/").content.decode()
    assert 'data-previous-id=""' in first and 'id="photo-prev" rel="prev" href="" aria-label="Previous photo" title="Previous (←)" hidden' in first


def test_download_a_selection_as_a_zip(browser_client, user, other_user):
    mine = [photo_factory(owner=user, data=images.jpeg(seed=60 + i), name=f"d{i}.jpg") for i in range(2)]
    theirs = photo_factory(owner=other_user, data=images.jpeg(seed=69), name="secret.jpg")
    response = browser_client.post("/photos/download/", {"ids": f"{mine[0].pk},{mine[1].pk},{theirs.pk}"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["d0.jpg", "d1.jpg"]
    for bad in ("", "1,x", str(2**63), ",".join(str(i) for i in range(1, 1100))):
        assert browser_client.post("/photos/download/", {"ids": bad}).status_code == 400
    assert browser_client.get("/photos/download/").status_code == 405


def test_other_users_library_pages_and_actions_are_404(client, user, other_user):
    photo = ready_photo_factory(owner=user)
    photos_favourite_set(photos=[photo], favourite=True)
    client.force_login(other_user)
    for url in (f"/photos/{photo.pk}/trash/", f"/photos/{photo.pk}/restore/"):
        assert client.post(url).status_code == 404
    assert client.post("/photos/download/", {"ids": str(photo.pk)}).status_code == 400
    for url in ("/favourites/", "/trash/", "/"):
        assert photo.pk not in card_ids(client.get(url).content.decode())
    photos_trash(photos=[photo])
    assert client.get(f"/photos/{photo.pk}/").status_code == 404
    assert client.post("/trash/empty/").status_code == 302
    assert Photo.objects.filter(pk=photo.pk).exists()
