"""Filters on the pages: typed syntax shown back as removable chips, the filter panel, the
timeline filtered, mistakes and other users' albums as visible messages."""

from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from gallery.models import Photo
from tests import images
from tests.factories import album_factory, photo_rows, ready_photo_factory


@pytest.fixture
def gallery(user):
    photos = [ready_photo_factory(owner=user, data=images.jpeg(120, 90, seed=s)) for s in range(3)]
    Photo.objects.filter(pk=photos[0].pk).update(camera="Apple iPhone 13", favourite=True)
    return photos


def test_typed_filters_narrow_the_results_and_come_back_as_chips(browser_client, gallery):
    response = browser_client.get("/search/", {"q": "a photo camera:iphone is:favourite"})
    assert response.status_code == 200
    html = response.content.decode()
    assert [item.photo.pk for item in response.context["result"].results] == [gallery[0].pk]
    chips = response.context["page_filters"].chips
    assert [chip["label"] for chip in chips] == ["Camera: iphone", "Favourites"]
    assert 'id="filter-chips"' in html and "Remove Camera: iphone" in html
    removed = browser_client.get(chips[0]["url"])
    assert [c["label"] for c in removed.context["page_filters"].chips] == ["Favourites"]
    assert removed.context["query"] == "a photo is:favourite"


def test_filters_that_keep_nothing_say_so_and_point_to_the_chips(browser_client, gallery):
    html = browser_client.get("/search/", {"q": "a photo place:tokyo"}).content.decode()
    assert "No photos match with these filters; remove one above to see more." in html
    assert 'id="low-confidence"' not in html  # no "closest guesses" when there is nothing to guess from


def test_the_panel_filters_similar_photos_and_its_chips_remove_them(browser_client, gallery):
    response = browser_client.get(f"/search/similar/{gallery[1].pk}/", {"camera": "iphone"})
    assert [item.photo.pk for item in response.context["result"].results] == [gallery[0].pk]
    (chip,) = response.context["page_filters"].chips
    assert chip["label"] == "Camera: iphone" and "camera" not in chip["url"]
    assert 'id="filter-panel"' in response.content.decode()


@pytest.mark.parametrize("query, message", [
    ("dog colour:red", "Unknown filter"),
    ("dog after:2023-13", "is not a date"),
    ('dog in:"No such album"', "no album called"),
])
def test_mistakes_are_shown_not_500s(browser_client, gallery, query, message):
    response = browser_client.get("/search/", {"q": query})
    assert response.status_code == 400 and message in response.content.decode()


def test_another_users_album_is_a_message_not_their_photos(browser_client, gallery, other_user):
    theirs = album_factory(owner=other_user, name="Theirs")
    response = browser_client.get(f"/search/similar/{gallery[1].pk}/", {"album": theirs.pk})
    assert response.status_code == 400 and "Album not found" in response.content.decode()
    assert "result" not in response.context


def test_filters_alone_open_the_timeline_filtered(browser_client, user):
    photo_rows(owner=user, taken=[datetime(2022, 5, 1, tzinfo=timezone.utc)] * 3
               + [datetime(2024, 5, 1, tzinfo=timezone.utc)] * 2, camera="Ricoh GR")
    response = browser_client.get("/search/", {"q": "camera:ricoh after:2024"})
    assert response.status_code == 302 and "camera=ricoh" in response["Location"]
    page = browser_client.get(response["Location"])
    assert len(page.context["page"].photos) == 2
    assert [c["label"] for c in page.context["page_filters"].chips] == ["From 1 Jan 2024", "Camera: ricoh"]


def test_the_minimum_score_form_keeps_the_panels_filters(browser_client, gallery):
    response = browser_client.get(f"/search/similar/{gallery[1].pk}/", {"camera": "iphone", "favourite": "true"})
    form = response.content.decode().split('id="cutoff-form"')[1].split("</form>")[0]
    assert '<input type="hidden" name="camera" value="iphone">' in form
    assert '<input type="hidden" name="favourite" value="true">' in form
    narrowed = browser_client.get(f"/search/similar/{gallery[1].pk}/", {"camera": "iphone", "min_score": "0"})
    assert [item.photo.pk for item in narrowed.context["result"].results] == [gallery[0].pk]


class _PanelForm(HTMLParser):
    """What the filter panel's form would submit as it stands: (name, value) pairs in order."""

    def __init__(self):
        super().__init__()
        self.inside, self.select, self.values = False, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "filter-form" in (attrs.get("class") or ""):
            self.inside = True
        elif self.inside and tag == "input" and (attrs.get("type") != "checkbox" or "checked" in attrs):
            self.values.append((attrs["name"], attrs.get("value") or ""))
        elif self.inside and tag == "select":
            self.select = attrs["name"]
        elif self.inside and tag == "option" and "selected" in attrs:
            self.values.append((self.select, attrs["value"]))

    def handle_endtag(self, tag):
        self.inside = self.inside and tag != "form"


def panel_form(html: str) -> list[tuple[str, str]]:
    parser = _PanelForm()
    parser.feed(html)
    return parser.values


def test_the_panel_shows_the_typed_filters_and_applying_it_makes_its_values_the_filters(browser_client, gallery, user):
    trip = album_factory(owner=user, name="Trip")
    response = browser_client.get("/search/", {"q": 'a photo in:"trip" on:2023 camera:iphone is:favourite '
                                                     "type:heic type:jpg tag:cat -people", "exclude_tag": "dog"})
    form = dict(panel_form(response.content.decode()))
    assert form == {"q": "a photo tag:cat -people", "exclude_tag": "dog", "taken_after": "2023-01-01",
                    "taken_before": "2024-01-01", "album": str(trip.pk), "camera": "iphone", "place": "",
                    "type": "heic,jpeg", "favourite": "true"}
    assert ">HEIC or JPEG</option>" in response.content.decode()
    # The person clears Camera and applies: the camera filter is gone, the rest hold, as chips.
    applied = browser_client.get("/search/", [*((name, value) for name, value in form.items() if name != "camera")])
    assert [chip["label"] for chip in applied.context["page_filters"].chips] == [
        "Tag: cat", "Not: people", "From 1 Jan 2023", "Before 1 Jan 2024", "Album: Trip", "Not tagged: dog",
        "Favourites", "Type: HEIC", "Type: JPEG"]
    assert applied.context["query"] == "a photo tag:cat -people"
    assert dict(panel_form(applied.content.decode()))["camera"] == ""


def test_a_mistake_leaves_the_panel_and_the_typed_search_as_they_were_sent(browser_client, gallery):
    response = browser_client.get("/search/", {"q": "a photo camera:iphone after:2023-13", "place": "lisbon"})
    assert response.status_code == 400
    form = dict(panel_form(response.content.decode()))
    assert form["q"] == "a photo camera:iphone after:2023-13" and form["place"] == "lisbon" and form["camera"] == ""


def test_a_type_chip_removes_its_type_from_the_panels_one_choice(browser_client, gallery):
    response = browser_client.get("/search/", {"q": "a photo", "type": "heic,JPG"})
    chips = {chip["label"]: chip["url"] for chip in response.context["page_filters"].chips}
    assert list(chips) == ["Type: HEIC", "Type: JPEG"]
    assert [c["label"] for c in browser_client.get(chips["Type: JPEG"]).context["page_filters"].chips] == ["Type: HEIC"]
