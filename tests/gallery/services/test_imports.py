"""Folder imports: a real tree on disk with nested folders, duplicates, junk, hidden and system
files, sidecars and symlinks; resumed runs; in-place references."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gallery.models import ImportedFile, Photo
from gallery.services import imports, processing
from tests import images


def write(path: Path, data: bytes, *, mtime: datetime | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


@pytest.fixture
def library(tmp_path) -> Path:
    """Four distinct photos (one a HEIC), one of them twice, and everything an import must pass over."""
    root = tmp_path / "library"
    write(root / "2023" / "summer" / "beach.jpg", images.jpeg(seed=1), mtime=datetime(2023, 7, 14, 12, tzinfo=UTC))
    write(root / "2024" / "copies" / "beach.jpg", images.jpeg(seed=1))  # the same bytes, met second
    write(root / "2023" / "winter" / "snow.png", images.png(seed=2))
    write(root / "2024" / "phone" / "IMG_0001.HEIC", images.heic(seed=3))
    write(root / "2024" / "phone" / "IMG_0001.AAE", b"<plist/>")  # sidecar
    write(root / "2024" / "phone" / "IMG_0001.xmp", b"<x:xmpmeta/>")  # sidecar
    write(root / "loose.webp", images.webp(seed=4))
    write(root / "notes.txt", b"not a photo")  # junk: rejected with its reason
    write(root / "broken.jpg", images.truncated_jpeg())  # rejected
    write(root / ".hidden.jpg", images.jpeg(seed=5))
    write(root / ".DS_Store", b"\0\0\0\1Bud1")
    write(root / "Thumbs.db", b"\xd0\xcf\x11\xe0")
    write(root / "@eaDir" / "beach.jpg" / "SYNOPHOTO_THUMB_XL.jpg", images.jpeg(seed=6))  # a NAS's thumbnails
    (root / "2023" / "loop").symlink_to(root / "2023")  # a link loop
    outside = write(tmp_path / "elsewhere" / "secret.jpg", images.jpeg(seed=7))
    (root / "outside.jpg").symlink_to(outside)
    (root / "inside-link.jpg").symlink_to(root / "loose.webp")  # inside the folder: the same file
    return root


def test_an_import_adds_each_photo_once_and_says_what_it_passed_over(user, library):
    report = imports.folder_import(owner=user, root=library)
    assert (report.added, report.rejected) == (4, 2)
    assert report.already_there == 1  # the copy of beach.jpg
    assert report.skipped["hidden"] == 2 and report.skipped["system"] == 2 and report.skipped["sidecar"] == 2
    assert report.skipped["link outside the folder"] == 1 and report.skipped["link loop"] == 1
    assert report.skipped["link within the folder"] == 1  # its file is imported where it is
    reasons = dict(report.rejections)
    assert "not an image" in reasons[str(library / "notes.txt")].lower()
    assert "truncated" in reasons[str(library / "broken.jpg")].lower()
    photos = Photo.objects.filter(owner=user)
    assert sorted(photos.values_list("content_type", flat=True)) == ["image/heic", "image/jpeg", "image/png",
                                                                      "image/webp"]
    assert not photos.filter(original_name="secret.jpg").exists()
    assert all(photo.original.name.startswith("originals/") and not photo.external_path for photo in photos)
    assert set(photos.values_list("status", flat=True)) == {"pending"}  # the worker's turn, as for uploads
    processing.photos_process_pending()
    assert set(photos.values_list("status", flat=True)) == {"ready"}


def test_without_exif_the_file_time_is_the_date_taken(user, library):
    imports.folder_import(owner=user, root=library)
    beach = Photo.objects.get(owner=user, original_name="beach.jpg")
    assert beach.taken_at == datetime(2023, 7, 14, 12, tzinfo=UTC) and beach.taken_at_source == "file_mtime"


def test_a_second_run_reads_nothing_again(user, library):
    imports.folder_import(owner=user, root=library)
    # Same size and modification time, other bytes: a run that read the file again would add it.
    beach = library / "2023" / "summer" / "beach.jpg"
    stat = beach.stat()
    replacement = images.jpeg(seed=99)
    beach.write_bytes(replacement[: stat.st_size].ljust(stat.st_size, b"\0"))
    os.utime(beach, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = imports.folder_import(owner=user, root=library)
    assert (again.added, again.rejected) == (0, 2)  # rejected files are looked at again: they may be fixed
    assert again.already_there == again.seen - 2
    assert Photo.objects.filter(owner=user).count() == 4


def test_an_interrupted_run_resumes_without_importing_anything_twice(user, library):
    def stop_after_three(report, item, outcome):
        if report.added == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        imports.folder_import(owner=user, root=library, progress=stop_after_three)
    assert Photo.objects.filter(owner=user).count() == 3
    resumed = imports.folder_import(owner=user, root=library)
    assert resumed.added == 1
    assert Photo.objects.filter(owner=user).count() == 4
    assert ImportedFile.objects.filter(owner=user, result="added").count() == 4


def test_a_dry_run_stores_nothing(user, library, media_root):
    report = imports.folder_import(owner=user, root=library, dry_run=True)
    assert (report.added, report.rejected) == (4, 2)
    assert not Photo.objects.filter(owner=user).exists() and not ImportedFile.objects.filter(owner=user).exists()
    assert not list(Path(media_root).rglob("*.*"))


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(path): (path.lstat().st_size, path.lstat().st_mtime_ns) for path in root.rglob("*")}


def test_in_place_references_the_files_and_writes_nothing_into_the_folder(user, library, browser_client):
    before = snapshot(library)
    report = imports.folder_import(owner=user, root=library, in_place=True)
    assert report.added == 4
    processing.photos_process_pending()
    assert snapshot(library) == before
    snow = Photo.objects.get(owner=user, original_name="snow.png")
    assert not snow.original and snow.external_path == str((library / "2023" / "winter" / "snow.png").resolve())
    assert snow.status == "ready" and snow.preview and snow.thumbnail
    assert browser_client.get(f"/api/v1/photos/{snow.pk}/original/").status_code == 200

    os.remove(snow.external_path)  # the library moved on
    page = browser_client.get(f"/photos/{snow.pk}/")
    assert page.status_code == 200 and b'id="original-missing"' in page.content and b"Download original" not in page.content
    missing = browser_client.get(f"/api/v1/photos/{snow.pk}/original/")
    assert missing.status_code == 404 and missing.json()["detail"] == "The file is missing from storage."
    assert browser_client.get(f"/api/v1/photos/{snow.pk}/preview/").status_code == 200
    assert browser_client.get(f"/api/v1/photos/{snow.pk}/").json()["original_available"] is False


def test_deleting_an_in_place_photo_leaves_its_file_alone(user, library):
    imports.folder_import(owner=user, root=library, in_place=True)
    photo = Photo.objects.get(owner=user, original_name="snow.png")
    photo.delete()
    assert (library / "2023" / "winter" / "snow.png").exists()


def test_the_command_reports_and_writes_a_report_file(user, library, tmp_path, capsys):
    out = tmp_path / "report.json"
    call_command("import_photos", str(library), user=user.username, report=out)
    printed = capsys.readouterr()
    assert "4 added" in printed.out and "2 rejected" in printed.out and "notes.txt" in printed.out
    assert "ETA" in printed.err or "files/s" in printed.err
    assert '"added": 4' in out.read_text()


def test_the_command_fails_clearly_on_a_bad_folder_or_user(user, library, tmp_path):
    with pytest.raises(CommandError, match="not a folder"):
        call_command("import_photos", str(tmp_path / "missing"), user=user.username)
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("import_photos", str(library), user="nobody")
