"""Photos as a zip archive, streamed chunk by chunk."""

import io
import zipfile

import numpy as np
from PIL import Image

from gallery.downloads import CHUNK_BYTES, MISSING_NAME, archive_names, photos_zip
from gallery.models import Photo
from tests import images
from tests.factories import photo_factory


def noisy_jpeg(seed: int) -> bytes:
    """About a megabyte that JPEG can't shrink much (noise)."""
    pixels = np.random.default_rng(seed).integers(0, 256, size=(900, 1200, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def test_the_archive_holds_each_original_under_a_unique_name_and_streams(user, tmp_path):
    big = noisy_jpeg(1)
    first = photo_factory(owner=user, data=big, name="beach.jpg")
    second = photo_factory(owner=user, data=images.png(seed=2), name="beach.jpg")
    third = photo_factory(owner=user, data=images.jpeg(seed=3), name="notes")
    chunks = list(photos_zip(photos=[first, second, third]))
    assert len(big) > 3 * CHUNK_BYTES and len(chunks) > 4
    assert max(len(chunk) for chunk in chunks) < CHUNK_BYTES + 4096  # never the archive at once
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert archive.namelist() == ["beach.jpg", "beach (2).jpg", "notes"]
    assert archive.read("beach.jpg") == big and archive.read("beach (2).jpg") == images.png(seed=2)


def test_an_original_that_cannot_be_read_is_named_in_the_archive(user, tmp_path):
    kept = photo_factory(owner=user, data=images.jpeg(seed=4), name="kept.jpg")
    gone = photo_factory(owner=user, data=images.jpeg(seed=5), name="gone.jpg")
    Photo.objects.filter(pk=gone.pk).update(original="", external_path=str(tmp_path / "moved-away.jpg"))
    gone.refresh_from_db()
    archive = zipfile.ZipFile(io.BytesIO(b"".join(photos_zip(photos=[kept, gone]))))
    assert archive.namelist() == ["kept.jpg", MISSING_NAME]
    assert "gone.jpg" in archive.read(MISSING_NAME).decode()


def test_names_never_make_folders():
    photos = [Photo(pk=1, original_name="a/b.jpg"), Photo(pk=2, original_name="A/B.JPG"), Photo(pk=3, original_name="")]
    assert archive_names(photos) == ["a_b.jpg", "A_B (2).JPG", "photo-3"]
