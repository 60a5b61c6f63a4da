from django.contrib.auth import get_user_model

from tests.accounts.lockout import cool_off_passes
from tests.factories import PASSWORD


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_the_login_form_locks_out_then_cools_off(client, user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert b"correct username and password" in login(client, user.username, "wrong").content
    third = login(client, user.username, "wrong")
    assert third.status_code == 429 and b'id="lockout"' in third.content
    locked = login(client, user.username, PASSWORD)
    assert locked.status_code == 429 and b"Too many failed login attempts. Try again in 15 minutes." in locked.content
    assert int(locked["Retry-After"]) > 0 and "_auth_user_id" not in client.session

    # The same words for a name without an account.
    for _ in range(3):
        ghost = login(client, "no-such-user", "wrong")
    assert ghost.status_code == 429 and b"Too many failed login attempts. Try again in 15 minutes." in ghost.content
    assert not get_user_model().objects.filter(username="no-such-user").exists()

    cool_off_passes(settings)
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_api_and_the_form_share_one_count(client, user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"}).status_code == 400
    assert login(client, user.username, "wrong").status_code == 429
    assert client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).status_code == 429
