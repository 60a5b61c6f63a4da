"""Favourites: the heart on a photo."""

from gallery.models import Photo
from gallery.selectors import photo_list
from gallery.services.favourites import photos_favourite_set
from tests.factories import photo_rows


def test_hearts_go_on_and_off_and_say_what_changed(user):
    first, second = photo_rows(owner=user, taken=[None, None])
    assert photos_favourite_set(photos=[first], favourite=True) == {first.pk}
    assert photos_favourite_set(photos=[first, second], favourite=True) == {second.pk}
    assert set(photo_list(owner=user, favourite=True)) == {first, second}
    assert photos_favourite_set(photos=[first], favourite=False) == {first.pk}
    assert list(Photo.objects.filter(favourite=True)) == [second]
