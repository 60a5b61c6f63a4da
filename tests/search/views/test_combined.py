"""Combined-query pages: "…but" words on find-similar and image results, words minus words, more
like these; the line that says what was combined, paging, errors, isolation."""

import pytest

from tests import images
from tests.factories import photo_factory, ready_photo_factory


@pytest.fixture
def gallery(user):
    return [ready_photo_factory(owner=user, data=images.jpeg(120, 90, seed=s), name=f"g{s}.jpg") for s in range(4)]


def test_photo_page_offers_find_similar_but(browser_client, gallery):
    html = browser_client.get(f"/photos/{gallery[0].pk}/").content.decode()
    assert f'action="/search/similar/{gallery[0].pk}/"' in html and 'id="similar-but" name="q"' in html


def test_similar_with_words_says_what_it_combined_and_keeps_the_words(browser_client, gallery):
    response = browser_client.get(f"/search/similar/{gallery[0].pk}/", {"q": "at night"})
    html = response.content.decode()
    assert response.status_code == 200 and "Like g0.jpg + “at night”" in html
    assert html.count('class="card result"') == 3 and f'data-photo-id="{gallery[0].pk}"' not in html
    assert 'id="but-words" name="q" value="at night"' in html  # refine from the results
    assert '<input type="hidden" name="q" value="at night">' in html  # the cutoff form keeps the words
    plain = browser_client.get(f"/search/similar/{gallery[0].pk}/").content.decode()
    assert "Similar photos" in plain and 'id="but-words" name="q" value=""' in plain


def test_image_results_with_words(browser_client, gallery):
    location = browser_client.post("/search/image/", {"file": images.upload(images.jpeg(seed=5), "mine.jpg")})["Location"]
    page = browser_client.get(location, {"q": "snow"}).content.decode()
    assert "Like mine.jpg + “snow”" in page and page.count('class="card result"') == 4
    assert f'action="{location}"' in page


def test_words_minus_words_page(browser_client, gallery):
    page = browser_client.get("/search/", {"q": "beach -people"}).content.decode()
    assert "beach, without people" in page and page.count('class="card result"') == 4
    assert browser_client.get("/search/", {"q": "beach", "without": "people"}).content.decode().count(
        "beach, without people") >= 1


def test_more_like_these_page_pages_stably(browser_client, user):
    photos = [ready_photo_factory(owner=user, data=images.jpeg(40, 30, seed=200 + s)) for s in range(34)]
    ids = ",".join(str(p.pk) for p in photos[:2])
    first = browser_client.get("/search/like/", {"ids": ids}).content.decode()
    assert "Like these 2 photos" in first and first.count('class="card result"') == 30
    assert 'id="query-photos"' in first and "offset=30" in first
    more = browser_client.get("/search/like/", {"ids": ids, "offset": "30"}, HTTP_X_REQUESTED_WITH="fetch").content.decode()
    assert more.count('class="card result"') == 2
    shown = [int(part.split('"')[0]) for part in (first + more).split('class="card result" data-photo-id="')[1:]]
    assert sorted(shown) == sorted(p.pk for p in photos[2:])


def test_more_like_these_errors_are_visible(browser_client, client, gallery, user, other_user):
    none = browser_client.get("/search/like/", {"ids": ""})
    assert none.status_code == 400 and b"Choose some photos first" in none.content
    many = browser_client.get("/search/like/", {"ids": ",".join(str(i) for i in range(1, 60))})
    assert many.status_code == 400 and b"at most 50" in many.content
    assert browser_client.get("/search/like/", {"ids": "1,a"}).status_code == 400
    pending = photo_factory(owner=user, name="fresh.jpg")
    busy = browser_client.get("/search/like/", {"ids": f"{gallery[0].pk},{pending.pk}"})
    assert busy.status_code == 400 and b"fresh.jpg is still being processed" in busy.content
    client.force_login(other_user)
    assert client.get("/search/like/", {"ids": gallery[0].pk}).status_code == 404
    assert client.get(f"/search/similar/{gallery[0].pk}/", {"q": "night"}).status_code == 404


def test_the_bulk_bar_offers_more_like_these(browser_client, gallery):
    html = browser_client.get("/").content.decode()
    assert 'data-action="like"' in html and 'data-actions="like ' in html and 'data-like-url="/search/like/"' in html
