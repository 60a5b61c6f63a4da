"""A real S3-compatible server for the tests: moto's standalone server (a subprocess speaking the
S3 HTTP API on a free port), one per session, and a fresh bucket per test with media pointed at
it. Nothing of ours is mocked: django-storages and boto3 talk HTTP to the server. Without moto
installed (requirements-dev.txt), the tests using these fixtures skip.
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest

from imagesearch.settings.base import media_storage_origin, s3_storage_backend

REGION = "us-east-1"
ACCESS_KEY, SECRET_KEY = "test-access-key", "test-secret-key"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Bucket:
    name: str
    endpoint_url: str
    client: object  # a boto3 S3 client, for looking at the bucket from outside the app

    def keys(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {entry["Key"] for page in pages for entry in page.get("Contents", ())}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def backend(self, **options) -> dict:
        return s3_storage_backend(bucket=self.name, endpoint_url=self.endpoint_url, region=REGION,
                                  access_key=ACCESS_KEY, secret_key=SECRET_KEY, **options)

    def env(self) -> dict[str, str]:
        """The settings a subprocess (a worker, manage.py) needs to use this bucket."""
        return {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": self.name, "AWS_S3_ENDPOINT_URL": self.endpoint_url,
                "AWS_S3_REGION_NAME": REGION, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}


def bucket_create(endpoint_url: str) -> Bucket:
    import boto3  # noqa: PLC0415 - only the S3 tests need it

    client = boto3.client("s3", endpoint_url=endpoint_url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY)
    name = f"photos-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(name=name, endpoint_url=endpoint_url, client=client)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The endpoint URL of a moto S3 server started for this session."""
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        pytest.skip("moto[server] is not installed (requirements-dev.txt)")
    port = _free_port()
    # Its request log goes to a file: a pipe nobody reads would fill up and stall the server.
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with log.open("w") as handle:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"moto's S3 server did not start: {log.read_text()[-2000:]}")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def bucket(s3_server, settings) -> Bucket:
    """A new, empty bucket that this test's media lives in (originals, thumbnails, previews), with
    the page's CSP allowing images from it, as the settings do for MEDIA_STORAGE=s3."""
    made = bucket_create(s3_server)
    backend = made.backend()
    settings.STORAGES = {**settings.STORAGES, "default": backend}
    settings.SECURE_CSP = {**settings.SECURE_CSP,
                           "img-src": [*settings.SECURE_CSP["img-src"], media_storage_origin(backend)]}
    return made
