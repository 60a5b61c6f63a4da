"""The search box's small syntax, parsed (pure): words to search for, filters, negative terms.

    beach in:"Summer 2024" after:2023-06 before:2024 camera:iphone place:lisbon tag:dog
    is:favourite type:heic has:text -people

- `key:value` or `key:"a value with spaces"` (straight or curly quotes; an unclosed quote runs to
  the end). Keys are case-insensitive: in (album), after, before, on, camera, place, tag, is
  (favourite), type, has (text). `-key:value` negates tag, is and has.
- Dates: 2023, 2023-06 or 2023-06-15. `after:` keeps from the start of that year, month or day;
  `before:` keeps until its start (not including it); `on:` keeps that whole year, month or day.
- `-word` or `-"two words"`: a negative term. Until words-minus-words exists in the search
  itself, a negative term also leaves out photos with that tag (`exclude_tags`): the one reading
  of "-people" that is certainly right.
- Anything else is words. A mistake (an unknown key, a bad date, an empty value) is an error with
  a sentence for people, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from search.filters import FILE_TYPES, MAX_TAGS, TEXT_FILTER_MAX_LENGTH, PhotoFilters, file_type_name
from search.text import normalise_text

OPEN_QUOTES = "\"“”„«»"
CLOSE_QUOTES = {'"': '"', "“": "”", "”": "”", "„": "“", "«": "»", "»": "«"}
KEYS = ("in", "after", "before", "on", "camera", "place", "tag", "is", "type", "has")
KEY_ALIASES = {"album": "in", "from": "after", "until": "before", "taken": "on", "at": "place", "tags": "tag",
               "favorite": "is", "format": "type"}
FAVOURITE_WORDS = {"favourite", "favorite", "fav", "heart", "hearted", "starred"}
NEGATABLE = {"tag", "is", "has"}
_KEY = re.compile(r"^(-?)([A-Za-z]+):")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True)
class Chip:
    """One recognised filter or negative term, shown back on the results page: `query` is the
    search without it (the chip's "remove" link)."""

    label: str
    query: str
    kind: str


@dataclass(frozen=True)
class ParsedQuery:
    words: str  # what to search for (may be empty: filters alone)
    filters: PhotoFilters = field(default_factory=PhotoFilters)
    album_name: str | None = None  # `in:` names an album; search.selectors.filters.album_resolve finds it
    negative_terms: tuple[str, ...] = ()  # `-people`: for words minus words (see the module's note)
    chips: tuple[Chip, ...] = ()
    errors: tuple[str, ...] = ()


@dataclass
class _Token:
    text: str  # as typed
    negated: bool
    key: str | None  # a filter key (lower case), or None for words
    value: str


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The value of a quote opened at text[start]: (value, index after the closing quote)."""
    closing = CLOSE_QUOTES[text[start]]
    end = start + 1
    while end < len(text) and text[end] != closing and not (closing != '"' and text[end] == '"'):
        end += 1
    return text[start + 1:end], min(end + 1, len(text))


def _tokens(text: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        start = position
        negated = text[position] == "-" and position + 1 < len(text) and not text[position + 1].isspace()
        body = position + 1 if negated else position
        key = None
        match = _KEY.match(text[body:])
        if match and not match.group(1):
            key = match.group(2).lower()
            body += match.end()
        if body < len(text) and text[body] in OPEN_QUOTES:
            value, position = _read_quoted(text, body)
        else:
            position = body
            while position < len(text) and not text[position].isspace():
                position += 1
            value = text[body:position]
        tokens.append(_Token(text=text[start:position], negated=negated, key=key, value=value.strip()))
    return tokens


# The keys whose filters the filter panel shows; `-is:` and `-has:` it can't (its boxes only keep).
PANEL_KEYS = frozenset({"in", "after", "before", "on", "camera", "place", "is", "type", "has"})
PANEL_UNSHOWN_NEGATIONS = frozenset({"is", "has"})


def without_panel_filters(text: str) -> str:
    """What was typed, less the filters the panel shows: the search the panel's form carries, so
    that applying the panel (which shows those filters) makes its values the page's filters, and a
    filter cleared there is gone. Words, tags, negative terms and what the panel can't show stay."""
    tokens = _tokens((text or "").replace("\x00", ""))

    def shown(token: _Token) -> bool:
        key = KEY_ALIASES.get(token.key, token.key) if token.key else None
        return key in PANEL_KEYS and not (token.negated and key in PANEL_UNSHOWN_NEGATIONS)

    return " ".join(token.text for token in tokens if not shown(token))


def parse_date(text: str) -> tuple[date, date] | None:
    """ "2023" / "2023-06" / "2023-06-15" -> (its first day, the day after its end), or None."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return date(year, 1, 1), date(year + 1, 1, 1)
        if day is None:
            return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)
        start = date(year, month, day)
        return start, date.fromordinal(start.toordinal() + 1)
    except (ValueError, OverflowError):
        return None


def _date_label(text: str) -> str:
    start, _ = parse_date(text)
    parts = text.count("-")
    return str(start.year) if parts == 0 else start.strftime("%b %Y") if parts == 1 else start.strftime("%-d %b %Y")


def _without(tokens: list[_Token], skip: _Token) -> str:
    return " ".join(token.text for token in tokens if token is not skip)


def parse_query(text: str) -> ParsedQuery:
    """Parse what was typed in the search box (see the module's docstring)."""
    tokens = _tokens((text or "").replace("\x00", ""))  # NUL: PostgreSQL text cannot hold it
    words: list[str] = []
    changes: dict = {"tags": [], "exclude_tags": [], "file_types": []}
    chips: list[Chip] = []
    errors: list[str] = []
    negative: list[str] = []
    album_name = None

    def chip(label: str, token: _Token, kind: str) -> None:
        chips.append(Chip(label=label, query=_without(tokens, token), kind=kind))

    for token in tokens:
        key = KEY_ALIASES.get(token.key, token.key) if token.key else None
        value = token.value
        if key is None:
            if token.negated:
                if value:
                    negative.append(normalise_text(value))
                    changes["exclude_tags"].append(normalise_text(value)[:TEXT_FILTER_MAX_LENGTH])
                    chip(f"Not: {value}", token, "not")
            elif value:
                words.append(token.text if token.text[:1] not in OPEN_QUOTES else value)
            continue
        error = _filter_token(key, token, changes)
        if error:
            errors.append(error)
            continue
        if key == "in":
            album_name = value
        chip(_label(key, value, token.negated), token, key)

    if len(changes["tags"]) + len(changes["exclude_tags"]) > MAX_TAGS * 2:
        errors.append(f"At most {MAX_TAGS} tags to keep and {MAX_TAGS} to leave out.")
    after, before = changes.get("taken_after"), changes.get("taken_before")
    if after and before and after >= before:
        errors.append(f"The dates leave nothing: from {after:%-d %b %Y} but before {before:%-d %b %Y}.")
    filters = replace(PhotoFilters(), **{name: tuple(dict.fromkeys(value)) if isinstance(value, list) else value
                                         for name, value in changes.items()})
    return ParsedQuery(words=" ".join(words), filters=filters, album_name=album_name,
                       negative_terms=tuple(dict.fromkeys(negative)), chips=tuple(chips), errors=tuple(errors))


def _filter_token(key: str, token: _Token, changes: dict) -> str | None:
    """Apply one `key:value` token to `changes`; an error sentence when it can't be."""
    if key not in KEYS:
        return f"Unknown filter “{token.key}:”. Filters: {', '.join(k + ':' for k in KEYS)}."
    if not token.value:
        return f"“{token.key}:” needs a value, e.g. {_EXAMPLES[key]}."
    if token.negated and key not in NEGATABLE:
        return f"“-{token.key}:” can't be negated; only tag:, is: and has: can."
    if len(token.value) > TEXT_FILTER_MAX_LENGTH:
        return f"“{token.key}:” is too long (at most {TEXT_FILTER_MAX_LENGTH} characters)."
    return _HANDLERS[key](token.value, token.negated, changes)


def _label(key: str, value: str, negated: bool) -> str:
    if key == "after":
        return f"From {_date_label(value)}"
    if key == "before":
        return f"Before {_date_label(value)}"
    if key == "on":
        return f"In {_date_label(value)}"
    if key == "is":
        return "Not favourites" if negated else "Favourites"
    if key == "has":
        return "No text" if negated else "Has text"
    if key == "type":
        return f"Type: {file_type_name(value).upper()}"
    names = {"in": "Album", "camera": "Camera", "place": "Place", "tag": "Not tagged" if negated else "Tag"}
    return f"{names[key]}: {value}"


def _date_handler(which: str):
    def handle(value: str, negated: bool, changes: dict) -> str | None:
        period = parse_date(value)
        if period is None:
            return f"“{value}” is not a date; write a year, a month or a day: 2023, 2023-06 or 2023-06-15."
        if which in ("after", "on"):
            changes["taken_after"] = period[0]
        if which in ("before", "on"):
            changes["taken_before"] = period[1] if which == "on" else period[0]
        return None
    return handle


def _text_handler(name: str):
    def handle(value: str, negated: bool, changes: dict) -> str | None:
        changes[name] = " ".join(value.split())
        return None
    return handle


def _tag(value: str, negated: bool, changes: dict) -> str | None:
    changes["exclude_tags" if negated else "tags"].append(normalise_text(value))
    return None


def _is(value: str, negated: bool, changes: dict) -> str | None:
    if value.lower() not in FAVOURITE_WORDS:
        return f"“is:{value}” is not a filter; is:favourite keeps your favourites."
    changes["favourite"] = not negated
    return None


def _has(value: str, negated: bool, changes: dict) -> str | None:
    if value.lower() != "text":
        return f"“has:{value}” is not a filter; has:text keeps photos with text in them."
    changes["has_text"] = not negated
    return None


def _type(value: str, negated: bool, changes: dict) -> str | None:
    name = file_type_name(value)
    if name is None:
        return f"“type:{value}” is not a file type; choose one of: {', '.join(FILE_TYPES)}."
    changes["file_types"].append(name)
    return None


def _album(value: str, negated: bool, changes: dict) -> str | None:
    return None  # resolved against the owner's albums by the caller (ParsedQuery.album_name)


_HANDLERS = {"in": _album, "after": _date_handler("after"), "before": _date_handler("before"),
             "on": _date_handler("on"), "camera": _text_handler("camera"), "place": _text_handler("place"),
             "tag": _tag, "is": _is, "type": _type, "has": _has}
_EXAMPLES = {"in": 'in:"Summer 2024"', "after": "after:2023-06", "before": "before:2024", "on": "on:2023-08",
             "camera": "camera:iphone", "place": "place:lisbon", "tag": "tag:dog", "is": "is:favourite",
             "type": "type:heic", "has": "has:text"}


# --- The filter panel's parameters (pages; the API has gallery.serializers.PhotoFiltersSerializer) ---

PARAMETERS = ("taken_after", "taken_before", "album", "tag", "exclude_tag", "favourite", "camera", "place", "type",
              "has_text")
_TRUE, _FALSE = {"1", "true", "on", "yes"}, {"0", "false", "off", "no"}


def _flag(text: str, name: str, errors: list[str]) -> bool | None:
    value = text.strip().lower()
    if not value:
        return None
    if value in _TRUE | _FALSE:
        return value in _TRUE
    errors.append(f"{name}: “{text}” is not yes or no (true or false).")
    return None


def filters_from_params(params) -> tuple[PhotoFilters, int | None, tuple[str, ...]]:
    """The filter panel's query parameters (a QueryDict, or a dict of lists) -> (filters without
    the album, the album id asked for, errors). Dates as in the syntax: from the start of
    `taken_after`, before the start of `taken_before`."""
    def values(name: str) -> list[str]:
        got = params.getlist(name) if hasattr(params, "getlist") else params.get(name, [])
        # NUL can't be stored or compared in PostgreSQL text: a value of it alone filters nothing.
        return [value.replace("\x00", "") for value in got if value.replace("\x00", "").strip()]

    def value(name: str) -> str:
        got = values(name)
        return got[-1].strip() if got else ""

    errors: list[str] = []
    changes: dict = _param_dates(value("taken_after"), value("taken_before"), errors)
    album_id = None
    if value("album"):
        if value("album").isascii() and value("album").isdigit() and 0 < int(value("album")) < 2**63:
            album_id = int(value("album"))
        else:
            errors.append("album: choose one of your albums.")
    changes["tags"] = tuple(dict.fromkeys(normalise_text(tag)[:TEXT_FILTER_MAX_LENGTH] for tag in values("tag")))
    changes["exclude_tags"] = tuple(dict.fromkeys(normalise_text(tag)[:TEXT_FILTER_MAX_LENGTH]
                                                  for tag in values("exclude_tag")))
    for name, field_name in (("camera", "camera"), ("place", "place")):
        text = " ".join(value(name).split())
        if len(text) > TEXT_FILTER_MAX_LENGTH:
            errors.append(f"{name}: at most {TEXT_FILTER_MAX_LENGTH} characters.")
        elif text:
            changes[field_name] = text
    types = []
    for text in type_parts(values("type")):
        name = file_type_name(text)
        if name is None:
            errors.append(f"“{text}” is not a file type; choose one of: {', '.join(FILE_TYPES)}.")
        else:
            types.append(name)
    changes["file_types"] = tuple(dict.fromkeys(types))
    changes["favourite"] = _flag(value("favourite"), "favourite", errors)
    changes["has_text"] = _flag(value("has_text"), "has text", errors)
    return replace(PhotoFilters(), **changes), album_id, tuple(errors)


def type_parts(values: list[str]) -> list[str]:
    """The `type` parameter's values one type each: the panel's one choice may be several
    ("heic,jpeg", for those typed as type:heic type:jpeg)."""
    return [part for given in values for part in given.split(",") if part.strip()]


def _param_dates(after_text: str, before_text: str, errors: list[str]) -> dict:
    dates = {}
    for name, text in (("taken_after", after_text), ("taken_before", before_text)):
        if text:
            period = parse_date(text)
            if period is None:
                errors.append(f"“{text}” is not a date; write 2023, 2023-06 or 2023-06-15.")
            else:
                dates[name] = period[0]
    if len(dates) == 2 and dates["taken_after"] >= dates["taken_before"]:
        errors.append("The dates leave nothing: “from” must come before “before”.")
    return dates


def merged(typed: PhotoFilters, panel: PhotoFilters) -> PhotoFilters:
    """The search box's filters with the panel's over them (a value set in the panel wins)."""
    changes = {}
    for name in ("taken_after", "taken_before", "favourite", "camera", "place", "has_text"):
        if getattr(panel, name) is not None:
            changes[name] = getattr(panel, name)
    for name in ("tags", "exclude_tags", "file_types"):
        changes[name] = tuple(dict.fromkeys([*getattr(typed, name), *getattr(panel, name)]))
    return replace(typed, **changes)


def param_chips(filters: PhotoFilters) -> list[tuple[str, str, str | None]]:
    """The panel's filters as chips: (label, the parameter to drop, the value to drop or None)."""
    chips = []
    if filters.taken_after:
        chips.append((f"From {filters.taken_after:%-d %b %Y}", "taken_after", None))
    if filters.taken_before:
        chips.append((f"Before {filters.taken_before:%-d %b %Y}", "taken_before", None))
    if filters.album_id is not None:
        chips.append((f"Album: {filters.album_name or filters.album_id}", "album", None))
    chips += [(f"Tag: {tag}", "tag", tag) for tag in filters.tags]
    chips += [(f"Not tagged: {tag}", "exclude_tag", tag) for tag in filters.exclude_tags]
    if filters.favourite is not None:
        chips.append(("Favourites" if filters.favourite else "Not favourites", "favourite", None))
    if filters.camera:
        chips.append((f"Camera: {filters.camera}", "camera", None))
    if filters.place:
        chips.append((f"Place: {filters.place}", "place", None))
    chips += [(f"Type: {name.upper()}", "type", name) for name in filters.file_types]
    if filters.has_text is not None:
        chips.append(("Has text" if filters.has_text else "No text", "has_text", None))
    return chips


def filters_params(filters: PhotoFilters) -> dict[str, list[str]]:
    """PhotoFilters -> the panel's query parameters (for a link to the timeline with them)."""
    params = {"taken_after": [filters.taken_after.isoformat()] if filters.taken_after else [],
              "taken_before": [filters.taken_before.isoformat()] if filters.taken_before else [],
              "album": [str(filters.album_id)] if filters.album_id is not None else [],
              "tag": list(filters.tags), "exclude_tag": list(filters.exclude_tags),
              "favourite": [] if filters.favourite is None else [str(filters.favourite).lower()],
              "camera": [filters.camera] if filters.camera else [], "place": [filters.place] if filters.place else [],
              "type": list(filters.file_types),
              "has_text": [] if filters.has_text is None else [str(filters.has_text).lower()]}
    return {name: values for name, values in params.items() if values}
