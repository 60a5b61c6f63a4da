"""The filters of a page (the results pages and the timeline): the panel's parameters and the
search box's syntax, checked against the owner's albums, with the chips that show them back."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.http import QueryDict

from imagesearch.exceptions import NotFound
from search.filters import FILE_TYPES, PhotoFilters, file_type_name
from search.query_syntax import PARAMETERS as PANEL_PARAMETERS
from search.query_syntax import ParsedQuery, filters_from_params, merged, param_chips, type_parts, without_panel_filters
from search.selectors.filters import album_choices, filters_for_owner

# Parameters that are a position in a list, not a filter: a removed chip starts the list again.
POSITION_PARAMETERS = ("offset", "cursor", "month", "page")
# The filter parameters the panel has a field for (the others, tag and exclude_tag, ride along hidden).
PANEL_FIELDS = ("taken_after", "taken_before", "album", "favourite", "camera", "place", "type", "has_text")


@dataclass
class PageFilters:
    filters: PhotoFilters
    chips: list[dict] = field(default_factory=list)  # {"label", "url"}: the page without that filter
    errors: list[str] = field(default_factory=list)
    panel: dict = field(default_factory=dict)  # the panel's current values
    albums: list[tuple[int, str]] = field(default_factory=list)
    file_types: tuple[str, ...] = tuple(FILE_TYPES)
    keep: list[tuple[str, str]] = field(default_factory=list)  # the page's parameters the panel has no field
    # for (q, tag, sort, …), as hidden fields of its form
    carried: list[tuple[str, str]] = field(default_factory=list)  # the panel's parameters, for the page's other forms


def _url(path: str, query: QueryDict) -> str:
    text = query.urlencode()
    return f"{path}?{text}" if text else path


def page_filters(*, owner, path: str, params: QueryDict, typed: ParsedQuery | None = None) -> PageFilters:
    """The filters the page's parameters (and the search box's `typed` syntax) ask for."""
    panel, album_id, errors = filters_from_params(params)
    errors = [*errors, *(typed.errors if typed else ())]
    filters = merged(typed.filters, panel) if typed else panel
    if album_id is not None:
        filters = replace(filters, album_id=album_id)
    try:
        filters = filters_for_owner(owner=owner, filters=filters,
                                    album_name=typed.album_name if typed and album_id is None else None)
    except NotFound as exc:
        errors.append(exc.message)
    base = params.copy()
    for name in POSITION_PARAMETERS:
        base.pop(name, None)
    chips = []
    for chip in typed.chips if typed else ():
        query = base.copy()
        query["q"] = chip.query
        chips.append({"label": chip.label, "url": _url(path, query)})
    for label, name, value in param_chips(panel if album_id is None else replace_album(panel, filters, album_id)):
        query = base.copy()
        if value is None:
            query.pop(name, None)
        else:
            query.setlist(name, _values_without(name, query.getlist(name), value))
        chips.append({"label": label, "url": _url(path, query)})
    # The panel shows those filters typed in `q` now: applied, its values hold.
    search = without_panel_filters if typed and not errors else str
    keep = [(name, search(value) if name == "q" else value) for name in params for value in params.getlist(name)
            if name not in PANEL_FIELDS + POSITION_PARAMETERS]
    carried = [(name, value) for name in PANEL_PARAMETERS for value in params.getlist(name)]
    panel = _panel_values(filters) if not errors else {name: params.get(name, "") for name in PANEL_FIELDS}
    return PageFilters(filters=filters, chips=chips, errors=errors, albums=album_choices(owner=owner), keep=keep,
                       carried=carried, panel=panel)


def _panel_values(filters: PhotoFilters) -> dict:
    """The panel's fields for the filters in effect, typed or chosen there (a mistake shows what
    was sent instead). Several types are one choice ("heic,jpeg"), as the select offers them."""
    return {"taken_after": filters.taken_after.isoformat() if filters.taken_after else "",
            "taken_before": filters.taken_before.isoformat() if filters.taken_before else "",
            "album": "" if filters.album_id is None else str(filters.album_id),
            "favourite": "true" if filters.favourite else "", "has_text": "true" if filters.has_text else "",
            "camera": filters.camera or "", "place": filters.place or "", "type": ",".join(filters.file_types),
            "type_label": " or ".join(name.upper() for name in filters.file_types)}


def _values_without(name: str, values: list[str], value: str) -> list[str]:
    """A parameter's values less the one a chip removes; types as the panel sends them too
    ("heic,jpeg", "JPG")."""
    if name == "type":
        return [part for part in type_parts(values) if file_type_name(part) != value]
    return [given for given in values if given.strip().lower() != value]


def replace_album(panel: PhotoFilters, filters: PhotoFilters, album_id: int) -> PhotoFilters:
    return replace(panel, album_id=album_id, album_name=filters.album_name if filters.album_id == album_id else "")
