"""Text in photos in headless Chromium: a photo of a sign is dropped on the gallery, becomes ready,
its text is read by the worker, word search shows the matched text highlighted, and the photo page
lists the text with its boxes drawn over the photo on hover."""

from __future__ import annotations

import pytest

from benchmarks.text_images import plain_text_image
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_gallery_pages import drop_files, log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


@pytest.fixture
def ocr_on(settings):
    settings.OCR_ENABLED = True  # before live_app: its worker gets it through the environment


def test_text_in_a_photo_is_searchable_highlighted_and_shown_with_boxes(ocr_on, live_app, new_page):
    user = UserFactory()
    page = new_page()
    log_in(page, live_app.url, user.username)
    sign = plain_text_image(["PARKING LEVEL 3B", "Café Lisboa"], size=(1200, 800), font_size=72)
    drop_files(page, [("sign.jpg", sign)])
    card = page.locator("figure.card").first
    expect(card).to_have_attribute("data-status", "ready", timeout=90_000)
    # The indicator counts the photo read (then hides itself: nothing waits).
    expect(page.locator("#text-progress-read")).to_have_text("1", timeout=90_000)
    expect(page.locator("#text-progress-total")).to_have_text("1")
    expect(page.locator("#text-progress")).to_be_hidden()
    photo_id = card.get_attribute("data-photo-id")

    page.goto(f"{live_app.url}/search/?q=parking+level")
    result = page.locator(f"figure.result[data-photo-id='{photo_id}']")
    expect(result.locator(".matched-text mark").first).to_be_visible()
    expect(result.locator(".matched-text")).to_contain_text("PARKING")
    screenshot(page, "search-matched-text")
    page.select_option("#search-mode", "text")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{live_app.url}/search/?q=parking+level&mode=text&min_score=0&metric=cosine")
    expect(page.locator("figure.result")).to_have_count(1)

    result.locator("a.card-link").click()
    lines = page.locator("#photo-text-lines li")
    expect(lines).to_have_count(2)
    expect(lines.nth(1)).to_contain_text("Lisboa")
    boxes = page.locator("#text-boxes")
    expect(boxes).to_be_hidden()
    lines.nth(1).hover()
    expect(boxes).to_be_visible()
    expect(page.locator("#text-boxes polygon.active")).to_have_count(1)
    # The highlighted box lies over the second line: in the image's lower part, left half.
    image_box, active_box = page.locator("#photo-image").bounding_box(), page.locator("#text-boxes polygon.active").bounding_box()
    assert image_box["y"] + 0.1 * image_box["height"] < active_box["y"] < image_box["y"] + 0.5 * image_box["height"]
    assert active_box["x"] < image_box["x"] + 0.2 * image_box["width"]
    screenshot(page, "photo-text-hover", full_page=False)
    selected = page.evaluate("""() => { const range = document.createRange();
        range.selectNodeContents(document.querySelector('#photo-text-lines li'));
        const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range);
        return selection.toString(); }""")
    assert "PARKING" in selected  # selectable text
    page.set_viewport_size(PHONE)
    lines.nth(0).hover()
    screenshot(page, "photo-text-hover-phone")
