import time

import pytest
from django.core.cache import caches
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from imagesearch import ratelimit
from imagesearch.client_ip import client_ip
from tests import images
from tests.factories import PASSWORD, ready_photo_factory


def assert_limited(response, *, words: str, json: bool = True, window: int = 60) -> None:
    assert response.status_code == 429, response.content[:300]
    assert 0 < int(response["Retry-After"]) <= window
    if json:
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"].startswith(words) and "try again in" in response.json()["detail"]
    else:
        assert words.encode() in response.content and b'id="rate-limit-message"' in response.content


def _start_early_in_a_minute() -> None:
    """The counts are per fixed minute: calls straddling a minute's end rightly get a fresh
    allowance, which a slow (loaded) machine would otherwise turn into a false failure."""
    if time.time() % 60 > 40:
        time.sleep(60.5 - time.time() % 60)


def test_rates_parse_and_count_per_window(rate_limits):
    assert ratelimit.parse_rate("30/minute") == ratelimit.Rate(30, 60)
    assert ratelimit.parse_rate("5/h") == ratelimit.Rate(5, 3600) and ratelimit.parse_rate("") is None
    with pytest.raises(ValueError):
        ratelimit.parse_rate("many/minute")
    rate_limits(search="2/minute")
    assert ratelimit.hit(scope="search", key="k") is None
    assert ratelimit.hit(scope="search", key="k") is None
    assert 1 <= ratelimit.hit(scope="search", key="k") <= 60
    assert ratelimit.hit(scope="search", key="other") is None  # its own count


def test_limits_can_be_switched_off(rate_limits, settings):
    rate_limits(search="1/minute")
    settings.RATE_LIMITS_ENABLED = False
    assert all(ratelimit.hit(scope="search", key="k") is None for _ in range(3))


def test_a_cache_outage_lets_requests_through(rate_limits, monkeypatch):
    rate_limits(search="1/minute")

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit, "_increment", broken)
    assert ratelimit.hit(scope="search", key="k") is None


@pytest.mark.parametrize("call", ["text", "region", "image"])
def test_model_running_searches_are_limited_per_user(rate_limits, api_client, other_api_client, user, offline_model, call):
    photo = ready_photo_factory(owner=user, data=images.jpeg(120, 90, seed=3))
    requests = {
        "text": lambda c: c.get("/api/v1/search/", {"q": "dog"}),
        "region": lambda c: c.post("/api/v1/search/region/", {"photo_id": photo.pk, "box": [0, 0, 0.5, 0.5]}, format="json"),
        "image": lambda c: c.post("/api/v1/search/image/", {"file": images.upload(images.jpeg(64, 64, seed=9))},
                                  format="multipart"),
    }
    rate_limits(search="2/minute")
    requests[call](other_api_client)  # loads the model first, so the three counted calls are quick
    _start_early_in_a_minute()
    assert [requests[call](api_client).status_code for _ in range(2)] in ([200, 200], [200, 404])
    assert_limited(requests[call](api_client), words="Too many searches")
    assert api_client.get("/api/v1/photos/").status_code == 200  # other endpoints still answer
    assert requests[call](other_api_client).status_code != 429  # another user has a count of their own


def test_search_pages_share_the_search_count_with_the_api(rate_limits, browser_client, user, offline_model):
    rate_limits(search="2/minute")
    assert browser_client.get("/search/", {"q": "dog"}).status_code == 200
    assert browser_client.get("/api/v1/search/", {"q": "dog"}).status_code == 200
    assert_limited(browser_client.get("/search/", {"q": "cat"}), words="Too many searches", json=False)
    assert browser_client.get("/search/similar/1/").status_code != 429  # runs no model


def test_uploads_are_limited_in_the_api_and_the_form(rate_limits, api_client, browser_client):
    rate_limits(upload="2/minute")
    for seed in (1, 2):
        assert api_client.post("/api/v1/photos/", {"files": [images.upload(images.jpeg(seed=seed))]},
                               format="multipart").status_code == 201
    assert_limited(api_client.post("/api/v1/photos/", {"files": [images.upload(images.jpeg(seed=3))]},
                                   format="multipart"), words="Too many uploads")
    assert api_client.get("/api/v1/photos/").status_code == 200  # listing is no upload
    assert_limited(browser_client.post("/upload/", {"files": [images.upload(images.jpeg(seed=4))]}),
                   words="Too many uploads", json=False)


def test_sign_up_and_password_reset_are_limited_per_address(rate_limits, db):
    rate_limits(signup="1/hour", password_reset="1/hour")
    client = Client()
    client.post("/accounts/signup/", {"username": "x"})
    assert_limited(client.post("/accounts/signup/", {"username": "y"}), words="Too many sign-ups", json=False,
                   window=3600)
    assert client.get("/accounts/signup/").status_code == 200  # looking is free
    client.post("/accounts/password-reset/", {"email": "a@example.com"})
    limited = client.post("/accounts/password-reset/", {"email": "b@example.com"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) <= 3600
    assert Client(REMOTE_ADDR="10.1.2.3").post("/accounts/password-reset/", {"email": "c@example.com"}).status_code == 302


def test_logins_are_limited_per_address_on_both_paths(rate_limits, user):
    rate_limits(login="2/minute")
    client = APIClient()
    assert client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).status_code == 200
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    client.logout()
    assert_limited(client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}),
                   words="Too many login attempts")
    assert_limited(client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}),
                   words="Too many login attempts", json=False)


def test_every_page_and_api_request_counts_per_user_and_per_address(rate_limits, browser_client, api_client, user):
    rate_limits(user="3/minute")
    assert [browser_client.get("/").status_code for _ in range(3)] == [200] * 3
    assert_limited(browser_client.get("/"), words="Too many requests", json=False)
    assert_limited(api_client.get("/api/v1/photos/"), words="Too many requests")  # the same user
    assert browser_client.get("/healthz").status_code == 200  # never limited

    caches["ratelimit"].clear()
    rate_limits(user="100/minute", ip="2/minute")
    anonymous = Client(REMOTE_ADDR="10.0.0.9")
    assert [anonymous.get("/accounts/login/").status_code for _ in range(2)] == [200, 200]
    assert anonymous.get("/accounts/login/").status_code == 429
    assert anonymous.get("/api/v1/status/").status_code == 401  # the API counts after authentication
    assert Client(REMOTE_ADDR="10.0.0.10").get("/accounts/login/").status_code == 200


def test_the_client_address_behind_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.NUM_PROXIES = 0
    assert client_ip(request) == "10.0.0.1"  # no proxy trusted: the header is the client's own words
    settings.NUM_PROXIES = 1
    assert client_ip(request) == "203.0.113.7"
    settings.NUM_PROXIES = 2
    assert client_ip(request) == "6.6.6.6"
    ipv6 = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:aaaa:bbbb:cccc:dddd")
    settings.NUM_PROXIES = 0
    assert client_ip(ipv6) == "2001:db8:1:2::"  # one /64, one limit
