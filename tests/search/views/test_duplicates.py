"""The near-duplicates page."""

import io

from tests import images
from tests.factories import ready_photo_factory


def test_duplicates_page(browser_client, user):
    base = images.pattern(300, 200, seed=21)
    for quality in (95, 70):
        buffer = io.BytesIO()
        base.save(buffer, "JPEG", quality=quality)
        ready_photo_factory(owner=user, data=buffer.getvalue())
    page = browser_client.get("/search/duplicates/", {"max_distance": "0.02"})
    assert page.status_code == 200 and b"2 photos" in page.content and page.content.count(b"Trash</button>") == 2  # moves to the trash now
    assert browser_client.get("/search/duplicates/", {"max_distance": "x"}).status_code == 400
