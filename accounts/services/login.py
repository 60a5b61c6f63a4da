"""Checking a password where django-axes watches (the login form does the same through Django's
LoginView): failures per account and address lead to a lockout with a cool-off."""

from __future__ import annotations

import math

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Max
from django.utils import timezone

from imagesearch.client_ip import client_ip_or_none
from imagesearch.exceptions import ApplicationError, TooManyRequests

INVALID_CREDENTIALS = "Unable to log in with the username and password given."


def lockout_message(wait_seconds: int) -> str:
    # The same words whether the account exists or not (axes counts any username it is sent).
    minutes = max(1, math.ceil(wait_seconds / 60))
    return f"Too many failed login attempts. Try again in {minutes} minute{'' if minutes == 1 else 's'}."


def lockout_wait(*, request, username: str) -> int:
    """Seconds until this address may try this username again (the cool-off after the last failure)."""
    last = AccessAttempt.objects.filter(username=username, ip_address=client_ip_or_none(request)).aggregate(
        last=Max("attempt_time"))["last"]
    cool_off = settings.AXES_COOLOFF_TIME.total_seconds()
    if last is None:
        return math.ceil(cool_off)
    return max(1, math.ceil((last + settings.AXES_COOLOFF_TIME - timezone.now()).total_seconds()))


def credentials_check(*, request, username: str, password: str):
    """The active user with these credentials. A locked-out pair is refused even with the right
    password (TooManyRequests); a wrong pair counts as a failure (ApplicationError)."""
    user = authenticate(request=request, username=username, password=password)
    if user is not None:
        return user
    if getattr(request, "axes_locked_out", False):
        wait = lockout_wait(request=request, username=username)
        raise TooManyRequests(lockout_message(wait), retry_after=wait)
    raise ApplicationError(INVALID_CREDENTIALS)


def login_failures_forget(*, username: str) -> None:
    """After a password reset: the owner proved who they are, so earlier failures no longer count."""
    axes_reset(username=username)
