"""Keyset cursors: opaque, bound to their ordering, refused when made up."""

from datetime import datetime
from datetime import timezone as dt_timezone

import pytest

from imagesearch.keyset import Cursor, InvalidCursor, cursor_decode, cursor_encode


def test_a_cursor_comes_back_as_it_went_to_the_microsecond():
    cursor = Cursor(value=datetime(1969, 7, 20, 20, 17, 40, 123456, tzinfo=dt_timezone.utc), id=42, backwards=True)
    assert cursor_decode(cursor_encode(cursor, ordering="-taken_at"), ordering="-taken_at") == cursor


@pytest.mark.parametrize("text", ["", "=", "%%%", "YQ", "x" * 201])
def test_made_up_cursors_are_refused(text):
    with pytest.raises(InvalidCursor) as error:
        cursor_decode(text, ordering="-taken_at")
    assert error.value.field == "cursor"


def test_a_cursor_of_another_ordering_is_refused():
    cursor = cursor_encode(Cursor(value=datetime(2024, 1, 1, tzinfo=dt_timezone.utc), id=1), ordering="-taken_at")
    with pytest.raises(InvalidCursor):
        cursor_decode(cursor, ordering="-created_at")
