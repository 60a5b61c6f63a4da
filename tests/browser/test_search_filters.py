"""Filters in headless Chromium: syntax typed in the search box comes back as chips, a chip's ×
removes its filter, the filter panel shows the typed filters and narrows the timeline; the same on
a phone."""

from __future__ import annotations

import pytest

from gallery.models import Photo
from tests import images
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_gallery_pages import log_in, page_width
from tests.factories import UserFactory, ready_photo_factory

pytestmark = [pytest.mark.browser]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def test_typed_filters_become_chips_and_a_chip_removes_its_filter(live_url, new_page):
    owner = UserFactory(username="fay")
    photos = [ready_photo_factory(owner=owner, data=images.jpeg(120, 90, seed=seed)) for seed in range(4)]
    Photo.objects.filter(pk__in=[photos[0].pk, photos[1].pk]).update(camera="Apple iPhone 13", city="Lisbon")
    Photo.objects.filter(pk=photos[0].pk).update(favourite=True)
    for viewport, label in ((None, "desktop"), (PHONE, "phone")):
        page = new_page(viewport=viewport)
        log_in(page, live_url, "fay")
        page.fill('#searchbox input[name="q"]', "a photo camera:iphone is:favourite")
        page.keyboard.press("Enter")
        chips = page.locator("#filter-chips .chip-filter")
        expect(chips).to_have_count(2)
        expect(chips.nth(0)).to_contain_text("Camera: iphone")
        expect(page.locator("#results-grid .card")).to_have_count(1)
        screenshot(page, f"search-filters-chips-{label}")
        assert page_width(page) <= (viewport or {"width": 10_000})["width"]
        page.get_by_label("Remove Favourites").click()
        expect(page.locator("#filter-chips .chip-filter")).to_have_count(1)
        expect(page.locator("#results-grid .card")).to_have_count(2)
        expect(page.locator('#searchbox input[name="q"]')).to_have_value("a photo camera:iphone")
        # The panel shows the typed filter; cleared there and applied, it is gone from the search too.
        expect(page.locator("#filter-panel")).to_have_attribute("open", "")  # open while filters apply
        expect(page.locator('#filter-panel input[name="camera"]')).to_have_value("iphone")
        screenshot(page, f"search-filters-panel-typed-{label}")
        page.fill('#filter-panel input[name="camera"]', "")
        page.locator("#filter-panel button[type=submit]").click()
        expect(page.locator('#searchbox input[name="q"]')).to_have_value("a photo")
        expect(page.locator("#filter-chips .chip-filter")).to_have_count(0)
        # The panel, for people who don't type syntax: the timeline by place.
        page.goto(f"{live_url}/")
        page.locator("#filter-panel summary").click()
        page.fill('#filter-panel input[name="place"]', "lisbon")
        page.locator("#filter-panel button[type=submit]").click()
        expect(page.locator("#filter-chips .chip-filter")).to_contain_text("Place: lisbon")
        expect(page.locator("#photo-grid .card")).to_have_count(2)
        assert page.url.endswith("/?place=lisbon"), page.url  # the fields left empty stay out of the address
        screenshot(page, f"timeline-filter-panel-{label}")
        page.context.close()
