"""The bad-input corpus (tests/data/bad, made by scripts/make_bad_corpus.py) through the real upload API,
the browser form and the worker's processing function: every file gets a clear answer, nothing crashes.

Multipart bodies are built by hand so hostile file names (``../../etc/passwd.jpg``, 500 characters)
reach the server exactly as a client sent them (Django's test client would strip the directories).
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import json
from pathlib import Path, PurePosixPath

import pytest
from django.conf import settings
from PIL import Image

from gallery.models import Photo
from gallery.services import processing

PHOTOS = "/api/v1/photos/"
CORPUS = Path(__file__).resolve().parent.parent / "data" / "bad"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
ACCEPTED = [entry for entry in MANIFEST if entry["expected"] == "accepted"]
REJECTED = [entry for entry in MANIFEST if entry["expected"] == "rejected"]
BY_FILE = {entry["file"]: entry for entry in MANIFEST}
BOUNDARY = "bad-corpus-7d91f3c2a84e"
# broken_exif.jpg makes Pillow warn about its EXIF block; that is the point of the file.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")


def _ids(entries: list[dict]) -> list[str]:
    return [entry["file"] for entry in entries]


def _data(entry: dict) -> bytes:
    data = (CORPUS / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"], f"{entry['file']} differs from MANIFEST.json"
    return data


def _multipart(entries: list[dict], field: str = "files") -> tuple[bytes, str]:
    """A multipart body as a browser or phone sends it, with the upload names untouched."""
    body = b""
    for entry in entries:
        name = entry["upload_name"].replace('"', "%22")
        body += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
                 f"Content-Type: {entry['upload_content_type']}\r\n\r\n").encode() + _data(entry) + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode(), f"multipart/form-data; boundary={BOUNDARY}"


def _post(client, url: str, entries: list[dict], **extra):
    body, content_type = _multipart(entries)
    return client.post(url, data=body, content_type=content_type, **extra)


def _stored_files(media_root) -> list[Path]:
    root = Path(media_root)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _assert_rejected(result: dict, entry: dict) -> None:
    assert result["result"] == "rejected" and result["photo"] is None, result
    for words in entry["message_contains"]:
        assert words in result["error"], f"{entry['file']}: {words!r} not in {result['error']!r}"
    assert result["error"].endswith("."), result["error"]  # a sentence for the user, not an exception repr


def _assert_display_name(name: str, entry: dict) -> None:
    """The user's file name as the product keeps and shows it: no directories, at most 255 characters."""
    upload_name = entry["upload_name"]
    assert "/" not in name and "\\" not in name and not name.startswith(".."), name
    assert 0 < len(name) <= 255
    if "original_name" in entry:
        assert name == entry["original_name"]
    elif "original_name_max_length" in entry:
        suffix = PurePosixPath(upload_name).suffix
        assert len(name) <= entry["original_name_max_length"] and name.endswith(suffix)
        assert upload_name.startswith(name[: -len(suffix)].rstrip("…"))  # shortened, extension kept
    else:
        assert name == upload_name


def _assert_safe_names(photo: Photo, entry: dict) -> None:
    upload_name = entry["upload_name"]
    _assert_display_name(photo.original_name, entry)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    for field, folder in ((photo.original, "originals/"), (photo.thumbnail, "thumbnails/"), (photo.preview, "previews/")):
        assert field.name.startswith(folder) and ".." not in field.name, field.name
        assert "etc" not in PurePosixPath(field.name).parts and "passwd" not in field.name
        assert PurePosixPath(upload_name).stem[:20] not in field.name
        assert Path(field.path).resolve().is_relative_to(media_root)


def _assert_ready(photo: Photo, entry: dict) -> None:
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY and photo.error == "", (entry["file"], photo.status, photo.error)
    assert photo.content_type == entry["content_type"]
    if "size" in entry:
        assert [photo.width, photo.height] == entry["size"]
    if "stored_suffix" in entry:
        assert photo.original.name.endswith(entry["stored_suffix"])
    if "taken_at" in entry:
        assert photo.taken_at.isoformat().replace("+00:00", "Z") == entry["taken_at"]
    with Image.open(photo.thumbnail.path) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.mode == "RGB"
        assert max(thumbnail.size) <= settings.THUMBNAIL_LONG_SIDE
        if "thumbnail_pixel" in entry:
            expected, tolerance = entry["thumbnail_pixel"]["rgb"], entry["thumbnail_pixel"]["tolerance"]
            pixel = thumbnail.getpixel((thumbnail.width // 2, thumbnail.height // 2))
            assert all(abs(a - b) <= tolerance for a, b in zip(pixel, expected)), (entry["file"], pixel, expected)
    _assert_safe_names(photo, entry)


@pytest.fixture(autouse=True)
def documented_limits(settings):
    """The manifest's expectations assume the default limits, whatever the environment sets."""
    settings.UPLOAD_MAX_PIXELS = 80_000_000
    settings.UPLOAD_MAX_BYTES = 30 * 1024 * 1024
    settings.CLIP_BATCH_SIZE = 32


def test_the_committed_corpus_is_what_the_script_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_bad_corpus", settings.BASE_DIR / "scripts" / "make_bad_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.build(tmp_path)
    assert made["files"] == MANIFEST
    for entry in MANIFEST:
        assert (tmp_path / entry["file"]).read_bytes() == _data(entry)
        assert "/" not in entry["file"] and not entry["file"].startswith(".")
    assert sum(entry["bytes"] for entry in MANIFEST) < 300_000
    assert {"../../etc/passwd.jpg"} <= {entry["upload_name"] for entry in MANIFEST}
    assert any(len(entry["upload_name"]) == 500 for entry in MANIFEST)


@pytest.mark.parametrize("entry", REJECTED, ids=_ids(REJECTED))
def test_a_bad_file_is_refused_with_a_reason_and_nothing_is_stored(api_client, user, media_root, entry):
    response = _post(api_client, PHOTOS, [entry])
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    results = response.json()
    assert len(results) == 1
    _assert_display_name(results[0]["filename"], entry)
    _assert_rejected(results[0], entry)
    assert not Photo.objects.filter(owner=user).exists()
    assert _stored_files(media_root) == []


@pytest.mark.parametrize("entry", ACCEPTED, ids=_ids(ACCEPTED))
def test_an_odd_but_valid_file_is_added_and_processed_to_ready(api_client, user, media_root, entry):
    response = _post(api_client, PHOTOS, [entry])
    assert response.status_code == 201, response.content
    (result,) = response.json()
    assert result["result"] == "added" and result["error"] == "" and result["photo"]["status"] == "pending"
    photo = Photo.objects.get(pk=result["photo"]["id"], owner=user)

    assert processing.photos_process_pending() == 1
    _assert_ready(photo, entry)
    assert len(_stored_files(media_root)) == 3  # the original, its preview and its thumbnail, nothing else

    detail = api_client.get(f"{PHOTOS}{photo.pk}/").json()
    assert detail["status"] == "ready" and detail["original_name"] == photo.original_name
    thumbnail = api_client.get(f"{PHOTOS}{photo.pk}/thumbnail/")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    original = api_client.get(f"{PHOTOS}{photo.pk}/original/", HTTP_ACCEPT="image/*")
    assert original.status_code == 200 and b"".join(original.streaming_content) == _data(entry)
    disposition = original["Content-Disposition"]
    assert disposition.startswith("inline; filename*=UTF-8''") and "/" not in disposition and "<" not in disposition


def test_a_whole_folder_in_one_request_reports_every_file_and_processing_finishes(api_client, user, media_root):
    response = _post(api_client, PHOTOS, MANIFEST)
    assert response.status_code == 201, response.content  # some were added (README: 201 if any was added)
    results = response.json()
    assert len(results) == len(MANIFEST)
    for entry, result in zip(MANIFEST, results):
        _assert_display_name(result["filename"], entry)
        if entry["expected"] == "rejected":
            _assert_rejected(result, entry)
        else:
            assert result["result"] == "added" and result["photo"]["status"] == "pending", (entry["file"], result)
    assert Photo.objects.filter(owner=user).count() == len(ACCEPTED)
    assert len(_stored_files(media_root)) == len(ACCEPTED)  # rejected files left nothing behind

    assert processing.photos_process_pending() == len(ACCEPTED)
    assert processing.photos_process_pending() == 0
    photos = {r["photo"]["id"]: entry for entry, r in zip(MANIFEST, results) if r["photo"]}
    for photo in Photo.objects.filter(pk__in=photos):
        _assert_ready(photo, photos[photo.pk])
    status = api_client.get("/api/v1/status/").json()
    assert status["photos"]["ready"] == len(ACCEPTED) and status["photos"]["failed"] == 0

    again = _post(api_client, PHOTOS, MANIFEST)  # the same folder dropped twice
    assert again.status_code == 200
    assert [r["result"] for r in again.json()] == [
        "duplicate" if e["expected"] == "accepted" else "rejected" for e in MANIFEST]
    assert Photo.objects.filter(owner=user).count() == len(ACCEPTED)


FORM_CASES = ["script.svg", "bomb_real.png", "truncated.jpg"]


@pytest.mark.parametrize("file", FORM_CASES)
def test_the_browser_form_shows_the_reason_for_a_bad_file(browser_client, user, media_root, file):
    entry = BY_FILE[file]
    response = _post(browser_client, "/upload/", [entry], follow=True)
    assert response.status_code == 200 and response.redirect_chain == [("/", 302)]
    text = response.content.decode()
    assert f"{html.escape(entry['upload_name'])}: rejected." in text
    for words in entry["message_contains"]:
        assert html.escape(words) in text
    assert not Photo.objects.filter(owner=user).exists() and _stored_files(media_root) == []


def test_the_browser_form_escapes_a_markup_file_name(browser_client, user):
    response = _post(browser_client, "/upload/", [BY_FILE["markup_in_name.jpg"], BY_FILE["one_pixel.png"]],
                     follow=True)
    text = response.content.decode()
    assert response.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg: added." in text and "<img src=x onerror" not in text
    assert "one-pixel.png: rejected. The image is too small (1x1 pixels)" in text
    assert Photo.objects.filter(owner=user).count() == 1


@pytest.mark.parametrize("damage, reason", [
    ("garbage", "not an image"),
    ("truncated", "truncated"),
    ("bomb", "too many pixels"),
    ("html", "not an image"),
])
def test_an_original_damaged_on_disk_after_upload_fails_alone_and_the_batch_goes_on(api_client, user, damage,
                                                                                     reason):
    response = _post(api_client, PHOTOS, ACCEPTED)
    assert response.status_code == 201
    ids = [r["photo"]["id"] for r in response.json()]
    victim = Photo.objects.get(pk=ids[0])
    path = Path(victim.original.path)
    original = path.read_bytes()
    replacement = {
        "garbage": bytes(range(256)) * 8,
        "truncated": original[: len(original) // 2],
        "bomb": _data(BY_FILE["bomb_real.png"]),
        "html": _data(BY_FILE["script.html"]),
    }[damage]
    path.write_bytes(replacement)

    assert processing.photos_process_pending() == len(ACCEPTED)  # never raises; every photo is finished
    victim.refresh_from_db()
    assert victim.status == Photo.Status.FAILED and reason in victim.error and not victim.thumbnail
    assert victim.error.endswith(".") and "Traceback" not in victim.error
    detail = api_client.get(f"{PHOTOS}{victim.pk}/").json()
    assert detail["status"] == "failed" and reason in detail["status_message"]
    by_id = {r["photo"]["id"]: e for e, r in zip(ACCEPTED, response.json())}
    for photo in Photo.objects.filter(pk__in=ids[1:]):
        _assert_ready(photo, by_id[photo.pk])
    assert Photo.objects.filter(owner=user, status=Photo.Status.READY).count() == len(ACCEPTED) - 1


@pytest.mark.parametrize("raw_name", [
    b"..", b"", b"\xff\xfe.jpg", b"a\x00b.jpg", b"line\r\nbreak.jpg", b"C:\\\\Windows\\\\x.jpg",
    b"&#46;&#46;/&#46;&#46;/x.jpg", b"%2e%2e%2fx.jpg", b"\xe2\x80\xaegpj.exe", ("\u00fc" * 300 + ".jpg").encode(),
], ids=["dotdot", "blank", "not-utf8", "nul", "crlf", "drive", "html-entities", "percent", "rtl-override", "long-utf8"])
def test_hostile_multipart_file_names_never_break_the_upload(api_client, user, raw_name):
    """Names no browser sends, byte for byte: a clear 4xx or a photo under a harmless name, never a 500."""
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"".encode() + raw_name
            + b"\"\r\nContent-Type: image/jpeg\r\n\r\n" + _data(BY_FILE["path_traversal.jpg"])
            + f"\r\n--{BOUNDARY}--\r\n".encode())
    response = api_client.post(PHOTOS, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:  # Django's parser drops a file without a usable name
        assert "Choose one or more photos" in response.json()["detail"] and not Photo.objects.exists()
        return
    photo = Photo.objects.get(owner=user)
    name = photo.original_name
    assert 0 < len(name) <= 255 and "/" not in name and "\\" not in name and "\x00" not in name
    assert ".." not in photo.original.name and photo.original.name.startswith("originals/")
