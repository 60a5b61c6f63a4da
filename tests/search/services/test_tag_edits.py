"""The owner's tag edits: names, limits, removals that stay removed."""

import pytest

from gallery.selectors import photo_get
from imagesearch.exceptions import ApplicationError, NotFound
from search.models import PhotoTag, PhotoTagVector
from search.selectors import tags as tag_selectors
from search.services import tag_edits, tagging
from tests.factories import ready_photo_factory


def visible(photo) -> dict[str, str]:
    return {tag.name: tag.source for tag in tag_selectors.photo_tags(photo=photo)}


def test_a_removed_tag_stays_removed_and_adding_it_back_restores_it(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name="beach")
    tag_edits.photo_tag_remove(photo=photo_get(owner=user, photo_id=photo.pk), name="Beach")
    assert "beach" not in visible(photo) and PhotoTag.objects.get(photo=photo, name="beach").hidden
    tagging.tags_mark_stale()
    tagging.tags_backfill()
    assert "beach" not in visible(photo)
    with pytest.raises(NotFound):
        tag_edits.photo_tag_remove(photo=photo_get(owner=user, photo_id=photo.pk), name="beach")
    tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name="beach")
    assert visible(photo)["beach"] == "user"


@pytest.mark.parametrize(("name", "stored"), [
    ("  Hot   Air Balloon ", "hot air balloon"), ("café", "café"), ("t-shirt", "t-shirt"), ("rock'n'roll", "rock'n'roll"),
    ("2024", "2024"),
])
def test_tag_names_are_normalised(name, stored):
    assert tag_edits.clean_tag_name(name) == stored


@pytest.mark.parametrize(("name", "message"), [
    ("", "Type a tag"), ("   ", "Type a tag"), ("x" * 41, "at most 40 characters"),
    ("<script>alert(1)</script>", "letters and digits"), ("a/b", "letters and digits"), ("one--two", "letters and digits"),
    ("under_score", "letters and digits"), ("one two three four five", "at most 4 words"), ("-dash", "letters and digits"),
])
def test_bad_tag_names_get_a_clear_message(name, message):
    with pytest.raises(ApplicationError, match=message):
        tag_edits.clean_tag_name(name)


def test_a_photo_has_at_most_fifty_tags(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    PhotoTag.objects.filter(photo=photo).delete()
    for number in range(tag_edits.VISIBLE_TAGS_MAX):
        tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name=f"tag {number}")
    with pytest.raises(ApplicationError, match="at most 50 tags"):
        tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name="one too many")


def test_a_tag_glove_does_not_know_is_kept_without_a_vector(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    PhotoTag.objects.filter(photo=photo).delete()
    tag = tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name="qxzzyv")
    assert tag.glove is None and visible(photo) == {"qxzzyv": "user"}
    assert not PhotoTagVector.objects.filter(photo=photo).exists()


def test_another_users_photo_cannot_be_tagged_or_untagged(user, other_user, vocabulary):
    photo = ready_photo_factory(owner=user)
    tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name="mine")
    with pytest.raises(NotFound):
        tag_edits.photo_tag_add(photo=photo_get(owner=other_user, photo_id=photo.pk), name="theirs")
    with pytest.raises(NotFound):
        tag_edits.photo_tag_remove(photo=photo_get(owner=other_user, photo_id=photo.pk), name="mine")
    assert visible(photo)["mine"] == "user" and "theirs" not in visible(photo)
