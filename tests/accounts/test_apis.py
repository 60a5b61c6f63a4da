from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.accounts.lockout import cool_off_passes
from tests.factories import PASSWORD, UserFactory

TOKEN_URL = "/api/v1/auth/token/"


def obtain(client, username, password, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password, **extra}, format="json")


def test_the_token_endpoint_makes_a_new_named_token_each_time(user):
    client = APIClient()
    first = obtain(client, user.username, PASSWORD, name="Ada's phone")
    second = obtain(client, user.username, PASSWORD, expires_in_days=30)
    assert first.status_code == second.status_code == 200
    assert set(first.json()) == {"token"} and first.json()["token"] != second.json()["token"]
    assert sorted(ApiToken.objects.filter(user=user).values_list("name", flat=True)) == ["API token", "Ada's phone"]
    form = client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD})  # form-encoded as before
    assert form.status_code == 200

    client.credentials(HTTP_AUTHORIZATION=f"Token {first.json()['token']}")
    listed = client.get("/api/v1/auth/tokens/").json()
    assert [t["name"] for t in listed] == ["API token", "API token", "Ada's phone"]
    assert [t["current"] for t in listed] == [False, False, True]
    assert all(len(t["key_prefix"]) == 8 and "key" not in t for t in listed)
    assert listed[1]["expires_at"] is not None and listed[2]["last_used_at"] is not None


def test_a_revoked_token_stops_working_at_once(user, other_user):
    phone = APIClient()
    phone.credentials(HTTP_AUTHORIZATION=f"Token {obtain(APIClient(), user.username, PASSWORD).json()['token']}")
    laptop = APIClient()
    laptop.credentials(HTTP_AUTHORIZATION=f"Token {obtain(APIClient(), user.username, PASSWORD).json()['token']}")
    assert phone.get("/api/v1/photos/").status_code == 200
    phone_id = next(t["id"] for t in phone.get("/api/v1/auth/tokens/").json() if t["current"])

    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Token {obtain(APIClient(), other_user.username, PASSWORD).json()['token']}")
    assert stranger.delete(f"/api/v1/auth/tokens/{phone_id}/").status_code == 404  # not theirs

    assert laptop.delete(f"/api/v1/auth/tokens/{phone_id}/").status_code == 204
    refused = phone.get("/api/v1/photos/")
    assert refused.status_code == 401 and refused.json() == {"detail": "Invalid, expired or revoked token."}
    assert laptop.get("/api/v1/photos/").status_code == 200


def test_wrong_passwords_lock_the_account_and_address_out_then_cool_off(user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    for _ in range(2):
        wrong = obtain(client, user.username, "wrong")
        assert wrong.status_code == 400 and wrong.json()["detail"] == "Unable to log in with the username and password given."
    assert obtain(client, user.username, "wrong").status_code == 429  # the third failure locks
    locked = obtain(client, user.username, PASSWORD)  # even the right password, while locked
    assert locked.status_code == 429 and "Too many failed login attempts" in locked.json()["detail"]
    assert 0 < int(locked["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()
    assert not ApiToken.objects.filter(user=user).exists()

    # A name that has no account is locked out the same way, with the same words.
    for _ in range(3):
        obtain(client, "nobody-here", "wrong")
    ghost = obtain(client, "nobody-here", "wrong")
    assert ghost.status_code == 429 and ghost.json()["detail"] == locked.json()["detail"]

    # Another address is not locked out of the account.
    elsewhere = APIClient(REMOTE_ADDR="10.9.8.7")
    assert obtain(elsewhere, user.username, PASSWORD).status_code == 200

    cool_off_passes(settings)
    assert obtain(client, user.username, PASSWORD).status_code == 200


def test_deactivated_users_get_the_same_answer_as_wrong_passwords(db):
    inactive = UserFactory(is_active=False)
    answer = obtain(APIClient(), inactive.username, PASSWORD)
    assert answer.status_code == 400 and answer.json()["detail"] == "Unable to log in with the username and password given."
