"""/healthz (liveness) and /readyz (readiness: database, broker, storage)."""

import pytest

from imagesearch import health
from tests import workers


@pytest.mark.django_db
def test_readyz_checks_database_broker_and_storage(client, media_root):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"ready": True, "database": "ok", "broker": "ok", "storage": "ok"}
    assert not list((media_root / "readiness").iterdir())  # the probe file is removed again
    assert client.get("/healthz").content == b"ok"


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_it_is_down(client):
    with workers.broker("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False and body["database"] == "ok" and body["storage"] == "ok"
    assert body["broker"] != "ok"


@pytest.mark.django_db
def test_readyz_is_503_when_media_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker
    assert health.readiness()["storage"] != "ok"
    assert client.get("/readyz").status_code == 503
