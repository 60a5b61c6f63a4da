"""Deleting an account with everything in it: photos and their files, vectors, tags, tokens,
invites, sessions, login-failure records."""

from __future__ import annotations

from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from gallery.services.accounts import photos_delete_all


@dataclass(frozen=True)
class DeletionReport:
    photos: int


def user_delete(*, user) -> DeletionReport:
    """Photos go first through the gallery (it knows their files: removed once committed); the rest
    of the account's rows follow the user row (cascades) or are removed here by name."""
    photos = photos_delete_all(owner=user)
    with transaction.atomic():
        _sessions_delete(user=user)
        AccessAttempt.objects.filter(username=user.get_username()).delete()
        user.delete()
    return DeletionReport(photos=photos)


def _sessions_delete(*, user) -> None:
    """The account's sessions on every device (with database sessions: they name their user only
    inside their encoded data)."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    user_id = str(user.pk)
    stale = [session.pk for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
             if session.get_decoded().get("_auth_user_id") == user_id]
    Session.objects.filter(pk__in=stale).delete()
