import pytest

from tests.factories import UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)
