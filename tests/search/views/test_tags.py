"""Tag chips, tag edits, the tags page and related-tag suggestions in the browser pages."""

from html import unescape

import pytest

from search.models import PhotoEmbedding, PhotoTag
from search.services import embedding_models, tag_edits
from tests.factories import ready_photo_factory, tagged_photo


@pytest.fixture
def gallery(user, vocabulary):
    return {"boat": tagged_photo(user, "boat", seed=1), "dog": tagged_photo(user, "dog", "puppy", seed=2)}


def test_photo_page_shows_chips_that_search_their_tag(browser_client, gallery):
    html = browser_client.get(f"/photos/{gallery['dog'].pk}/").content.decode()
    assert 'id="photo-tags"' in html and html.count('class="chip chip-user"') == 2
    assert 'href="/search/?q=puppy"' in html and 'aria-label="Remove the tag puppy"' in html


def test_adding_and_removing_a_tag_in_the_page(browser_client, gallery):
    photo = gallery["dog"]
    response = browser_client.post(f"/search/photos/{photo.pk}/tags/add/", {"name": "Best Friend"}, follow=True)
    assert response.status_code == 200 and "Tagged “best friend”." in response.content.decode()
    assert 'data-tag="best friend"' in response.content.decode()
    response = browser_client.post(f"/search/photos/{photo.pk}/tags/remove/", {"name": "puppy"}, follow=True)
    html = response.content.decode()
    assert 'data-tag="puppy"' not in html and "Removed the tag “puppy”." in html


def test_a_bad_tag_is_a_visible_form_error_keeping_the_input(browser_client, gallery):
    response = browser_client.post(f"/search/photos/{gallery['dog'].pk}/tags/add/", {"name": "a<b>c"})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="tag-error"' in html and "letters and digits" in html
    assert 'value="a&lt;b&gt;c"' in html


def test_another_users_photo_tags_are_404(client, other_user, gallery):
    client.force_login(other_user)  # django-axes needs the request that client.login() does not pass
    assert client.post(f"/search/photos/{gallery['dog'].pk}/tags/add/", {"name": "x"}).status_code == 404
    assert client.post(f"/search/photos/{gallery['dog'].pk}/tags/remove/", {"name": "dog"}).status_code == 404
    assert gallery["dog"].tags.filter(name="dog", hidden=False).exists()


def test_tags_page_lists_tags_with_counts_linking_to_the_gallery(browser_client, user, gallery):
    tagged_photo(user, "dog", seed=3)
    html = browser_client.get("/search/tags/").content.decode()
    assert html.index('data-tag="dog"') < html.index('data-tag="boat"')
    assert 'href="/?tag=dog"' in html and "dog <span>2</span>" in html


def test_gallery_filtered_by_tag(browser_client, gallery):
    html = browser_client.get("/", {"tag": "boat"}).content.decode()
    assert 'id="tag-filter"' in html and html.count('<figure class="card" data-photo-id=') == 1
    assert f'data-photo-id="{gallery["boat"].pk}"' in html


def test_odd_tag_filters_do_not_break_the_gallery(browser_client, gallery):
    assert browser_client.get("/", {"tag": "\x00"}).status_code == 200  # nothing left to filter by
    for value in ("bo\x00at", "x" * 500, "<b>"):
        response = browser_client.get("/", {"tag": value})
        assert response.status_code == 200
        assert (b'id="tag-filter"' in response.content) and (value == "bo\x00at" or b"No photos carry" in response.content)


def test_search_page_suggests_related_tags_and_shows_matched_tags(browser_client, gallery):
    html = browser_client.get("/search/", {"q": "sea"}).content.decode()
    assert 'aria-label="Related tags in your gallery"' in html and 'href="/search/?q=boat"' in html
    assert '<span class="matched">boat</span>' in html


def test_a_photo_the_offline_model_does_not_recognise_says_so(browser_client, user, vocabulary):
    model = embedding_models.active_model_ensure()
    model.tag_threshold = 1.0  # nothing is recognised
    model.save()
    photo = ready_photo_factory(owner=user)
    assert PhotoEmbedding.objects.get(photo=photo).tagged and not PhotoTag.objects.filter(photo=photo).exists()
    html = unescape(browser_client.get(f"/photos/{photo.pk}/").content.decode())
    assert 'id="no-tags-reason"' in html
    assert "No automatic tags: the offline model doesn't recognise what is in this photo." in html
    tag_edits.photo_tag_add(photo=photo, name="my cat")
    assert 'id="no-tags-reason"' not in browser_client.get(f"/photos/{photo.pk}/").content.decode()


def test_a_photo_not_tagged_yet_does_not_blame_the_model(browser_client, user, vocabulary):
    photo = ready_photo_factory(owner=user)
    PhotoTag.objects.filter(photo=photo).delete()
    PhotoEmbedding.objects.filter(photo=photo).update(tagged=False)
    html = browser_client.get(f"/photos/{photo.pk}/").content.decode()
    assert 'id="no-tags-reason"' not in html and "No automatic tags for this photo." in html
