"""Sign-up (open, by invite, or closed: settings.SIGNUP_MODE) and staff-made invites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts import keys
from accounts.models import Invite, Profile
from accounts.selectors import signup_state
from imagesearch.db import advisory_lock
from imagesearch.exceptions import ApplicationError, PermissionDenied

SIGNUP_LOCK_ID = 7_201_101  # one sign-up at a time: "the first account" and single-use invites stay true


def user_signup(*, username: str, email: str, password: str, invite_key: str = ""):
    """Make an account (the form validated the fields). The first account of a fresh instance is
    the administrator (staff and superuser); an invite is used up by the account it makes."""
    with transaction.atomic(), advisory_lock(SIGNUP_LOCK_ID, wait=True):
        state = signup_state(invite_key=invite_key, for_update=True)
        if not state.allowed:
            raise PermissionDenied(state.message)
        user = get_user_model().objects.create_user(username=username, email=email, password=password,
                                                    is_staff=state.first_account, is_superuser=state.first_account)
        Profile.objects.create(user=user)
        if state.invite is not None:
            state.invite.used_by, state.invite.used_at = user, timezone.now()
            state.invite.save(update_fields=["used_by", "used_at"])
    return user


@dataclass(frozen=True)
class NewInvite:
    invite: Invite
    key: str  # shown once, in the link: only its hash is kept


def invite_create(*, created_by, note: str = "", valid_days: int | None = None) -> NewInvite:
    if not created_by.is_staff:
        raise PermissionDenied("Only staff make invites.")
    days = valid_days or settings.INVITE_VALID_DAYS
    if not 1 <= days <= 365:
        raise ApplicationError("An invite is valid for 1 to 365 days.", field="valid_days")
    key = keys.new_key()
    invite = Invite.objects.create(key_hash=keys.key_hash(key), note=" ".join(note.split())[:100],
                                   created_by=created_by, expires_at=timezone.now() + timedelta(days=days))
    return NewInvite(invite=invite, key=key)


def invite_revoke(*, invite: Invite) -> None:
    """An unused invite's link stops working; a used one is kept as the record of who came in by it."""
    Invite.objects.filter(pk=invite.pk, used_by__isnull=True).delete()
