"""Reads of accounts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from accounts import keys
from accounts.models import ApiToken, Invite, Profile
from imagesearch.exceptions import NotFound

SIGNUP_MODES = ("open", "invite", "closed")


def account_time_zone(*, user) -> ZoneInfo:  # user: a user or its id
    """The zone camera times without a UTC offset are read in: the account's setting, else the
    server's TIME_ZONE (also for a name the zone database no longer knows)."""
    name = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first() or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def account_time_zone_name(*, user) -> str:
    """The account's own setting ("" for the server's zone)."""
    return Profile.objects.filter(user=user).values_list("time_zone", flat=True).first() or ""


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name the zone database knows, sorted (the choices of the account page)."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


# --- Sign-up ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignupState:
    allowed: bool
    message: str = ""  # why not, for the sign-up page
    first_account: bool = False  # it becomes the administrator
    invite: Invite | None = None


def signup_mode() -> str:
    mode = settings.SIGNUP_MODE
    return mode if mode in SIGNUP_MODES else "closed"  # a typo never opens the doors


def signup_state(*, invite_key: str = "", for_update: bool = False) -> SignupState:
    """Whether someone may sign up now (with this invite key): the first account of a fresh
    instance may, unless sign-up is closed; then the mode decides."""
    mode = signup_mode()
    if mode == "closed":
        return SignupState(allowed=False, message="Sign-up is closed on this site. Ask its administrator for an account.")
    if not get_user_model().objects.exists():
        return SignupState(allowed=True, first_account=True)
    if mode == "open":
        return SignupState(allowed=True)
    if not invite_key:
        return SignupState(allowed=False, message="Sign-up is by invitation only. Ask the administrator of this "
                                                  "site for an invite link.")
    invite = invite_for_key(key=invite_key, for_update=for_update)
    if invite is None:
        return SignupState(allowed=False, message="This invite link is not valid: it has been used, has expired "
                                                  "or was withdrawn. Ask for a new one.")
    return SignupState(allowed=True, invite=invite)


def invite_for_key(*, key: str, for_update: bool = False) -> Invite | None:
    """The unused, unexpired invite with this key."""
    invites = Invite.objects.filter(key_hash=keys.key_hash(key), used_by__isnull=True, expires_at__gt=timezone.now())
    return (invites.select_for_update() if for_update else invites).first()


def invite_list() -> QuerySet[Invite]:
    return Invite.objects.select_related("created_by", "used_by")


def invite_get(*, invite_id: int) -> Invite:
    invite = Invite.objects.filter(pk=invite_id).first()
    if invite is None:
        raise NotFound("Invite not found.")
    return invite


# --- API tokens ---------------------------------------------------------------------------

def api_token_list(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_get(*, user, token_id: int) -> ApiToken:
    """One of the user's tokens (another user's answers as if it did not exist)."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound("Token not found.")
    return token
