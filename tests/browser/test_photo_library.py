"""A photo from a phone in headless Chromium: a HEIC in Display P3 with the iPhone's EXIF is dropped
on the page, and its photo page shows the preview in true colours with its date, camera and place."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests import images
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_gallery_pages import drop_files, log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

P3_COLOUR = (200, 100, 50)
# The pixel's colour as the page draws it, read back through a canvas (sRGB, as the preview is).
READ_PIXEL = """(img) => { const c = document.createElement('canvas'); c.width = img.naturalWidth;
  c.height = img.naturalHeight; const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  return Array.from(g.getImageData(c.width >> 1, c.height >> 1, 1, 1).data.slice(0, 3)); }"""


def p3_in_srgb(colour) -> np.ndarray:
    to_srgb = np.linalg.inv(images.rgb_to_xyz_matrix(images.SRGB_PRIMARIES)) @ images.rgb_to_xyz_matrix(
        images.DISPLAY_P3_PRIMARIES)
    return images.srgb_encode(to_srgb @ images.srgb_decode(colour))


def phone_heic() -> bytes:
    exif = Image.Exif()
    exif.load(images.iphone_exif())
    return images.flat(P3_COLOUR, "HEIF", size=(1200, 900), icc_profile=images.rgb_icc_profile(), exif=exif.tobytes(),
                       quality=95)


def test_a_heic_from_a_phone_shows_true_colours_its_moment_camera_and_place(live_app, new_page):
    user = UserFactory()
    page = new_page()
    log_in(page, live_app.url, user.username)
    drop_files(page, [("IMG_4021.HEIC", phone_heic())])
    expect(page.locator("#upload-list")).to_contain_text("IMG_4021.HEIC")
    card = page.locator("figure.card").first
    expect(card).to_have_attribute("data-status", "ready", timeout=60_000)
    photo_id = card.get_attribute("data-photo-id")
    card.locator("a").first.click()

    preview = page.locator("#photo-image")
    expect(preview).to_have_attribute("src", f"/api/v1/photos/{photo_id}/preview/")
    # A function, not an expression: Playwright polls an expression with eval(), which the CSP
    # blocks whenever the image is not loaded at the first check.
    page.wait_for_function("() => document.querySelector('#photo-image').complete && "
                           "document.querySelector('#photo-image').naturalWidth > 0")
    assert page.evaluate("document.querySelector('#photo-image').naturalWidth") == 1200  # HEIC shown via its preview
    shown = np.asarray(preview.evaluate(READ_PIXEL), dtype=float)
    assert np.abs(shown - p3_in_srgb(P3_COLOUR)).max() <= 4, shown  # the colour the phone meant
    assert np.abs(shown - np.asarray(P3_COLOUR)).max() > 10  # not the stored numbers shown as if sRGB

    expect(page.locator("#photo-taken")).to_contain_text("6 May 2024, 14:30")
    expect(page.locator("#photo-taken")).to_contain_text("UTC+01:00")
    expect(page.locator("#photo-camera")).to_have_text("Apple iPhone 15 Pro")
    expect(page.locator("#photo-exposure")).to_have_text("f/1.8 · 1/250 s · ISO 125 · 6.86 mm")
    expect(page.locator("#photo-place")).to_contain_text("Lisbon, Portugal")
    screenshot(page, "photo-page-heic")
    page.set_viewport_size(PHONE)
    screenshot(page, "photo-page-heic-phone")
