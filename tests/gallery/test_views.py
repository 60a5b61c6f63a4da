import pytest
from django.contrib.auth import get_user_model

from gallery.models import Photo
from tests import images
from tests.factories import PASSWORD, photo_factory, ready_photo_factory


@pytest.mark.parametrize("url", ["/", "/photos/1/", "/search/"])
def test_pages_need_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_signup_logs_in_and_lands_on_the_gallery(client, db):
    response = client.post("/accounts/signup/", {"username": "ada", "email": "ada@example.com",
                                                 "password1": PASSWORD, "password2": PASSWORD}, follow=True)
    assert response.status_code == 200 and response.context["user"].username == "ada"
    assert b"Your gallery is empty" in response.content


@pytest.mark.parametrize("data, message", [
    ({"username": "bob", "email": "bob@example.com", "password1": "123", "password2": "123"}, b"too short"),
    ({"username": "bob", "email": "bob@example.com", "password1": PASSWORD, "password2": PASSWORD + "x"},
     b"didn\xe2\x80\x99t match"),
    ({"username": "bob", "email": "not-an-email", "password1": PASSWORD, "password2": PASSWORD}, b"valid email"),
])
def test_signup_shows_form_errors(client, db, data, message):
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 400 and message in response.content
    assert not get_user_model().objects.filter(username="bob").exists()


def test_signup_refuses_a_taken_username_or_email(client, user):
    response = client.post("/accounts/signup/", {"username": user.username, "email": "new@example.com",
                                                 "password1": PASSWORD, "password2": PASSWORD})
    assert b"already exists" in response.content
    response = client.post("/accounts/signup/", {"username": "newname", "email": user.email.upper(),
                                                 "password1": PASSWORD, "password2": PASSWORD})
    assert b"email address already exists" in response.content


def test_login_and_logout(client, user):
    bad = client.post("/accounts/login/", {"username": user.username, "password": "nope"})
    assert bad.status_code == 200 and b"correct username and password" in bad.content
    good = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert good.status_code == 302 and good["Location"] == "/"
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_gallery_shows_photos_with_status_badges(browser_client, user):
    ready = ready_photo_factory(owner=user)
    pending = photo_factory(owner=user)
    html = browser_client.get("/").content.decode()
    assert f'data-photo-id="{ready.pk}" data-status="ready"' in html
    assert f'data-photo-id="{pending.pk}" data-status="pending"' in html
    assert "badge-pending" in html and f"/api/v1/photos/{ready.pk}/thumbnail/" in html


def test_form_upload_without_javascript(browser_client, user):
    response = browser_client.post("/upload/", {"files": [images.upload(images.jpeg(seed=8), "a.jpg"),
                                                          images.upload(b"nope", "b.jpg")]}, follow=True)
    text = response.content.decode()
    assert "a.jpg: added." in text and "b.jpg: rejected." in text
    assert Photo.objects.filter(owner=user).count() == 1


def test_form_upload_with_no_file_shows_the_error(browser_client):
    response = browser_client.post("/upload/", {})
    assert response.status_code == 400 and b"Choose one or more photos" in response.content


def test_photo_page_and_delete(browser_client, user):
    photo = ready_photo_factory(owner=user, name="beach.jpg")
    page = browser_client.get(f"/photos/{photo.pk}/")
    assert page.status_code == 200 and b"beach.jpg" in page.content
    response = browser_client.post(f"/photos/{photo.pk}/delete/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not Photo.objects.filter(pk=photo.pk).exists()


def test_failed_photo_shows_its_error(browser_client, user):
    photo = photo_factory(owner=user)
    Photo.objects.filter(pk=photo.pk).update(status="failed", error="model weights unavailable: test")
    assert b"model weights unavailable: test" in browser_client.get(f"/photos/{photo.pk}/").content


def test_other_users_photo_pages_are_404(client, user, other_user):
    photo = ready_photo_factory(owner=user)
    client.force_login(other_user)
    assert client.get(f"/photos/{photo.pk}/").status_code == 404
    assert client.post(f"/photos/{photo.pk}/delete/").status_code == 404
    assert client.get(f"/api/v1/photos/{photo.pk}/thumbnail/").status_code == 404
    assert f'data-photo-id="{photo.pk}"' not in client.get("/").content.decode()
    assert Photo.objects.filter(pk=photo.pk).exists()
