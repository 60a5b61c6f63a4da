"""Reading text in photos with the real recogniser, on images rendered here."""

import pytest
from django.core.management import CommandError, call_command

from benchmarks.text_images import plain_text_image
from gallery.models import Photo
from gallery.services import processing
from gallery.services.trash import photos_trash
from search.models import PhotoText
from search.selectors import photo_search, photo_text
from search.services import photo_text as text_services
from tests.factories import photo_factory, ready_photo_factory

TEXT_MODE = {"options": photo_search.SearchOptions(limit=10), "mode": "text"}


@pytest.fixture
def ocr_on(settings):
    settings.OCR_ENABLED = True


def _read():
    return text_services.photo_texts_read(yield_to_ingest=False)


def test_the_text_of_a_photo_is_read_with_its_boxes_and_found_by_its_words(user, ocr_on):
    photo = ready_photo_factory(owner=user, data=plain_text_image(["PARKING LEVEL 3B", "Café Lisboa"]))
    assert _read() == 1
    text = PhotoText.objects.get(photo=photo)
    assert text.has_text and text.owner == user and text.engine == "rapidocr-onnxruntime 1.4.4 PP-OCRv4"
    lines = text.lines
    assert [line["text"].replace(" ", "").lower() for line in lines] == ["parkinglevel3b", "cafélisboa"]
    first = lines[0]["quad"]  # the first line is drawn at the top left of a 900 x 600 image
    assert len(first) == 4 and all(0 <= x <= 1 and 0 <= y <= 1 for x, y in first)
    assert first[0][0] < 0.1 and first[0][1] < 0.15 and first[2][1] < 0.25 and 0.5 < first[1][0] < 0.95
    assert all(0.5 <= line["confidence"] <= 1 for line in lines)
    for query in ("parking level", "PARKINGLEVEL", "lisboa", "cafe", "café lisb", "level 3b"):
        result = photo_search.search_text(owner=user, text=query, **TEXT_MODE)
        assert [item.photo.pk for item in result.results] == [photo.pk], query
    assert _read() == 0  # nothing left to read


def test_a_photo_without_text_is_read_once_and_found_by_nothing(user, ocr_on):
    photo = ready_photo_factory(owner=user, data=plain_text_image([]))
    assert _read() == 1
    assert not PhotoText.objects.get(photo=photo).has_text and PhotoText.objects.get(photo=photo).text == ""
    assert photo_search.search_text(owner=user, text="parking", **TEXT_MODE).results == []
    assert _read() == 0


def test_text_is_read_after_the_photo_is_ready_and_searchable(user, ocr_on):
    photo = photo_factory(owner=user, data=plain_text_image(["HARBOUR MUSEUM"]))
    processing.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY and not PhotoText.objects.filter(photo=photo).exists()
    clip = photo_search.search_text(owner=user, text="harbour museum", options=photo_search.SearchOptions(), mode="clip")
    assert [item.photo.pk for item in clip.results] == [photo.pk]  # searchable by CLIP already
    assert photo_text.photo_text_progress(owner=user) == {"enabled": True, "read": 0, "total": 1, "waiting": 1,
                                                          "with_text": 0}
    _read()
    assert PhotoText.objects.get(photo=photo).read_at > photo.processed_at
    assert photo_text.photo_text_progress(owner=user)["read"] == 1


def test_the_reader_yields_while_photos_wait_for_processing(user, ocr_on):
    ready_photo_factory(owner=user, data=plain_text_image(["EXIT"]))
    photo_factory(owner=user)  # pending: ingest goes first
    assert text_services.photo_texts_read() == 0
    processing.photos_process_pending()
    assert text_services.photo_texts_read() == 2


def test_trashed_photos_are_not_read(user, ocr_on):
    photo = ready_photo_factory(owner=user, data=plain_text_image(["EXIT"]))
    photos_trash(photos=[photo])
    assert _read() == 0 and not PhotoText.objects.exists()


def test_with_ocr_off_nothing_is_queued_and_text_waits(user, settings):
    settings.OCR_ENABLED = False
    ready_photo_factory(owner=user, data=plain_text_image(["EXIT"]))
    assert text_services.photo_text_enqueue() is False
    assert text_services.photo_text_enqueue_if_waiting() is False
    assert photo_text.photo_text_progress(owner=user)["enabled"] is False
    assert not PhotoText.objects.exists()


def test_read_text_command_reads_what_waits_and_rereads_with_all(user, other_user, capsys):
    mine = ready_photo_factory(owner=user, data=plain_text_image(["BAKERY"]))
    theirs = ready_photo_factory(owner=other_user, data=plain_text_image(["PHARMACY"]))
    call_command("read_text", "--user", user.username)
    assert set(PhotoText.objects.values_list("photo_id", flat=True)) == {mine.pk}
    first = PhotoText.objects.get(photo=mine).read_at
    call_command("read_text")
    assert set(PhotoText.objects.values_list("photo_id", flat=True)) == {mine.pk, theirs.pk}
    call_command("read_text", "--all", "--user", user.username)
    assert PhotoText.objects.get(photo=mine).read_at > first
    assert "read 1/1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No user named"):
        call_command("read_text", "--user", "nobody-here")
