"""Domain errors and the one place that maps them to HTTP answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from imagesearch import ratelimit


class ApplicationError(Exception):
    """A request that cannot be served as asked; the message is shown to the user."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND


class ServiceUnavailable(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


class PermissionDenied(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN


class TooManyRequests(ApplicationError):
    """Come back later: `retry_after` seconds (the answer's Retry-After header)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


T = TypeVar("T")


def get_or_404(fetch: Callable[..., T], **kwargs) -> T:
    """For HTML views: call a selector that raises NotFound (`photo_get(owner=, photo_id=)`);
    NotFound becomes Django's 404 page. Other application errors are the view's to show, as a
    form error or a message (their `.message`)."""
    try:
        return fetch(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from None


def api_exception_handler(exc, context):
    """DRF handler: every error body is {"detail": "...", "errors": {...}?}."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail={"detail": exc.messages})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        wait = max(1, int(exc.wait))
        scope = getattr(context.get("request"), "rate_limited_scope", None) or ""
        return Response({"detail": ratelimit.message(scope, wait)}, status=exc.status_code,
                        headers={"Retry-After": str(wait)})

    # Imported here: loading DRF's views loads the authentication classes, and ours
    # (accounts.authentication) import this module through the services they call.
    from rest_framework.views import exception_handler  # noqa: PLC0415 - load order, see above

    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _first_message(response.data), "errors": response.data}
    return response


def _first_message(errors) -> str:
    """A one-line summary of a DRF validation error tree, for clients that show one message."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            return message if field in ("non_field_errors", "detail") else f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors) if errors else "Invalid input."
