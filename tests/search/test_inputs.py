"""Search input checks (pure): query text and crop boxes."""

import math

import pytest

from imagesearch.exceptions import ApplicationError
from search.inputs import MAX_QUERY_LENGTH, clean_box, clean_query, parse_box


@pytest.mark.parametrize("text, parts", [
    ("0.1,0.2,0.6,0.7", ["0.1", "0.2", "0.6", "0.7"]),
    (" [0.1, 0.2 ,0.6,0.7] ", ["0.1", "0.2", "0.6", "0.7"]),
    ("", []),
    ("   ", []),
    ("1,2", ["1", "2"]),  # the count is clean_box's to check
])
def test_parse_box_splits_the_form_value(text, parts):
    assert parse_box(text) == parts


def test_a_good_box_comes_back_as_floats():
    assert clean_box(["0.1", "0.2", "0.6", "0.7"], width=1000, height=1000) == (0.1, 0.2, 0.6, 0.7)


@pytest.mark.parametrize("box, message", [
    (["a", "b", "c", "d"], "four numbers"),
    ([0.1, 0.2, 0.3], "four numbers"),
    (None, "four numbers"),
    ([0.1, 0.2, 1.5, 0.7], "inside the photo"),
    ([-0.1, 0.2, 0.5, 0.7], "inside the photo"),
    ([0.1, 0.2, math.nan, 0.7], "inside the photo"),
    ([0.1, 0.2, math.inf, 0.7], "inside the photo"),
    ([0.6, 0.2, 0.1, 0.7], "empty"),
    ([0.1, 0.2, 0.6, 0.2], "empty"),
    ([0.1, 0.1, 0.11, 0.5], "too small"),
])
def test_bad_boxes_get_a_clear_message(box, message):
    with pytest.raises(ApplicationError, match=message) as caught:
        clean_box(box, width=1000, height=1000)
    assert caught.value.field == "box"


def test_the_minimum_region_is_measured_in_the_photos_pixels():
    box = [0.0, 0.0, 0.2, 0.2]
    assert clean_box(box, width=100, height=100)  # 20 x 20 pixels
    with pytest.raises(ApplicationError, match="too small"):
        clean_box(box, width=50, height=50)  # 10 x 10 pixels


def test_queries_are_trimmed_and_bounded():
    assert clean_query("  dog   on a\tbeach ") == "dog on a beach"
    with pytest.raises(ApplicationError, match="Type something"):
        clean_query("   ")
    with pytest.raises(ApplicationError, match="too long"):
        clean_query("x" * (MAX_QUERY_LENGTH + 1))
