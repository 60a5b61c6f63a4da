import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import ApiToken, Profile
from tests.factories import PASSWORD, ready_photo_factory


def test_the_account_page_makes_shows_once_and_revokes_tokens(browser_client, user):
    page = browser_client.get("/accounts/")
    assert page.status_code == 200 and b'id="no-tokens"' in page.content and b"Delete my account" in page.content

    made = browser_client.post("/accounts/tokens/", {"name": "Ada's phone", "expires_in_days": "90"}, follow=True)
    html = made.content.decode()
    token = ApiToken.objects.get(user=user)
    key = html.split('id="new-token-key" aria-label="The new token\'s key"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert len(key) == 40 and token.key_prefix == key[:8] and token.expires_at is not None
    assert client_with(key).get("/api/v1/photos/").status_code == 200
    assert key not in browser_client.get("/accounts/").content.decode()  # shown once

    browser_client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert client_with(key).get("/api/v1/photos/").status_code == 401


def client_with(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def test_another_users_token_cannot_be_revoked(browser_client, other_user):
    theirs = ApiToken.objects.create(user=other_user, name="x", key_hash="a" * 64, key_prefix="aaaaaaaa")
    assert browser_client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_the_time_zone_is_chosen_from_iana_names(browser_client, user):
    page = browser_client.get("/accounts/").content.decode()
    assert '<option value="Europe/Lisbon">Europe/Lisbon</option>' in page
    browser_client.post("/accounts/time-zone/", {"time_zone": "America/New_York"})
    assert Profile.objects.get(user=user).time_zone == "America/New_York"
    bad = browser_client.post("/accounts/time-zone/", {"time_zone": "Nowhere/Else"})
    assert bad.status_code == 400 and Profile.objects.get(user=user).time_zone == "America/New_York"


def test_password_change_keeps_the_session(browser_client, user):
    response = browser_client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "another-good-password-7", "new_password2": "another-good-password-7"},
        follow=True)
    assert b"Your password was changed." in response.content and response.context["user"] == user
    user.refresh_from_db()
    assert user.check_password("another-good-password-7")


def test_deleting_the_account_warns_and_asks_for_the_password(browser_client, user):
    ready_photo_factory(owner=user)
    warning = browser_client.get("/accounts/delete/")
    assert b'id="delete-warning"' in warning.content and b"your 1 photo " in warning.content
    wrong = browser_client.post("/accounts/delete/", {"password": "nope"})
    assert wrong.status_code == 400 and b"That is not your password." in wrong.content
    assert get_user_model().objects.filter(pk=user.pk).exists()
    done = browser_client.post("/accounts/delete/", {"password": PASSWORD}, follow=True)
    assert b"Your account and its 1 photo were deleted." in done.content
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert browser_client.get("/").status_code == 302


def test_the_invites_page_is_for_staff(client, user, staff, settings):
    settings.SIGNUP_MODE = "invite"
    client.force_login(user)
    assert client.get("/accounts/invites/").status_code == 404
    assert client.post("/accounts/invites/add/", {"note": "x"}).status_code == 404
    client.force_login(staff)
    page = client.post("/accounts/invites/add/", {"note": "Bob"}, follow=True).content.decode()
    assert 'id="signup-mode"' in page and "by invitation" in page
    link = page.split('id="new-invite-link"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert link.startswith("http://testserver/accounts/signup/?invite=")
    assert link not in client.get("/accounts/invites/").content.decode()


@pytest.mark.parametrize("path, data", [
    ("/accounts/login/", {"username": "x", "password": "y"}),
    ("/accounts/signup/", {"username": "x"}),
    ("/accounts/password-reset/", {"email": "x@example.com"}),
])
def test_forms_without_the_csrf_token_are_refused(db, path, data):
    response = Client(enforce_csrf_checks=True).post(path, data)
    assert response.status_code == 403 and b"This form has expired" in response.content


def test_signed_in_posts_and_session_api_calls_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/accounts/tokens/", {"name": "x"}).status_code == 403
    assert client.post("/accounts/delete/", {"password": PASSWORD}).status_code == 403
    api = client.post("/api/v1/search/region/", {"photo_id": 1, "box": [0, 0, 1, 1]}, content_type="application/json")
    assert api.status_code == 403 and "CSRF" in api.json()["detail"]
    assert get_user_model().objects.filter(pk=user.pk).exists() and not ApiToken.objects.exists()
