"""Text in photos on the pages: the search mode, highlighted matched text, the photo page's text
panel, the gallery's reading-text indicator."""

import pytest

from gallery.services import processing
from search import ocr
from search.services.photo_text import photo_texts_store
from tests import images
from tests.factories import photo_factory

BOX = ((0.1, 0.1), (0.6, 0.1), (0.6, 0.2), (0.1, 0.2))


@pytest.fixture
def photos(user):
    photos = [photo_factory(owner=user, data=images.jpeg(120, 90, seed=s)) for s in range(3)]
    processing.photos_process_pending()
    photo_texts_store(photos=photos[:1], lines=[[ocr.TextLine(text="Café <b>LISBOA</b>", confidence=0.9, quad=BOX)]])
    return photos


def test_text_mode_shows_the_matched_text_highlighted_and_escaped(browser_client, photos):
    page = browser_client.get("/search/", {"q": "lisboa", "mode": "text"}).content.decode()
    assert page.count('class="card result"') == 1
    assert '<p class="matched-text" title="Text in this photo">Café &lt;b&gt;<mark>LISBOA</mark>&lt;/b&gt;</p>' in page
    assert '<option value="text" selected>Text in photos</option>' in page


def test_an_unknown_mode_is_shown_as_an_error(browser_client, photos):
    response = browser_client.get("/search/", {"q": "lisboa", "mode": "nope"})
    assert response.status_code == 400 and "Unknown mode" in response.content.decode()


def test_the_photo_page_shows_the_text_and_its_boxes(browser_client, photos):
    page = browser_client.get(f"/photos/{photos[0].pk}/").content.decode()
    assert '<li data-line="0" title="Read with confidence 0.90">Café &lt;b&gt;LISBOA&lt;/b&gt;</li>' in page
    assert 'id="photo-text-data"' in page and 'id="text-boxes"' in page
    waiting = browser_client.get(f"/photos/{photos[1].pk}/").content.decode()
    assert 'id="photo-text-waiting"' in waiting and "turned off" in waiting and 'id="text-boxes"' not in waiting


def test_the_gallery_shows_reading_progress_while_text_waits(browser_client, photos, settings):
    settings.OCR_ENABLED = True
    page = browser_client.get("/").content.decode()
    assert 'Reading text: <span id="text-progress-read">1</span> of <span id="text-progress-total">3</span>' in page
    assert 'id="text-progress" role="status"' in page and "hidden\n" not in page.split('id="text-progress"')[1][:300]
    settings.OCR_ENABLED = False
    assert "hidden" in browser_client.get("/").content.decode().split('id="text-progress"')[1][:300]
