import itertools

import factory
from django.contrib.auth import get_user_model

from accounts.services import tokens
from albums.services import album_create, album_photos_add
from gallery.models import Photo
from gallery.services import processing, uploads
from search.models import PhotoTag
from search.services import tag_edits
from tests import images

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(user, create, extracted, **kwargs):
        if create:
            user.save()


def api_token_factory(*, user, name: str = "tests", expires_in_days: int | None = None) -> str:
    """A new API token of `user`, made by the real service; returns the key (Authorization: Token <key>)."""
    return tokens.api_token_create(user=user, name=name, expires_in_days=expires_in_days).key


_seed = iter(range(10_000, 10**9))


def photo_factory(*, owner, data: bytes | None = None, name: str = "photo.jpg"):
    """A photo stored through the real upload service (pending until processed)."""
    outcome = uploads.photo_upload(owner=owner, file=images.upload(data or images.jpeg(seed=next(_seed)), name=name))
    assert outcome.photo is not None, outcome.error
    return outcome.photo


def ready_photo_factory(*, owner, data: bytes | None = None, name: str = "photo.jpg"):
    photo = photo_factory(owner=owner, data=data, name=name)
    processing.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == "ready", photo.error
    return photo

def tagged_photo(owner, *names, seed=0):
    """A ready photo whose only tags are the given ones (added by the owner)."""
    photo = ready_photo_factory(owner=owner, data=images.jpeg(120, 90, seed=seed))
    PhotoTag.objects.filter(photo=photo).delete()
    for name in names:
        tag_edits.photo_tag_add(photo=photo, name=name)
    return photo


_row_numbers = itertools.count(1)


def photo_rows(*, owner, taken: list, **fields) -> list:
    """Ready photo rows without files, one per date taken (None: unknown, as for photos stored
    before dates were read), fast: for the library's lists and their order."""
    numbers = [next(_row_numbers) for _ in taken]  # never shared between calls: sha256 is unique per owner
    return Photo.objects.bulk_create([
        Photo(owner=owner, original=f"originals/rows/{number}.jpg", original_name=f"row-{i}.jpg",
              sha256=f"{number:064d}", content_type="image/jpeg", file_size=1, width=1, height=1,
              status=Photo.Status.READY, taken_at=moment, **fields)
        for i, (number, moment) in enumerate(zip(numbers, taken))])


def album_factory(*, owner, name: str | None = None, photos=()):
    album = album_create(owner=owner, name=name or f"album {next(_seed)}")
    if photos:
        album_photos_add(album=album, photos=list(photos))
    return album
