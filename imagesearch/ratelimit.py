"""Request rate limits for pages and the API alike: fixed-window counters in the shared cache
(Redis, or the database cache in the embedded run), so a limit holds across every web process.

A scope ("search", "login", …) has one rate in settings.RATE_LIMITS ("30/minute"); a request
counts against a key within it (a user id or an address). Over the limit, the answer is 429 with
Retry-After: the seconds until the current window ends."""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.http import JsonResponse
from django.shortcuts import render

from imagesearch.client_ip import client_ip

logger = logging.getLogger(__name__)

CACHE_ALIAS = "ratelimit"
# Two-number advisory locks (class, key hash) live apart from the one-number ones of imagesearch.db.
ADVISORY_LOCK_CLASS = 7201
PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400}
MESSAGES = {
    "search": "Too many searches",
    "upload": "Too many uploads",
    "login": "Too many login attempts from this address",
    "signup": "Too many sign-ups from this address",
    "password_reset": "Too many password-reset requests from this address",
}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


@functools.lru_cache(maxsize=64)
def parse_rate(text: str) -> Rate | None:
    """"30/minute" (also DRF's spellings "30/m", "30/min"); "" means no limit."""
    if not text or not text.strip():
        return None
    count, _, period = text.strip().partition("/")
    seconds = next((value for name, value in PERIODS.items() if name.startswith(period.strip().lower()[:1])), None)
    if not count.strip().isdigit() or not period.strip() or seconds is None:
        raise ValueError(f"A rate is 'N/second', 'N/minute', 'N/hour' or 'N/day', not {text!r}.")
    return Rate(count=int(count), seconds=seconds)


def rate_of(scope: str) -> Rate | None:
    if not settings.RATE_LIMITS_ENABLED:
        return None
    return parse_rate(settings.RATE_LIMITS.get(scope, ""))


def hit(*, scope: str, key: str) -> int | None:
    """Count one request of `key` in `scope`; the seconds to wait when it is over the limit, else None."""
    rate = rate_of(scope)
    if rate is None:
        return None
    now = time.time()
    window = int(now // rate.seconds)
    try:
        count = _increment(f"{scope}:{key}:{window}", timeout=rate.seconds + 1)
    except Exception:  # a cache outage must not take the site down; the limits resume with the cache
        logger.warning("Rate limit %s not counted: the cache failed", scope, exc_info=True)
        return None
    if count <= rate.count:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def _increment(key: str, *, timeout: int) -> int:
    cache = caches[CACHE_ALIAS]
    if not isinstance(cache, DatabaseCache):
        return _count(cache, key, timeout=timeout)  # Redis: INCR is atomic (and keeps the TTL)
    # The database cache's incr() is a read and a write: two web processes counting one key at the
    # same moment would lose one count. A transaction lock on the key makes it one at a time.
    database = router.db_for_write(cache.cache_model_class)
    with transaction.atomic(using=database), connections[database].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [ADVISORY_LOCK_CLASS, key])
        return _count(cache, key, timeout=timeout)


def _count(cache, key: str, *, timeout: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # no count yet in this window
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)  # another process added it first


def request_key(request) -> str:
    """A signed-in user's requests count as theirs, anyone else's as their address's."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def message(scope: str, wait: int) -> str:
    what = MESSAGES.get(scope, "Too many requests")
    return f"{what}: try again in {wait} second{'' if wait == 1 else 's'}."


def too_many_requests(request, *, scope: str, wait: int):
    """The 429 answer of a page (the API's comes from DRF's throttling): JSON for /api/ and scripts."""
    text = message(scope, wait)
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": text}, status=429)
    else:
        response = render(request, "429.html", {"message": text, "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limit(scope: str, *, methods: tuple[str, ...] | None = None):
    """A view decorator: the view's requests (only those of `methods`, if given) count against
    `scope` per user, or per address when nobody is signed in."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if methods is None or request.method in methods:
                wait = hit(scope=scope, key=request_key(request))
                if wait is not None:
                    return too_many_requests(request, scope=scope, wait=wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
