"""Album pages: the list with covers and counts, making one, an album's page, edits; isolation."""

import re

from albums.models import Album
from tests.factories import album_factory, photo_rows, ready_photo_factory


def test_album_list_create_and_page(browser_client, user):
    photo = ready_photo_factory(owner=user, name="sea.jpg")
    album_factory(owner=user, name="Sea", photos=[photo])
    listing = browser_client.get("/albums/").content.decode()
    assert "Sea" in listing and "1 photo<" in listing and f"/api/v1/photos/{photo.pk}/thumbnail/" in listing

    created = browser_client.post("/albums/new/", {"name": "Mountains", "description": "High"}, follow=True)
    album = Album.objects.get(owner=user, name="Mountains")
    assert created.redirect_chain[-1][0] == f"/albums/{album.pk}/" and "This album is empty" in created.content.decode()
    taken = browser_client.post("/albums/new/", {"name": "sea"})
    assert taken.status_code == 400 and "already have an album" in taken.content.decode()

    page = browser_client.get(f"/albums/{Album.objects.get(name='Sea').pk}/").content.decode()
    assert re.findall(r'data-photo-id="(\d+)"', page)[:1] == [str(photo.pk)] and 'data-actions="like album remove cover' in page


def test_edit_and_delete_an_album(browser_client, user):
    photo = photo_rows(owner=user, taken=[None])[0]
    album = album_factory(owner=user, name="Draft", photos=[photo])
    browser_client.post(f"/albums/{album.pk}/edit/", {"name": "Final", "description": "Done"})
    album.refresh_from_db()
    assert (album.name, album.description) == ("Final", "Done")
    assert browser_client.post(f"/albums/{album.pk}/edit/", {"name": ""}).status_code == 400
    deleted = browser_client.post(f"/albums/{album.pk}/delete/", follow=True)
    assert "Its photos are still in your library" in deleted.content.decode()
    assert not Album.objects.exists() and photo.__class__.objects.filter(pk=photo.pk).exists()


def test_other_users_album_pages_are_404(client, user, other_user):
    album = album_factory(owner=user, name="Private")
    client.force_login(other_user)
    assert client.get(f"/albums/{album.pk}/").status_code == 404
    assert client.post(f"/albums/{album.pk}/edit/", {"name": "x"}).status_code == 404
    assert client.post(f"/albums/{album.pk}/delete/").status_code == 404
    assert "Private" not in client.get("/albums/").content.decode()
    assert Album.objects.filter(pk=album.pk, name="Private").exists()
