from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import keys
from accounts.models import ApiToken
from accounts.services import tokens
from imagesearch.exceptions import ApplicationError


def test_a_token_is_stored_only_as_its_hash(user):
    new = tokens.api_token_create(user=user, name="  Ada's   phone ")
    row = ApiToken.objects.get(pk=new.token.pk)
    assert len(new.key) == 40 and new.key not in {row.key_hash, row.name, row.key_prefix}
    assert row.key_hash == keys.key_hash(new.key) and row.key_prefix == new.key[:8]
    assert row.name == "Ada's phone" and row.expires_at is None
    assert tokens.api_token_authenticate(key=new.key) == row


def test_use_is_recorded_to_the_minute(user):
    new = tokens.api_token_create(user=user, name="phone")
    first = tokens.api_token_authenticate(key=new.key).last_used_at
    assert first is not None
    assert tokens.api_token_authenticate(key=new.key).last_used_at == first  # no write a request
    ApiToken.objects.filter(pk=new.token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert tokens.api_token_authenticate(key=new.key).last_used_at > first - timedelta(minutes=2)


def test_expired_revoked_unknown_and_inactive_tokens_fail(user):
    expiring = tokens.api_token_create(user=user, name="a", expires_in_days=30)
    assert expiring.token.expires_at - timezone.now() > timedelta(days=29)
    ApiToken.objects.filter(pk=expiring.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tokens.api_token_authenticate(key=expiring.key) is None

    revoked = tokens.api_token_create(user=user, name="b")
    tokens.api_token_revoke(token=revoked.token)
    assert tokens.api_token_authenticate(key=revoked.key) is None
    assert tokens.api_token_authenticate(key="0" * 40) is None

    live = tokens.api_token_create(user=user, name="c")
    user.is_active = False
    user.save()
    assert tokens.api_token_authenticate(key=live.key) is None


def test_bad_expiry_and_too_many_tokens_are_refused(user, monkeypatch):
    with pytest.raises(ApplicationError, match="1 to 3650 days"):
        tokens.api_token_create(user=user, name="x", expires_in_days=0)
    monkeypatch.setattr(tokens, "MAX_TOKENS_PER_USER", 2)
    tokens.api_token_create(user=user, name="1")
    tokens.api_token_create(user=user, name="2")
    with pytest.raises(ApplicationError, match="At most 2 tokens"):
        tokens.api_token_create(user=user, name="3")
