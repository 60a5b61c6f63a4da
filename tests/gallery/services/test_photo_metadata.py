"""Metadata from upload to page: EXIF dates with and without offsets, camera and exposure, GPS to
an offline place, previews, and the backfill for photos stored before all this."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.core.management import call_command
from PIL import Image

from accounts.models import Profile
from gallery.models import Photo
from gallery.services import processing, uploads
from tests import images
from tests.images import ascii, raw_exif


def upload(owner, data: bytes, name="photo.jpg") -> Photo:
    outcome = uploads.photo_upload(owner=owner, file=images.upload(data, name=name))
    assert outcome.result == "added", outcome.error
    return outcome.photo


def ready(photo: Photo) -> Photo:
    processing.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == "ready", photo.error
    return photo


def test_a_phone_photo_keeps_its_moment_camera_exposure_and_place(user):
    photo = ready(upload(user, images.jpeg(exif=images.iphone_exif())))
    assert photo.taken_at == datetime(2024, 5, 6, 13, 30, 15, 250_000, tzinfo=UTC)
    assert (photo.taken_at_offset_minutes, photo.taken_at_source) == (60, "exif_offset")
    assert (photo.camera, photo.f_number, photo.iso, photo.focal_length_mm) == ("Apple iPhone 15 Pro", 1.8, 125, 6.86)
    assert (photo.city, photo.region, photo.country, photo.country_code) == ("Lisbon", "Lisbon", "Portugal", "PT")


def test_a_camera_time_without_offset_is_read_in_the_accounts_time_zone(user):
    Profile.objects.create(user=user, time_zone="America/New_York")
    exif = raw_exif({}, {0x9003: ascii("2024:01:15 09:00:00")})
    photo = upload(user, images.jpeg(exif=exif))
    assert photo.taken_at == datetime(2024, 1, 15, 9, tzinfo=ZoneInfo("America/New_York"))
    assert (photo.taken_at_source, photo.taken_at_offset_minutes) == ("exif_local", None)


def test_without_exif_an_upload_is_dated_when_it_arrived(user):
    photo = upload(user, images.png())
    assert photo.taken_at_source == "upload" and abs((photo.taken_at - photo.created_at).total_seconds()) < 5


def test_the_worker_makes_a_display_size_srgb_preview(user, settings):
    settings.PREVIEW_LONG_SIDE = 300
    photo = ready(upload(user, images.heic(900, 600, seed=4), name="IMG_1.HEIC"))
    with photo.preview.open("rb") as handle, Image.open(handle) as preview:
        assert preview.format == "JPEG" and preview.size == (300, 200)
    with photo.thumbnail.open("rb") as handle, Image.open(handle) as thumbnail:
        assert thumbnail.size == (300, 200)  # made from the same decoded image, never enlarged


def test_the_photo_page_shows_the_preview_and_the_facts(browser_client, user):
    photo = ready(upload(user, images.jpeg(exif=images.iphone_exif())))
    html = browser_client.get(f"/photos/{photo.pk}/").content.decode()
    assert f'src="/api/v1/photos/{photo.pk}/preview/"' in html
    assert f'src="/api/v1/photos/{photo.pk}/original/"' not in html  # the original is only for download
    assert "6 May 2024, 14:30" in html and "UTC+01:00" in html  # the camera's own clock
    assert "Apple iPhone 15 Pro" in html and "f/1.8 · 1/250 s · ISO 125 · 6.86 mm" in html
    assert "Lisbon, Portugal" in html and "Download original" in html


def test_the_api_returns_the_metadata(api_client, user):
    photo = ready(upload(user, images.jpeg(exif=images.iphone_exif())))
    body = api_client.get(f"/api/v1/photos/{photo.pk}/").json()
    assert body["taken_at"].startswith("2024-05-06T13:30:15") and body["taken_at_offset_minutes"] == 60
    assert body["taken_at_source"] == "exif_offset" and body["camera"] == "Apple iPhone 15 Pro"
    assert body["place"] == {"country_code": "PT", "country": "Portugal", "region": "Lisbon", "city": "Lisbon"}
    assert body["preview_url"].endswith(f"/api/v1/photos/{photo.pk}/preview/") and body["original_available"]
    preview = api_client.get(body["preview_url"])
    assert preview.status_code == 200 and preview["Content-Type"] == "image/jpeg"


def test_a_photo_without_gps_has_no_place(api_client, user):
    photo = ready(upload(user, images.jpeg()))
    assert api_client.get(f"/api/v1/photos/{photo.pk}/").json()["place"] is None


def test_the_backfill_brings_earlier_photos_up_to_date(user):
    photo = ready(upload(user, images.jpeg(exif=images.iphone_exif())))
    # As a photo stored before this change looks: no metadata read, no preview.
    Photo.objects.filter(pk=photo.pk).update(metadata_read=False, preview="", camera="", city="", country="",
                                             place_looked_up=False, taken_at_source="upload", latitude=None)
    call_command("backfill_photos")
    photo.refresh_from_db()
    assert photo.metadata_read and photo.camera == "Apple iPhone 15 Pro" and photo.taken_at_source == "exif_offset"
    assert photo.city == "Lisbon" and photo.preview
    call_command("backfill_photos")  # nothing left to do: safe to re-run
