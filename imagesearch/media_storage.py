"""What differs between media on a local folder and in an S3-compatible bucket, in one place
(settings: MEDIA_STORAGE). Everything else goes through Django's storage API alike.

- A bucket's files are served by a presigned redirect: the endpoint has checked the owner, the
  URL is valid for the backend's `querystring_expire` seconds, the bucket stays private.
- Reading front to back (a zip download, a backup) streams a bucket's object as it arrives,
  where `storage.open` would download all of it first.
- Readiness asks the bucket (HEAD) instead of writing a file to it.
"""

from __future__ import annotations

import sys
import uuid
from typing import BinaryIO

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.http import HttpResponseRedirect


def is_bucket(storage: Storage) -> bool:
    kind = storage.__class__  # (this sets up a lazy default_storage, importing its backend)
    # boto3 is imported only where a bucket is configured: no S3 module loaded, no bucket.
    backend = sys.modules.get("storages.backends.s3")
    return backend is not None and issubclass(kind, backend.S3Storage)


def presigned_redirect(storage: Storage, name: str, *, content_type: str,
                       disposition: str = "") -> HttpResponseRedirect | None:
    """A 302 to a short-lived URL of the file in the bucket, which answers with our content type
    (and disposition); None for a local folder (the caller streams the file itself). Call it only
    after checking who may see the file: the URL works for anyone who has it until it expires."""
    if not is_bucket(storage):
        return None
    expiry = storage.querystring_expire
    parameters = {"ResponseContentType": content_type, "ResponseCacheControl": f"private, max-age={expiry}"}
    if disposition:
        parameters["ResponseContentDisposition"] = disposition
    response = HttpResponseRedirect(storage.url(name, parameters=parameters))
    # A browser may reuse the redirect for half the URL's life: it never follows one that expired.
    response["Cache-Control"] = f"private, max-age={expiry // 2}"
    return response


def open_stream(storage: Storage, name: str) -> BinaryIO:
    """The file for reading once, front to back (FileNotFoundError if it is not there)."""
    if not is_bucket(storage):
        return storage.open(name, "rb")
    from botocore.exceptions import ClientError  # noqa: PLC0415 - loaded with the bucket's backend

    try:
        # The backend's location prefix is empty (settings), so the storage name is the key.
        return storage.bucket.Object(name).get()["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise FileNotFoundError(f"File does not exist: {name}") from exc
        raise


def check(storage: Storage) -> None:
    """Raise unless the storage can serve requests. A bucket: one HEAD (it exists, the credentials
    reach it). A folder: write, read and delete a small file (a read-only or full volume is not
    ready)."""
    if is_bucket(storage):
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
        return
    name = storage.save(f"readiness/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with storage.open(name, "rb") as handle:
            if handle.read() != b"ok":
                raise OSError("storage returned other bytes than written")
    finally:
        storage.delete(name)
