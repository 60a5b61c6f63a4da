"""Combined queries in headless Chromium: "this photo, but …" from the photo page, then refined on
the results; "More like these" from a selection in the timeline's action bar; both on a phone."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import CALTECH, PHONE, screenshot
from tests.browser.test_gallery_pages import log_in, page_width
from tests.factories import UserFactory, ready_photo_factory
from tests.images import jpeg

pytestmark = [pytest.mark.browser]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

CLASSES = {"airplanes": "airplane", "sunflower": "sunflower", "Leopards": "leopard"}
PER_CLASS = 4


def gallery(owner) -> dict[int, str]:
    """Four real photos each of three classes (generated ones without the datasets): id -> class."""
    labels = {}
    for folder, label in CLASSES.items():
        files = sorted((CALTECH / folder).glob("*.jpg"))[:PER_CLASS] if CALTECH.is_dir() else []
        items = [(f"{folder.lower()}-{path.name}", path.read_bytes()) for path in files] or [
            (f"{label}-{i}.jpg", jpeg(160, 120, seed=hash(label) % 1000 + i)) for i in range(PER_CLASS)]
        for name, data in items:
            labels[ready_photo_factory(owner=owner, data=data, name=name).pk] = label
    return labels


def result_ids(page) -> list[int]:
    return page.locator("#results-grid .card").evaluate_all("(cards) => cards.map((c) => Number(c.dataset.photoId))")


def images_loaded(page) -> None:
    page.wait_for_function("() => Array.from(document.querySelectorAll('img')).every((i) => i.complete)")


def test_photo_but_words_and_more_like_these(live_url, new_page):
    owner = UserFactory()
    labels = gallery(owner)
    airplane = next(pk for pk, label in labels.items() if label == "airplane")
    page = new_page()
    log_in(page, live_url, owner.username)

    # The photo page: "Find similar …but sunflower".
    page.goto(f"{live_url}/photos/{airplane}/")
    form = page.locator("#similar-form")
    expect(form.get_by_role("link", name="Find similar")).to_be_visible()
    page.fill("#similar-but", "sunflower")
    screenshot(page, "combined-photo-page-but", full_page=False)
    form.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{live_url}/search/similar/{airplane}/?q=sunflower")
    title = page.locator("#results-title")
    expect(title).to_have_text(f"Like {owner.photos.get(pk=airplane).original_name} + “sunflower”")
    expect(page.locator("#results-grid .card")).to_have_count(len(labels) - 1)
    expect(page.locator("#results-grid .card .score").first).to_have_text(re.compile(r"^-?\d\.\d{3}$"))
    combined = result_ids(page)
    assert airplane not in combined
    images_loaded(page)
    screenshot(page, "combined-photo-but-results")

    # Plain find-similar from the same page ("without the words") for comparison.
    page.get_by_role("link", name="without the words").click()
    expect(title).to_have_text("Similar photos")
    plain = result_ids(page)
    if CALTECH.is_dir():  # the words pulled sunflowers up
        def sunflowers(ids):
            return sum(labels[i] == "sunflower" for i in ids[:PER_CLASS])

        assert sunflowers(combined) > sunflowers(plain), (combined, plain)
        assert sunflowers(combined) >= 2

    # Refine on the results page with other words.
    page.fill("#but-words", "leopard")
    page.locator("#but-form").get_by_role("button", name="Search").click()
    expect(title).to_contain_text("+ “leopard”")

    # The timeline: select two sunflowers, then "More like these" in the action bar.
    page.goto(f"{live_url}/")
    chosen = [pk for pk, label in labels.items() if label == "sunflower"][:2]
    for pk in chosen:
        card = page.locator(f'#photo-grid .card[data-photo-id="{pk}"]')
        card.hover()
        card.locator(".card-select").click()
    bar = page.locator("#selection-bar")
    expect(page.locator("#selection-count")).to_have_text("2 selected")
    screenshot(page, "combined-selection-bar", full_page=False)
    bar.get_by_role("button", name="More like these").click()
    expect(title).to_have_text("Like these 2 photos")
    expect(page.locator("#query-photos img")).to_have_count(2)
    ids = result_ids(page)
    assert len(ids) == len(labels) - 2 and not set(ids) & set(chosen)
    if CALTECH.is_dir():
        assert sum(labels[i] == "sunflower" for i in ids[:2]) == 2  # the two other sunflowers first
    images_loaded(page)
    screenshot(page, "combined-more-like-these")

    # ... and with words too.
    page.fill("#but-words", "airplane")
    page.locator("#but-form").get_by_role("button", name="Search").click()
    expect(title).to_have_text("Like these 2 photos + “airplane”")
    expect(page.locator("#query-photos img")).to_have_count(2)

    # On a phone: the photo page's field and the results fit the screen.
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    log_in(phone, live_url, owner.username)
    phone.goto(f"{live_url}/photos/{airplane}/")
    phone.locator("#similar-but").scroll_into_view_if_needed()
    expect(phone.locator("#similar-but")).to_be_visible()
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, "phone-combined-photo-page-but", full_page=False)
    phone.fill("#similar-but", "sunflower")
    phone.locator("#similar-form").get_by_role("button", name="Search").click()
    expect(phone.locator("#results-title")).to_contain_text("+ “sunflower”")
    images_loaded(phone)
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, "phone-combined-results", full_page=False)
    phone.goto(f"{live_url}/search/like/?ids={','.join(map(str, chosen))}")
    expect(phone.locator("#results-title")).to_have_text("Like these 2 photos")
    images_loaded(phone)
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, "phone-combined-more-like-these", full_page=False)
