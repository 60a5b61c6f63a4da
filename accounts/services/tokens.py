"""API tokens: one per device, with a name, an optional expiry, last use; revoked at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts import keys
from accounts.models import ApiToken
from imagesearch.exceptions import ApplicationError

MAX_NAME_LENGTH = 64
MAX_TOKENS_PER_USER = 100
# Recording each use would be a write per request: a use within this long of the last one is not.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # shown once: only its hash is kept


def api_token_create(*, user, name: str, expires_in_days: int | None = None) -> NewToken:
    name = " ".join((name or "").split())[:MAX_NAME_LENGTH] or "API token"
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise ApplicationError("A token expires after 1 to 3650 days, or never.", field="expires_in_days")
    with transaction.atomic():
        if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
            raise ApplicationError(f"At most {MAX_TOKENS_PER_USER} tokens per account: revoke some first.")
        key = keys.new_key()
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        token = ApiToken.objects.create(user=user, name=name, key_hash=keys.key_hash(key), key_prefix=key[:8],
                                        expires_at=expires_at)
    return NewToken(token=token, key=key)


def api_token_revoke(*, token: ApiToken) -> None:
    """Takes effect on the next request: every request looks its token up again."""
    ApiToken.objects.filter(pk=token.pk).delete()


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The live token with this key (its last use recorded), or None: unknown, expired, or its
    account deactivated."""
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(key_hash=keys.key_hash(key)).first()
    if token is None or not token.user.is_active or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
