"""Reads of albums: counts and covers leave the trash out; an album's photos in timeline order."""

from datetime import datetime
from datetime import timezone as dt_timezone

import pytest

from albums import selectors, services
from gallery.services.trash import photos_restore, photos_trash
from tests.factories import album_factory, photo_rows

UTC = dt_timezone.utc


def test_counts_and_covers_leave_trashed_photos_out(user):
    old, new = photo_rows(owner=user, taken=[datetime(2020, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)])
    album = album_factory(owner=user, photos=[old, new])
    empty = album_factory(owner=user, name="Empty")
    summaries = {s.album.pk: s for s in selectors.album_list(owner=user)}
    assert (summaries[album.pk].photos, summaries[album.pk].cover) == (2, new)  # the newest photo by default
    assert (summaries[empty.pk].photos, summaries[empty.pk].cover) == (0, None)

    services.album_update(album=album, cover=old)
    assert selectors.album_summary(album=album).cover == old
    photos_trash(photos=[old])
    summary = selectors.album_summary(album=album)
    assert (summary.photos, summary.cover) == (1, new)  # a trashed cover gives way
    assert list(selectors.album_photos(album=album)) == [new]
    photos_restore(photos=[old])
    assert selectors.album_summary(album=album).cover == old
    assert list(selectors.album_photos(album=album)) == [new, old]


def test_albums_of_a_photo_and_another_users_album_is_not_found(user, other_user):
    photo = photo_rows(owner=user, taken=[None])[0]
    album = album_factory(owner=user, photos=[photo])
    album_factory(owner=user, name="Without it")
    assert [s.album for s in selectors.albums_of_photo(photo=photo)] == [album]
    with pytest.raises(selectors.AlbumNotFound):
        selectors.album_get(owner=other_user, album_id=album.pk)
