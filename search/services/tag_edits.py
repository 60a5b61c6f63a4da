"""Writes of the owner's tag edits: adding their own tags, removing any (removals stay)."""

from __future__ import annotations

import re

from django.db import transaction

from gallery.models import Photo
from imagesearch.exceptions import ApplicationError
from search.models import TAG_NAME_MAX_LENGTH, PhotoTag
from search.selectors.tags import TagNotFound
from search.selectors.words import phrase_glove_vector
from search.services.tag_vectors import tag_vectors_update
from search.text import normalise_text

# Visible tags of any source on one photo (automatic ones alone stop at settings.TAG_MAX_PER_PHOTO).
VISIBLE_TAGS_MAX = 50
TAG_MAX_WORDS = 4
_TAG_NAME = re.compile(r"[^\W_]+(?:[ '\-][^\W_]+)*")


def clean_tag_name(name) -> str:
    """A tag as typed to its stored form (lowercase, single spaces), or a clear error."""
    text = normalise_text(str(name or ""))
    if not text:
        raise ApplicationError("Type a tag: a word or a short phrase.", field="name")
    if len(text) > TAG_NAME_MAX_LENGTH:
        raise ApplicationError(f"A tag can be at most {TAG_NAME_MAX_LENGTH} characters ({len(text)} given).",
                               field="name")
    if not _TAG_NAME.fullmatch(text):
        raise ApplicationError("A tag can use letters and digits, with single spaces, hyphens or apostrophes "
                               "between words.", field="name")
    if len(text.split()) > TAG_MAX_WORDS:
        raise ApplicationError(f"A tag can be at most {TAG_MAX_WORDS} words.", field="name")
    return text


def photo_tag_add(*, photo: Photo, name: str) -> PhotoTag:
    """Add the owner's own tag to a photo (or keep an automatic one of that name for good)."""
    name = clean_tag_name(name)
    with transaction.atomic():
        # The photo's row serialises edits (and re-tagging) of its tags: no duplicate-name race.
        Photo.objects.select_for_update().filter(pk=photo.pk).first()
        tag = PhotoTag.objects.filter(photo=photo, name=name).first()
        if tag is None:
            if PhotoTag.objects.filter(photo=photo, hidden=False).count() >= VISIBLE_TAGS_MAX:
                raise ApplicationError(f"A photo can have at most {VISIBLE_TAGS_MAX} tags.", field="name")
            tag = PhotoTag.objects.create(photo=photo, owner_id=photo.owner_id, name=name,
                                          source=PhotoTag.Source.USER, glove=phrase_glove_vector(name))
        elif tag.hidden or tag.source != PhotoTag.Source.USER:
            tag.hidden, tag.source = False, PhotoTag.Source.USER
            tag.save(update_fields=["hidden", "source"])
        tag_vectors_update(photo_ids=[photo.pk])
    return tag


def photos_tag_add(*, photos: list[Photo], name: str) -> tuple[set[int], dict[int, str]]:
    """Add the owner's own tag to several photos (a bulk action): returns the ids that got it and
    the ids refused with the reason (a photo with the most tags it may have)."""
    name = clean_tag_name(name)
    had = set(PhotoTag.objects.filter(photo__in=photos, name=name, hidden=False, source=PhotoTag.Source.USER)
              .values_list("photo_id", flat=True))
    added, refused = set(), {}
    for photo in photos:
        if photo.pk in had:
            continue
        try:
            photo_tag_add(photo=photo, name=name)
        except ApplicationError as exc:
            refused[photo.pk] = exc.message
        else:
            added.add(photo.pk)
    return added, refused


def photo_tag_remove(*, photo: Photo, name: str) -> PhotoTag:
    """Remove a tag from a photo. The row stays, hidden, so that tagging the photo again never
    brings the name back. Returns the removed tag."""
    cleaned = normalise_text(str(name or ""))
    with transaction.atomic():
        # No tag holds a NUL (PostgreSQL text cannot even be compared with one).
        tags = PhotoTag.objects.select_for_update().filter(photo=photo, name=cleaned, hidden=False)
        tag = tags.first() if "\x00" not in cleaned else None
        if tag is None:
            raise TagNotFound(f"This photo has no tag {cleaned!r}.")
        tag.hidden = True
        tag.save(update_fields=["hidden"])
        tag_vectors_update(photo_ids=[photo.pk])
    return tag
