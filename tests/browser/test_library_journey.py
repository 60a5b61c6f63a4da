"""The library in headless Chromium: the timeline by month and its jump list, a selection made with
clicks, shift-click and a long press, a new album from it and one from search results, a heart,
two photos to the trash and gone from search, one restored, a zip of three, the photo page walked
with the arrow keys and Esc; and the same pages on a phone."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from datetime import timezone as dt_timezone

import pytest

from albums.models import Album
from gallery.models import Photo
from tests.browser.conftest import PHONE, caltech_photos, screenshot
from tests.browser.test_gallery_pages import log_in, page_width
from tests.factories import UserFactory, ready_photo_factory

pytestmark = [pytest.mark.browser]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

UTC = dt_timezone.utc
# Eight photos over three years: (year, month) each, newest first in the timeline.
TAKEN = [(2024, 9), (2024, 9), (2024, 5), (2023, 12), (2023, 6), (2023, 6), (2022, 8), (2022, 2)]


def library(owner) -> list[Photo]:
    """Eight real (or generated) photos, processed, taken in the months above; timeline order."""
    photos = []
    for index, (name, data) in enumerate(caltech_photos(len(TAKEN))):
        photo = ready_photo_factory(owner=owner, data=data, name=name)
        year, month = TAKEN[index]
        Photo.objects.filter(pk=photo.pk).update(taken_at=datetime(year, month, 20 - index, 12, tzinfo=UTC))
        photos.append(Photo.objects.get(pk=photo.pk))
    return photos


def card(page, photo: Photo, within: str = "#photo-grid"):
    return page.locator(f'{within} .card[data-photo-id="{photo.pk}"]')


def select(page, photo: Photo, *, shift: bool = False, within: str = "#photo-grid") -> None:
    target = card(page, photo, within)
    target.hover()
    target.locator(".card-select").click(modifiers=["Shift"] if shift else None)


def toast(page, text: str) -> None:
    expect(page.locator("#toast")).to_be_visible()
    expect(page.locator("#toast-text")).to_contain_text(text)


def test_library_journey(live_app, new_page, tmp_path):
    url = live_app.url
    owner = UserFactory()
    photos = library(owner)
    page = new_page()
    log_in(page, url, owner.username)

    # The timeline: months with headers, newest first, and the scrubber with counts.
    expect(page.locator("#photo-grid .card")).to_have_count(8)
    titles = page.locator("#photo-grid section.month:not(.just-added) .month-title")
    expect(titles).to_have_text(["September 2024", "May 2024", "December 2023", "June 2023", "August 2022",
                                 "February 2022"])
    shown = page.locator("#photo-grid .card").evaluate_all("(cards) => cards.map((c) => Number(c.dataset.photoId))")
    assert shown == [p.pk for p in photos]
    scrubber = page.locator("#scrubber")
    expect(scrubber).to_be_visible()
    expect(scrubber.locator(".scrub-year-link")).to_have_text(["2024", "2023", "2022"])
    expect(scrubber.locator('a[data-month="2023-06"] .scrub-count')).to_have_text("2")
    page.wait_for_function("() => Array.from(document.querySelectorAll('#photo-grid .card img')).every((i) => i.complete)")
    screenshot(page, "library-timeline")
    scrubber.get_by_text("2022", exact=True).click()  # jump to a year
    expect(page.locator("#month-2022-08")).to_be_in_viewport()

    # Select: the check on one, shift-click for a range, then a plain click adds one more.
    page.evaluate("window.scrollTo(0, 0)")
    select(page, photos[0])
    bar = page.locator("#selection-bar")
    expect(bar).to_be_visible()
    expect(page.locator("#selection-count")).to_have_text("1 selected")
    select(page, photos[2], shift=True)
    expect(page.locator("#selection-count")).to_have_text("3 selected")
    card(page, photos[4]).click()  # once something is selected, a click selects instead of opening
    expect(page).to_have_url(f"{url}/")
    expect(page.locator("#selection-count")).to_have_text("4 selected")
    expect(page.locator("#photo-grid .card.selected")).to_have_count(4)
    expect(bar.get_by_role("button", name="Remove from album")).to_be_hidden()
    screenshot(page, "library-selection", full_page=False)

    # ... into a new album.
    bar.get_by_role("button", name="Add to album").click()
    picker = page.locator("#album-picker")
    expect(picker).to_be_visible()
    page.fill("#album-picker-new", "Trip")
    screenshot(page, "library-album-picker", full_page=False)
    page.get_by_role("button", name="Create and add").click()
    expect(picker).to_be_hidden()
    toast(page, "Added 4 photos to “Trip”.")
    trip = Album.objects.get(owner=owner, name="Trip")
    assert set(trip.photos.values_list("pk", flat=True)) == {photos[i].pk for i in (0, 1, 2, 4)}
    page.keyboard.press("Escape")
    expect(bar).to_be_hidden()

    # A heart on one; the Favourites page has it.
    card(page, photos[3]).hover()
    card(page, photos[3]).locator(".card-heart").click()
    expect(card(page, photos[3]).locator(".card-heart")).to_have_class(re.compile(r"\bon\b"))
    page.wait_for_function(f"() => fetch('/api/v1/photos/{photos[3].pk}/').then((r) => r.json()).then((p) => p.favourite)")
    page.get_by_role("link", name="Favourites").click()
    expect(page.locator("#photo-grid .card")).to_have_count(1)
    expect(card(page, photos[3])).to_be_visible()
    page.goto(f"{url}/")

    # Two to the trash: gone from the timeline and from search.
    select(page, photos[5])
    select(page, photos[6])
    bar.get_by_role("button", name="Move to trash").click()
    toast(page, "Moved 2 photos to the trash.")
    expect(page.locator("#photo-grid .card")).to_have_count(6)
    expect(page.locator("#photo-count")).to_have_text("6")
    assert Photo.objects.filter(pk__in=[photos[5].pk, photos[6].pk], trashed_at__isnull=False).count() == 2
    screenshot(page, "library-trashed", full_page=False)

    # A word the offline model learnt: words it never saw get only its 5 best guesses (issue 16).
    page.fill('#searchbox input[name="q"]', "helicopter")
    page.keyboard.press("Enter")
    results = page.locator("#results-grid .card")
    expect(results).to_have_count(6)
    found = results.evaluate_all("(cards) => cards.map((c) => Number(c.dataset.photoId))")
    assert not {photos[5].pk, photos[6].pk} & set(found)
    page.goto(f"{url}/search/similar/{photos[4].pk}/")
    expect(page.locator("#results-grid .card")).to_have_count(5)
    similar = page.locator("#results-grid .card").evaluate_all("(cards) => cards.map((c) => Number(c.dataset.photoId))")
    assert not {photos[5].pk, photos[6].pk} & set(similar)

    # An album made from search results.
    select(page, photos[7], within="#results-grid")
    select(page, photos[3], within="#results-grid")
    page.locator("#selection-bar").get_by_role("button", name="Add to album").click()
    page.fill("#album-picker-new", "From search")
    page.get_by_role("button", name="Create and add").click()
    toast(page, "Added 2 photos to “From search”.")
    assert set(Album.objects.get(name="From search").photos.values_list("pk", flat=True)) == {photos[7].pk, photos[3].pk}
    screenshot(page, "library-search-results-selected", full_page=False)

    # The trash: restore one (back in its album too).
    page.goto(f"{url}/trash/")
    expect(page.locator("#photo-grid .card")).to_have_count(2)
    expect(page.locator("#photo-grid .card-purge").first).to_have_text("30 days left")
    screenshot(page, "library-trash")
    select(page, photos[6])
    trash_bar = page.locator("#selection-bar")
    expect(trash_bar.get_by_role("button", name="Move to trash")).to_be_hidden()
    trash_bar.get_by_role("button", name="Restore").click()
    toast(page, "Restored 1 photo.")
    expect(page.locator("#photo-grid .card")).to_have_count(1)
    assert Photo.objects.get(pk=photos[6].pk).trashed_at is None

    # The album: its page, and a zip of three of its photos.
    page.get_by_role("link", name="Albums", exact=True).click()
    expect(page.locator(".album-tile")).to_have_count(2)
    screenshot(page, "library-albums")
    page.locator(f'.album-tile[data-album-id="{trip.pk}"]').click()
    expect(page.locator("#album-name")).to_contain_text("Trip")
    album_cards = page.locator("#photo-grid .card")
    expect(album_cards).to_have_count(4)
    in_album = album_cards.evaluate_all("(cards) => cards.map((c) => Number(c.dataset.photoId))")
    for photo_id in in_album[:3]:
        page.locator(f'#photo-grid .card[data-photo-id="{photo_id}"]').hover()
        page.locator(f'#photo-grid .card[data-photo-id="{photo_id}"] .card-select').click()
    expect(page.locator("#selection-count")).to_have_text("3 selected")
    with page.expect_download() as waiting:
        page.locator("#selection-bar").get_by_role("button", name="Download").click()
    download = waiting.value
    saved = tmp_path / "photos.zip"
    download.save_as(saved)
    by_id = {p.pk: p for p in photos}
    archive = zipfile.ZipFile(saved)
    assert archive.testzip() is None
    assert archive.namelist() == [by_id[i].original_name for i in in_album[:3]]
    with by_id[in_album[0]].original.open("rb") as handle:
        assert archive.read(by_id[in_album[0]].original_name) == handle.read()
    screenshot(page, "library-album")
    page.keyboard.press("Escape")

    # The photo page, walked with the arrow keys within the album; Esc goes back to it.
    page.locator(f'#photo-grid .card[data-photo-id="{in_album[1]}"] a.card-link').click()
    expect(page).to_have_url(f"{url}/photos/{in_album[1]}/")
    expect(page.locator("#photo-context-label")).to_have_text("Album: Trip")
    screenshot(page, "library-photo-page")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(f"{url}/photos/{in_album[2]}/")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(f"{url}/photos/{in_album[3]}/")
    expect(page.locator("#photo-next")).to_be_hidden()  # the album's last photo
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(f"{url}/photos/{in_album[2]}/")
    expect(page.locator("#photo-albums .chip a")).to_have_text(["Trip"])
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{url}/albums/{trip.pk}/")


def test_library_on_a_phone(live_url, new_page):
    owner = UserFactory()
    photos = library(owner)
    album = Album.objects.create(owner=owner, name="Summer holidays")
    album.photos.add(*photos[:3])
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    log_in(page, live_url, owner.username)

    expect(page.locator("#photo-grid .card")).to_have_count(8)
    expect(page.locator("#scrubber")).to_be_hidden()
    menu = page.locator("#jump-month")
    expect(menu).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
    page.wait_for_function("() => Array.from(document.querySelectorAll('#photo-grid .card img')).every((i) => i.complete)")
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "phone-library-timeline", full_page=False)
    menu.select_option("2022-08")  # the compact menu jumps
    expect(page.locator("#month-2022-08")).to_be_in_viewport()

    # A long press selects; then taps add to the selection; the bar fits the screen.
    page.evaluate("window.scrollTo(0, 0)")
    first = card(page, photos[0])
    box = first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(800)
    page.mouse.up()
    expect(page.locator("#selection-count")).to_have_text("1 selected")
    expect(page).to_have_url(f"{live_url}/")
    card(page, photos[1]).tap()
    expect(page.locator("#selection-count")).to_have_text("2 selected")
    bar = page.locator("#selection-bar")
    expect(bar).to_be_in_viewport()
    bar_box = bar.bounding_box()
    assert bar_box["x"] >= 0 and bar_box["x"] + bar_box["width"] <= PHONE["width"]
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "phone-library-selection", full_page=False)
    page.keyboard.press("Escape")

    page.goto(f"{live_url}/albums/")
    expect(page.locator(".album-tile")).to_have_count(1)
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "phone-library-albums", full_page=False)
    page.goto(f"{live_url}/albums/{album.pk}/")
    expect(page.locator("#photo-grid .card")).to_have_count(3)
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "phone-library-album", full_page=False)

    # The photo page: previous/next by a swipe.
    page.locator(f'#photo-grid .card[data-photo-id="{photos[1].pk}"] a.card-link').tap()
    expect(page).to_have_url(f"{live_url}/photos/{photos[1].pk}/")
    page.wait_for_function("() => document.getElementById('photo-image').naturalWidth > 0")
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "phone-library-photo-page", full_page=False)
    swipe(page, "#photo-stage", dx=-150)
    expect(page).to_have_url(f"{live_url}/photos/{photos[2].pk}/")
    swipe(page, "#photo-stage", dx=150)
    expect(page).to_have_url(f"{live_url}/photos/{photos[1].pk}/")

    page.goto(f"{live_url}/trash/")
    page.locator(".nav-more summary").click()
    expect(page.locator(".nav-more-menu")).to_be_visible()
    screenshot(page, "phone-library-trash-menu", full_page=False)


def swipe(page, selector: str, *, dx: float) -> None:
    """A quick one-finger swipe across an element (touch events, as a phone sends them)."""
    page.locator(selector).evaluate("""(stage, dx) => {
      const box = stage.getBoundingClientRect();
      const x = box.left + box.width / 2, y = box.top + box.height / 2;
      const touch = (cx) => new Touch({ identifier: 1, target: stage, clientX: cx, clientY: y });
      stage.dispatchEvent(new TouchEvent("touchstart", { touches: [touch(x)], changedTouches: [touch(x)], bubbles: true }));
      stage.dispatchEvent(new TouchEvent("touchend", { touches: [], changedTouches: [touch(x + dx)], bubbles: true }));
    }""", dx)
