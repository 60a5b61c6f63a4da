"""Search pages: results, errors, show more, isolation."""

from html import unescape

import pytest

from search.models import PhotoTag
from tests import images
from tests.factories import ready_photo_factory


@pytest.fixture
def gallery(user):
    return [ready_photo_factory(owner=user, data=images.jpeg(120, 90, seed=s)) for s in range(3)]


def test_text_search_page(browser_client, gallery):
    page = browser_client.get("/search/", {"q": "a boat"})
    html = page.content.decode()
    assert page.status_code == 200 and html.count('class="card result"') == 3
    assert "“a boat”" in html and 'class="score"' in html


def test_empty_search_page_invites_a_query_and_empty_query_shows_error(browser_client, gallery):
    assert b"Type words in the search box" in browser_client.get("/search/").content
    response = browser_client.get("/search/", {"q": "   "})
    assert response.status_code == 400 and b"Type something to search for." in response.content


def test_bad_cutoff_is_a_visible_error(browser_client, gallery):
    response = browser_client.get("/search/", {"q": "boat", "min_score": "abc"})
    assert response.status_code == 400 and b"Minimum score" in response.content


def test_similar_page_shows_query_photo_and_excludes_it(browser_client, gallery):
    html = browser_client.get(f"/search/similar/{gallery[0].pk}/").content.decode()
    assert f'/api/v1/photos/{gallery[0].pk}/thumbnail/" alt="Query photo"' in html
    assert f'data-photo-id="{gallery[0].pk}"' not in html and html.count('class="card result"') == 2


def test_region_page_and_its_errors(browser_client, gallery):
    ok = browser_client.get(f"/search/region/{gallery[1].pk}/", {"box": "0.1,0.1,0.8,0.8"})
    assert ok.status_code == 200 and f'data-photo-id="{gallery[1].pk}"'.encode() in ok.content
    bad = browser_client.get(f"/search/region/{gallery[1].pk}/", {"box": "0.5,0.5,0.4,0.4"})
    assert bad.status_code == 400 and b"The box is empty" in bad.content


def test_image_search_keeps_only_a_vector_and_shows_results(browser_client, gallery, user):
    response = browser_client.post("/search/image/", {"file": images.upload(images.jpeg(seed=3), "query.jpg")})
    assert response.status_code == 302 and response["Location"].startswith("/search/image/")
    page = browser_client.get(response["Location"])
    assert b"Photos like query.jpg" in page.content and page.content.count(b'class="card result"') == 3
    assert user.photos.count() == 3
    bad = browser_client.post("/search/image/", {"file": images.upload(b"nope", "x.jpg")}, follow=True)
    assert b"Can&#x27;t search by x.jpg" in bad.content


def test_show_more_fragment(browser_client, user):
    for seed in range(32):
        ready_photo_factory(owner=user, data=images.jpeg(40, 30, seed=100 + seed))
    first = browser_client.get("/search/", {"q": "cat"}).content.decode()
    assert first.count('class="card result"') == 30 and "offset=30" in first
    more = browser_client.get("/search/", {"q": "cat", "offset": "30"}, HTTP_X_REQUESTED_WITH="fetch")
    assert more.content.decode().count('class="card result"') == 2 and b"<html" not in more.content


def test_other_users_cannot_search_by_my_photos(client, other_user, gallery):
    client.force_login(other_user)
    assert client.get(f"/search/similar/{gallery[0].pk}/").status_code == 404
    assert client.get(f"/search/region/{gallery[0].pk}/", {"box": "0,0,1,1"}).status_code == 404
    assert b'class="card result"' not in client.get("/search/", {"q": "photo"}).content


def test_words_the_offline_model_does_not_know_show_its_few_guesses_and_say_so(browser_client, user, vocabulary):
    for seed in range(7):
        ready_photo_factory(owner=user, data=images.jpeg(120, 90, seed=200 + seed))
    PhotoTag.objects.filter(owner=user).delete()
    html = unescape(browser_client.get("/search/", {"q": "bankruptcy"}).content.decode())
    assert 'id="low-confidence"' in html and "doesn't know “bankruptcy”" in html
    assert html.count('class="card result"') == 5 and 'class="score"' in html
    html = browser_client.get("/search/", {"q": "helicopter"}).content.decode()
    assert 'id="low-confidence"' not in html and html.count('class="card result"') == 7
