"""Keyset (cursor) pagination over querysets ordered by (a timestamp, id).

A page is one range scan of an index on (owner, timestamp, id), wherever it starts: page 1,000 costs
what page 1 costs, and nothing counts rows (offset pagination reads and drops every row before the
page, and its page numbers need a COUNT). A cursor names a position between two rows, in either
direction: "the rows after this one" (further down the list) or "the rows before it" (back up).
Cursors are opaque to clients; they carry the ordering they belong to, so a cursor of one list
ordering is refused by another.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Q, QuerySet

from imagesearch.exceptions import ApplicationError

EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
MICROSECOND = timedelta(microseconds=1)
CURSOR_MAX_LENGTH = 200


class InvalidCursor(ApplicationError):
    def __init__(self, message: str = "This cursor is not valid for this list; start again without it."):
        super().__init__(message, field="cursor")


@dataclass(frozen=True)
class Cursor:
    """A position just past the row (value, id); `backwards`: the rows before it instead of after."""

    value: datetime
    id: int
    backwards: bool = False


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None  # the rows after the last item, when there are some
    previous_cursor: str | None  # the rows before the first item, when there are some


def cursor_encode(cursor: Cursor, *, ordering: str) -> str:
    micros = (cursor.value - EPOCH) // MICROSECOND
    text = f"{ordering}|{'b' if cursor.backwards else 'a'}|{micros}|{cursor.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_decode(text: str, *, ordering: str) -> Cursor:
    """The cursor a client sent back, or InvalidCursor (a 400 in the API)."""
    if not text or len(text) > CURSOR_MAX_LENGTH:
        raise InvalidCursor()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        name, direction, micros, row_id = raw.split("|")
        value = EPOCH + int(micros) * MICROSECOND
        cursor = Cursor(value=value, id=int(row_id), backwards=direction == "b")
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
        raise InvalidCursor() from None
    if name != ordering or direction not in "ab" or not 0 <= cursor.id < 2**63:
        raise InvalidCursor()
    return cursor


def keyset_filter(field: str, value, row_id: int, *, greater: bool) -> Q:
    """(field, id) > (value, row_id), or <, written so that the index range starts at `value`: the
    plain `field >= value` bound is what PostgreSQL turns into the index condition."""
    op, bound = ("gt", "gte") if greater else ("lt", "lte")
    return Q(**{f"{field}__{bound}": value}) & (Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": row_id}))


def keyset_page(queryset: QuerySet, *, field: str, descending: bool, ordering: str, limit: int,
                cursor: Cursor | None = None) -> KeysetPage:
    """One page of `queryset` ordered by (field, id), descending or not, from `cursor` on."""
    backwards = cursor is not None and cursor.backwards
    # Walking backwards through a descending list is walking forwards through the ascending one.
    ascending_scan = descending == backwards
    order = (field, "id") if ascending_scan else (f"-{field}", "-id")
    rows = queryset
    if cursor is not None:
        rows = rows.filter(keyset_filter(field, cursor.value, cursor.id, greater=ascending_scan))
    items = list(rows.order_by(*order)[:limit + 1])
    more = len(items) > limit
    items = items[:limit]
    if backwards:
        items.reverse()
    if not items:
        return KeysetPage(items=[], next_cursor=None, previous_cursor=None)

    def position(item, *, before: bool) -> str:
        return cursor_encode(Cursor(value=getattr(item, field), id=item.id, backwards=before), ordering=ordering)

    def rows_exist(item, *, before: bool) -> bool:
        greater = descending == before  # before the first item of a descending list: greater keys
        return queryset.filter(keyset_filter(field, getattr(item, field), item.id, greater=greater)).exists()

    first, last = items[0], items[-1]
    if backwards:
        previous_cursor = position(first, before=True) if more else None
        next_cursor = position(last, before=False) if rows_exist(last, before=False) else None
    else:
        next_cursor = position(last, before=False) if more else None
        previous_cursor = (position(first, before=True)
                           if cursor is not None and rows_exist(first, before=True) else None)
    return KeysetPage(items=items, next_cursor=next_cursor, previous_cursor=previous_cursor)
