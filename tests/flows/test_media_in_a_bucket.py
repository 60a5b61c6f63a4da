"""Media in an S3-compatible bucket (MEDIA_STORAGE=s3) on a real S3 server (moto's, tests/s3.py):
uploads, the worker's thumbnails and previews, presigned redirects that keep photos private,
zip downloads, deletion, folder imports, backup and restore."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
import redis
import requests
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from gallery.models import Photo
from gallery.services import processing
from search.models import PhotoEmbedding
from tests import images, workers
from tests.factories import ready_photo_factory
from tests.imagesearch.test_backups import fresh_database  # noqa: F401 - a fixture
from tests.s3 import bucket_create


def _upload(api_client, *datas: bytes) -> list[int]:
    files = [images.upload(data, f"p{i}.jpg") for i, data in enumerate(datas)]
    response = api_client.post("/api/v1/photos/", {"files": files}, format="multipart")
    assert response.status_code == 201, response.content
    return [row["photo"]["id"] for row in response.json()]


def _follow(api_client, url: str) -> requests.Response:
    """The file endpoint's redirect, then the presigned URL fetched like a browser would (no credentials)."""
    response = api_client.get(url)
    assert response.status_code == 302, response.content
    return requests.get(response["Location"], timeout=10)


def _stored_names(photo: Photo) -> set[str]:
    return {field.name for field in (photo.original, photo.thumbnail, photo.preview) if field}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_upload_goes_into_the_bucket_and_a_worker_makes_its_thumbnail_and_preview_there(api_client, bucket,
                                                                                        settings):
    data = images.jpeg(640, 480, seed=31)
    broker_url = workers.redis_url_or_skip(database=12)
    redis.Redis.from_url(broker_url).flushdb()
    with workers.broker(broker_url):  # the upload queues its processing there
        [photo_id] = _upload(api_client, data)
        photo = Photo.objects.get(pk=photo_id)
        assert bucket.keys() == {photo.original.name} and bucket.read(photo.original.name) == data
        worker = workers.start_worker(broker_url=broker_url, extra_env=bucket.env())
        try:
            done = workers.wait_for(lambda: Photo.objects.filter(pk=photo_id, status="ready").exists(), timeout=120)
        finally:
            log = workers.stop_worker(worker)
    assert done, log[-3000:]
    photo.refresh_from_db()
    assert photo.thumbnail.name.startswith("thumbnails/") and photo.preview.name.startswith("previews/")
    assert bucket.keys() == _stored_names(photo)  # the worker wrote both into the bucket, nothing locally
    assert PhotoEmbedding.objects.filter(photo=photo).exists()
    thumbnail = _follow(api_client, f"/api/v1/photos/{photo_id}/thumbnail/")
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"
    assert thumbnail.content == bucket.read(photo.thumbnail.name)
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) <= settings.THUMBNAIL_LONG_SIDE


@pytest.mark.django_db
def test_the_upload_page_stores_into_the_bucket(browser_client, user, bucket):
    data = images.png(seed=32)
    response = browser_client.post("/upload/", {"files": [images.upload(data, "drawing.png", "image/png")]})
    assert response.status_code in (200, 302), response.content[:500]
    photo = Photo.objects.get(owner=user)
    assert bucket.read(photo.original.name) == data


@pytest.mark.django_db
def test_files_are_presigned_redirects_that_serve_the_stored_bytes(api_client, user, bucket, settings):
    data = images.jpeg(900, 600, seed=33)
    photo = ready_photo_factory(owner=user, data=data, name="Harbour at dawn.jpg")
    assert bucket.keys() == _stored_names(photo)

    response = api_client.get(f"/api/v1/photos/{photo.pk}/original/")
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}" == bucket.endpoint_url
    query = parse_qs(location.query)
    assert query["X-Amz-Expires"] == [str(settings.MEDIA_URL_EXPIRY_SECONDS)] and "X-Amz-Signature" in query
    assert response["Cache-Control"] == f"private, max-age={settings.MEDIA_URL_EXPIRY_SECONDS // 2}"
    original = requests.get(response["Location"], timeout=10)
    assert original.status_code == 200 and original.content == data
    assert original.headers["Content-Type"] == "image/jpeg"
    assert original.headers["Content-Disposition"] == "inline; filename*=UTF-8''Harbour%20at%20dawn.jpg"

    download = _follow(api_client, f"/api/v1/photos/{photo.pk}/original/?download=true")
    assert download.headers["Content-Disposition"] == "attachment; filename*=UTF-8''Harbour%20at%20dawn.jpg"
    assert download.content == data

    preview = _follow(api_client, f"/api/v1/photos/{photo.pk}/preview/")
    assert preview.status_code == 200 and preview.content == bucket.read(photo.preview.name)
    # The bucket itself is private: the same object without the signature is refused.
    unsigned = f"{location.scheme}://{location.netloc}{location.path}"
    assert requests.get(unsigned, timeout=10).status_code == 403


@pytest.mark.django_db
def test_a_short_expiry_is_signed_into_the_url(api_client, user, bucket, settings):
    """The expiry in the URL is the setting, counted from the redirect. (moto's server does not
    refuse expired URLs, which S3 does with a 403; what can be checked here is what we sign.)"""
    settings.STORAGES = {**settings.STORAGES, "default": bucket.backend(url_expiry_seconds=2)}
    photo = ready_photo_factory(owner=user)
    before = timezone.now().replace(microsecond=0)
    response = api_client.get(f"/api/v1/photos/{photo.pk}/thumbnail/")
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["X-Amz-Expires"] == ["2"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= signed_at <= timezone.now()
    assert response["Cache-Control"] == "private, max-age=1"


@pytest.mark.django_db
def test_another_users_photo_is_a_404_without_any_redirect(other_api_client, user, bucket):
    photo = ready_photo_factory(owner=user)
    for kind in ("original", "thumbnail", "preview"):
        response = other_api_client.get(f"/api/v1/photos/{photo.pk}/{kind}/")
        assert response.status_code == 404 and "Location" not in response, kind
        assert bucket.endpoint_url not in response.content.decode()


@pytest.mark.django_db
def test_a_zip_download_streams_the_originals_from_the_bucket(api_client, user, bucket):
    datas = [images.jpeg(300, 200, seed=40 + i) for i in range(3)]
    photos = [ready_photo_factory(owner=user, data=data, name=f"trip-{i}.jpg") for i, data in enumerate(datas)]
    response = api_client.post("/api/v1/photos/bulk/download/", {"ids": [p.pk for p in photos]}, format="json")
    assert response.status_code == 200 and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert {name: archive.read(name) for name in archive.namelist()} == {
        f"trip-{i}.jpg": data for i, data in enumerate(datas)}


@pytest.mark.django_db(transaction=True)
def test_trash_then_delete_forever_removes_the_objects(api_client, user, bucket):
    keep, gone = ready_photo_factory(owner=user), ready_photo_factory(owner=user)
    assert bucket.keys() == _stored_names(keep) | _stored_names(gone)
    assert api_client.post("/api/v1/photos/bulk/trash/", {"ids": [gone.pk]}, format="json").status_code == 200
    assert bucket.keys() == _stored_names(keep) | _stored_names(gone)  # the trash keeps the files
    assert api_client.post("/api/v1/photos/bulk/delete/", {"ids": [gone.pk]}, format="json").status_code == 200
    assert bucket.keys() == _stored_names(keep)


@pytest.mark.django_db
def test_import_photos_copies_into_the_bucket_and_in_place_keeps_the_local_file(api_client, user, bucket, tmp_path):
    copied, in_place = tmp_path / "copy", tmp_path / "in-place"
    copied.mkdir(), in_place.mkdir()
    (copied / "a.jpg").write_bytes(images.jpeg(seed=51))
    (in_place / "b.jpg").write_bytes(images.jpeg(seed=52))
    call_command("import_photos", str(copied), user=user.username, stdout=io.StringIO())
    call_command("import_photos", str(in_place), "--in-place", user=user.username, stdout=io.StringIO())
    processing.photos_process_pending()

    a = Photo.objects.get(original_name="a.jpg")
    b = Photo.objects.get(original_name="b.jpg")
    assert a.status == b.status == "ready"
    assert bucket.read(a.original.name) == (copied / "a.jpg").read_bytes()
    assert not b.original and b.external_path == str(in_place / "b.jpg")
    assert bucket.keys() == _stored_names(a) | _stored_names(b)  # b's thumbnail and preview: in the bucket
    # The in-place original is a local file: streamed by the app, never redirected.
    response = api_client.get(f"/api/v1/photos/{b.pk}/original/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == (in_place / "b.jpg").read_bytes()
    assert _follow(api_client, f"/api/v1/photos/{b.pk}/thumbnail/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_with_media_in_a_bucket(user, bucket, s3_server, tmp_path, fresh_database):  # noqa: F811
    photos = [ready_photo_factory(owner=user, data=images.jpeg(seed=60 + i)) for i in range(2)]
    target = tmp_path / "backup"
    call_command("backup", str(target), stdout=io.StringIO())
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["storage"] == "S3Storage"
    assert set(manifest["files"]) == set().union(*(_stored_names(p) for p in photos)) == bucket.keys()

    fresh_bucket = bucket_create(s3_server)
    env = workers.worker_env(broker_url="memory://", extra_env=fresh_bucket.env())
    env["DATABASE_URL"] = env["TEST_DATABASE_URL"] = fresh_database
    done = subprocess.run([sys.executable, "manage.py", "restore", str(target)], cwd=workers.PROJECT_ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert fresh_bucket.keys() == bucket.keys()
    for key in bucket.keys():
        assert fresh_bucket.read(key) == bucket.read(key)
    with psycopg.connect(fresh_database) as restored:  # every file a restored photo names is in the new bucket
        rows = restored.execute("SELECT original, thumbnail, preview FROM gallery_photo ORDER BY id").fetchall()
    assert [list(row) for row in rows] == [[p.original.name, p.thumbnail.name, p.preview.name] for p in photos]


@pytest.mark.django_db
def test_readiness_asks_the_bucket(client, bucket, settings):
    started = time.monotonic()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["storage"] == "ok"
    assert bucket.keys() == set()  # a HEAD on the bucket: nothing written
    assert time.monotonic() - started < 5
    settings.STORAGES = {**settings.STORAGES, "default": {**bucket.backend(), "OPTIONS": {
        **bucket.backend()["OPTIONS"], "bucket_name": "no-such-bucket"}}}
    response = client.get("/readyz")
    assert response.status_code == 503 and "404" in response.json()["storage"]
