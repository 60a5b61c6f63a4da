import pytest
from django.contrib.auth import get_user_model

from accounts.services.signup import invite_create
from tests.factories import PASSWORD

User = get_user_model()


def form(name: str) -> dict:
    return {"username": name, "email": f"{name}@example.com", "password1": PASSWORD, "password2": PASSWORD}


def test_open_sign_up_makes_the_first_account_the_administrator(client, db, settings):
    settings.SIGNUP_MODE = "open"
    page = client.get("/accounts/signup/")
    assert page.status_code == 200 and b'id="first-account"' in page.content
    response = client.post("/accounts/signup/", form("ada"), follow=True)
    assert response.status_code == 200 and b"administrator" in response.content
    assert User.objects.get(username="ada").is_superuser
    client.logout()
    client.post("/accounts/signup/", form("bob"))
    assert not User.objects.get(username="bob").is_staff


def test_closed_sign_up_says_so_and_refuses_posts(client, user, settings):
    settings.SIGNUP_MODE = "closed"
    page = client.get("/accounts/signup/")
    assert page.status_code == 200 and b'id="signup-closed"' in page.content and b"Sign-up is closed" in page.content
    assert b'name="password1"' not in page.content
    assert client.post("/accounts/signup/", form("eve")).status_code == 403
    assert not User.objects.filter(username="eve").exists()
    assert b"Create an account" not in client.get("/accounts/login/").content


def test_invite_mode_signs_up_only_from_an_unused_link(client, staff, settings):
    settings.SIGNUP_MODE = "invite"
    page = client.get("/accounts/signup/")
    assert b"invitation only" in page.content and b'name="password1"' not in page.content
    assert client.post("/accounts/signup/", form("eve")).status_code == 403

    key = invite_create(created_by=staff, note="Bob").key
    page = client.get(f"/accounts/signup/?invite={key}")
    assert page.status_code == 200 and f'name="invite" value="{key}"'.encode() in page.content
    response = client.post(f"/accounts/signup/?invite={key}", {**form("bob"), "invite": key})
    assert response.status_code == 302 and User.objects.filter(username="bob").exists()
    client.logout()

    again = client.get(f"/accounts/signup/?invite={key}")
    assert b"not valid" in again.content and b'name="password1"' not in again.content
    assert client.post("/accounts/signup/", {**form("eve"), "invite": key}).status_code == 403
    assert not User.objects.filter(username="eve").exists()


@pytest.mark.parametrize("mode", ["invite", "closed"])
def test_the_login_page_offers_sign_up_only_when_open(client, user, settings, mode):
    settings.SIGNUP_MODE = mode
    assert b"Create an account" not in client.get("/accounts/login/").content
    settings.SIGNUP_MODE = "open"
    assert b"Create an account" in client.get("/accounts/login/").content
