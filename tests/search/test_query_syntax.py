"""The search box's syntax (search.query_syntax): words, filters, negative terms, chips, errors."""

from datetime import date

import pytest

from search.filters import PhotoFilters
from search.query_syntax import filters_from_params, merged, parse_date, parse_query, without_panel_filters

FULL = ('beach in:"Summer 2024" after:2023-06 before:2024 camera:iphone place:lisbon tag:dog is:favourite '
        'type:heic has:text -people')


def test_the_full_example_parses_into_words_filters_and_a_negative_term():
    parsed = parse_query(FULL)
    assert parsed.errors == ()
    assert parsed.words == "beach"
    assert parsed.album_name == "Summer 2024"
    assert parsed.negative_terms == ("people",)
    assert parsed.filters == PhotoFilters(taken_after=date(2023, 6, 1), taken_before=date(2024, 1, 1), tags=("dog",),
                                          exclude_tags=("people",), favourite=True, camera="iphone", place="lisbon",
                                          file_types=("heic",), has_text=True)
    assert [chip.label for chip in parsed.chips] == [
        "Album: Summer 2024", "From Jun 2023", "Before 2024", "Camera: iphone", "Place: lisbon", "Tag: dog",
        "Favourites", "Type: HEIC", "Has text", "Not: people"]


def test_each_chip_removes_exactly_its_own_term():
    parsed = parse_query(FULL)
    for chip in parsed.chips:
        again = parse_query(chip.query)
        assert again.errors == () and again.words == "beach"
        assert len(again.chips) == len(parsed.chips) - 1
        assert chip.label not in [c.label for c in again.chips]


@pytest.mark.parametrize("text, words, field, value", [
    ('in:"Summer 2024"', "", "album_name", "Summer 2024"),
    ("in:“Été 2024”", "", "album_name", "Été 2024"),  # curly quotes, as phones type them
    ("IN:Trips", "", "album_name", "Trips"),  # keys in any case
    ('place:"são paulo', "", "place", "são paulo"),  # an unclosed quote runs to the end
    ('"red car" tag:Dog', "red car", "tags", ("dog",)),
    ("-tag:cat -is:fav -has:text", "", "exclude_tags", ("cat",)),
    ("12:30 sunset", "12:30 sunset", "words", "12:30 sunset"),  # a colon after digits is words
    ("type:JPG type:heif", "", "file_types", ("jpeg", "heic")),
    ("on:2023-02", "", "taken_before", date(2023, 3, 1)),
    ("on:2023-12", "", "taken_before", date(2024, 1, 1)),
    ("after:2024-02-29", "", "taken_after", date(2024, 2, 29)),
    ("猫 camera:ソニー", "猫", "camera", "ソニー"),
])
def test_forms_of_terms(text, words, field, value):
    parsed = parse_query(text)
    assert parsed.errors == ()
    assert parsed.words == words
    got = getattr(parsed, field) if hasattr(parsed, field) else getattr(parsed.filters, field)
    assert got == value


@pytest.mark.parametrize("text, message", [
    ("beach colour:red", "Unknown filter “colour:”"),
    ("after:2023-13", "is not a date"),
    ("before:2023-02-30", "is not a date"),
    ("after:yesterday", "is not a date"),
    ("after:2024 before:2023", "The dates leave nothing"),
    ("camera:", "needs a value"),
    ('in:""', "needs a value"),
    ("-camera:iphone", "can't be negated"),
    ("is:archived", "is:favourite"),
    ("has:faces", "has:text"),
    ("type:raw", "is not a file type"),
    ("place:" + "x" * 65, "too long"),
])
def test_mistakes_are_sentences_not_guesses(text, message):
    parsed = parse_query(text)
    assert len(parsed.errors) == 1 and message in parsed.errors[0], parsed.errors


def test_dates_are_periods():
    assert parse_date("2023") == (date(2023, 1, 1), date(2024, 1, 1))
    assert parse_date("2023-06") == (date(2023, 6, 1), date(2023, 7, 1))
    assert parse_date("2023-06-30") == (date(2023, 6, 30), date(2023, 7, 1))
    assert parse_date("2023-6") == (date(2023, 6, 1), date(2023, 7, 1))
    for bad in ("", "23", "2023-00", "2023/06", "0000", "2023-06-15T10:00"):
        assert parse_date(bad) is None


def test_empty_and_plain_queries_have_no_filters():
    assert parse_query("").words == "" and parse_query("").filters.is_empty
    plain = parse_query("dog on a beach")
    assert plain.words == "dog on a beach" and plain.filters.is_empty and plain.chips == ()


def test_panel_parameters_and_their_mistakes():
    filters, album, errors = filters_from_params({"taken_after": ["2023-06-01"], "album": ["7"], "type": ["HEIC"],
                                                  "favourite": ["true"], "has_text": ["0"], "camera": ["  x100 "]})
    assert errors == () and album == 7
    assert filters == PhotoFilters(taken_after=date(2023, 6, 1), file_types=("heic",), favourite=True, has_text=False,
                                   camera="x100")
    _, album, errors = filters_from_params({"album": ["abc"], "favourite": ["maybe"], "taken_before": ["2023-99"]})
    assert album is None and len(errors) == 3


def test_panel_values_win_over_typed_ones():
    typed = parse_query("dog camera:iphone tag:a").filters
    panel = PhotoFilters(camera="pixel", tags=("b",))
    assert merged(typed, panel) == PhotoFilters(camera="pixel", tags=("a", "b"))


def test_the_panels_form_carries_the_search_less_the_filters_it_shows():
    typed = ('beach in:"Summer 2024" after:2023-06 on:2023 camera:iphone place:"são paulo" tag:dog is:favourite '
             "type:heic has:text -people")
    assert without_panel_filters(typed) == "beach tag:dog -people"
    # What the panel can't show stays typed: its boxes only keep (favourites, photos with text).
    assert without_panel_filters("dog -is:favourite -has:text -tag:cat Favorite:fav at:Lisbon") == (
        "dog -is:favourite -has:text -tag:cat")
    assert without_panel_filters("") == ""


def test_the_panels_one_type_choice_may_be_several_types():
    filters, _, errors = filters_from_params({"type": ["heic,JPG", "png"]})
    assert errors == () and filters.file_types == ("heic", "jpeg", "png")
    _, _, errors = filters_from_params({"type": ["heic,raw"]})
    assert errors == ("“raw” is not a file type; choose one of: jpeg, png, heic, webp, gif, tiff, bmp, avif.",)
