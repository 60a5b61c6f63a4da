"""Pages with media in an S3-compatible bucket (moto's server, tests/s3.py): every image arrives
through the app's redirect to a presigned URL of the bucket's origin, which the page's CSP allows."""

from __future__ import annotations

import pytest

from tests import images
from tests.browser.conftest import PHONE, console_errors, screenshot
from tests.browser.test_gallery_pages import log_in
from tests.factories import UserFactory, ready_photo_factory

pytestmark = [pytest.mark.browser]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

ALL_IMAGES_LOADED = """() => [...document.querySelectorAll('main img')].every((img) => img.complete && img.naturalWidth > 0)"""


def test_the_gallery_and_photo_page_show_images_from_the_bucket(live_url, bucket, new_page, settings):
    user = UserFactory()
    photos = [ready_photo_factory(owner=user, data=images.jpeg(480, 320, seed=70 + i), name=f"bucket-{i}.jpg")
              for i in range(3)]
    page = new_page()
    redirects = []
    page.on("response", lambda r: redirects.append(r.headers.get("location", "")) if r.status == 302 else None)
    log_in(page, live_url, user.username)
    expect(page.locator("main img")).to_have_count(3)
    page.wait_for_function(ALL_IMAGES_LOADED)
    assert sum(location.startswith(f"{bucket.endpoint_url}/{bucket.name}/thumbnails/") for location in redirects) == 3
    screenshot(page, "bucket-gallery")

    page.goto(f"{live_url}/photos/{photos[0].pk}/")
    page.wait_for_function("() => document.getElementById('photo-image').naturalWidth > 0")
    assert page.evaluate("document.getElementById('photo-image').naturalWidth") == 480  # the preview
    screenshot(page, "bucket-photo-page")

    phone = new_page(viewport=PHONE)
    log_in(phone, live_url, user.username)
    phone.wait_for_function(ALL_IMAGES_LOADED)
    screenshot(phone, "bucket-gallery-phone")
    assert not console_errors(page) and not console_errors(phone)


def test_without_the_bucket_in_img_src_the_browser_blocks_the_images(live_url, bucket, new_page, settings):
    """The control for the test above: the CSP really is what lets the bucket's images in."""
    user = UserFactory()
    ready_photo_factory(owner=user)
    settings.SECURE_CSP = {**settings.SECURE_CSP, "img-src": ["'self'", "data:", "blob:"]}
    page = new_page()
    log_in(page, live_url, user.username)
    page.wait_for_function("() => document.querySelector('main img') && document.querySelector('main img').complete")
    assert page.evaluate("document.querySelector('main img').naturalWidth") == 0
    page.wait_for_timeout(300)
    errors = console_errors(page)
    assert any("Content Security Policy" in error and bucket.endpoint_url in error for error in errors), errors
    errors.clear()  # expected here: the fixture fails any other test whose pages hit the CSP
