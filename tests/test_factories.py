"""The factories themselves: what many tests lean on."""

import pytest

from tests.factories import UserFactory, photo_rows


@pytest.mark.django_db
def test_photo_rows_can_be_called_twice_for_one_owner():
    owner = UserFactory()
    first = photo_rows(owner=owner, taken=[None, None])
    second = photo_rows(owner=owner, taken=[None, None, None])
    assert len({photo.sha256 for photo in first + second}) == 5
