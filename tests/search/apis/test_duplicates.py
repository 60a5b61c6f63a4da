"""Near-duplicates through the REST API."""

import io

from tests import images
from tests.factories import ready_photo_factory


def test_duplicates_groups_identical_content(api_client, user):
    base = images.pattern(300, 200, seed=11)

    variants = []
    for quality in (95, 60):
        buffer = io.BytesIO()
        base.save(buffer, "JPEG", quality=quality)
        variants.append(ready_photo_factory(owner=user, data=buffer.getvalue()))
    ready_photo_factory(owner=user, data=images.jpeg(300, 200, seed=12))
    body = api_client.get("/api/v1/duplicates/", {"max_distance": 0.01}).json()
    assert [sorted(i["photo"]["id"] for i in group) for group in body["groups"]] == [sorted(p.pk for p in variants)]
    assert api_client.get("/api/v1/duplicates/", {"max_distance": "0.5"}).status_code == 400
