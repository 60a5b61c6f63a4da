"""DRF throttles over the same counters as the pages (imagesearch/ratelimit.py), so a scope's
limit is one limit whether it is reached through a page or the API.

Every API request counts against its address ("ip") and its user ("user"); a view may name a
stricter scope in `throttle_scope` (DRF's attribute), or one per method ({"POST": "upload"})."""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle

from imagesearch import ratelimit
from imagesearch.client_ip import client_ip


class _CounterThrottle(BaseThrottle):
    def __init__(self):
        self._wait: int | None = None

    def scope(self, request, view) -> str | None:
        raise NotImplementedError

    def key(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        scope, key = self.scope(request, view), self.key(request)
        if scope is None or key is None:
            return True
        self._wait = ratelimit.hit(scope=scope, key=key)
        if self._wait is not None and getattr(request, "rate_limited_scope", None) in (None, "ip", "user"):
            request.rate_limited_scope = scope  # the 429's message names the most specific limit
        return self._wait is None

    def wait(self) -> int | None:
        return self._wait


class AddressThrottle(_CounterThrottle):
    def scope(self, request, view) -> str:
        return "ip"

    def key(self, request) -> str:
        return f"ip:{client_ip(request)}"


class UserThrottle(_CounterThrottle):
    def scope(self, request, view) -> str:
        return "user"

    def key(self, request) -> str | None:
        return f"user:{request.user.pk}" if request.user and request.user.is_authenticated else None


class ScopeThrottle(_CounterThrottle):
    def scope(self, request, view) -> str | None:
        scope = getattr(view, "throttle_scope", None)
        if isinstance(scope, dict):
            return scope.get(request.method)
        return scope

    def key(self, request) -> str:
        return ratelimit.request_key(request)
