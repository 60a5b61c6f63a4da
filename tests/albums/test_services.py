"""Albums: create, rename, describe, cover, add and remove photos, delete (photos stay)."""

import pytest

from albums import services
from albums.models import Album, AlbumPhoto
from gallery.models import Photo
from imagesearch.exceptions import ApplicationError
from tests.factories import album_factory, photo_rows


def test_create_cleans_the_name_and_refuses_a_second_album_of_the_same_name(user, other_user):
    album = services.album_create(owner=user, name="  Summer\t 2024 ", description=" At the sea ")
    assert (album.name, album.description) == ("Summer 2024", "At the sea")
    with pytest.raises(ApplicationError, match="already have an album"):
        services.album_create(owner=user, name="summer 2024")
    assert services.album_create(owner=other_user, name="Summer 2024").pk  # names are per owner
    for bad in ("", "   ", "x" * 121):
        with pytest.raises(ApplicationError) as error:
            services.album_create(owner=user, name=bad)
        assert error.value.field == "name"


def test_a_photo_can_be_in_many_albums_and_adding_twice_changes_nothing(user):
    first, second = photo_rows(owner=user, taken=[None, None])
    one, two = album_factory(owner=user, name="One"), album_factory(owner=user, name="Two")
    assert services.album_photos_add(album=one, photos=[first, second]) == {first.pk, second.pk}
    assert services.album_photos_add(album=one, photos=[first]) == set()
    assert services.album_photos_add(album=two, photos=[first]) == {first.pk}
    assert set(first.albums.all()) == {one, two}


def test_photos_of_another_owner_are_never_added(user, other_user):
    theirs = photo_rows(owner=other_user, taken=[None])[0]
    album = album_factory(owner=user)
    assert services.album_photos_add(album=album, photos=[theirs]) == set()
    assert not AlbumPhoto.objects.exists()


def test_remove_keeps_the_photos_and_resets_a_removed_cover(user):
    first, second = photo_rows(owner=user, taken=[None, None])
    album = album_factory(owner=user, photos=[first, second])
    services.album_update(album=album, cover=first)
    assert services.album_photos_remove(album=album, photos=[first]) == {first.pk}
    album.refresh_from_db()
    assert album.cover is None and list(album.photos.all()) == [second]
    assert Photo.objects.filter(pk=first.pk).exists()


def test_rename_describe_and_a_cover_must_be_in_the_album(user):
    inside, outside = photo_rows(owner=user, taken=[None, None])
    album = album_factory(owner=user, name="Old", photos=[inside])
    services.album_update(album=album, name="New", description="Words", cover=inside)
    album.refresh_from_db()
    assert (album.name, album.description, album.cover) == ("New", "Words", inside)
    with pytest.raises(ApplicationError, match="in the album"):
        services.album_update(album=album, cover=outside)
    services.album_update(album=album, cover=None)
    assert Album.objects.get(pk=album.pk).cover is None


def test_delete_an_album_keeps_its_photos(user):
    photo = photo_rows(owner=user, taken=[None])[0]
    album = album_factory(owner=user, photos=[photo])
    services.album_delete(album=album)
    assert not Album.objects.exists() and not AlbumPhoto.objects.exists()
    assert Photo.objects.filter(pk=photo.pk).exists()
