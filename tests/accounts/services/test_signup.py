from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Invite
from accounts.selectors import signup_state
from accounts.services.signup import invite_create, invite_revoke, user_signup
from imagesearch.exceptions import PermissionDenied
from tests.factories import PASSWORD

User = get_user_model()


def signup(name: str, **kwargs):
    return user_signup(username=name, email=f"{name}@example.com", password=PASSWORD, **kwargs)


@pytest.mark.parametrize("mode", ["open", "invite"])
def test_the_first_account_is_the_administrator(db, settings, mode):
    settings.SIGNUP_MODE = mode
    first = signup("ada")
    assert first.is_staff and first.is_superuser and first.profile.time_zone == ""
    settings.SIGNUP_MODE = "open"
    second = signup("bob")
    assert not second.is_staff and not second.is_superuser


def test_closed_lets_nobody_in_not_even_the_first(db, settings):
    settings.SIGNUP_MODE = "closed"
    with pytest.raises(PermissionDenied, match="closed"):
        signup("ada")
    assert not User.objects.exists()


def test_an_unknown_mode_counts_as_closed(db, settings):
    settings.SIGNUP_MODE = "opne"
    assert not signup_state().allowed


def test_invite_mode_needs_a_valid_single_use_invite(staff, settings):
    settings.SIGNUP_MODE = "invite"
    with pytest.raises(PermissionDenied, match="invitation only"):
        signup("eve")
    with pytest.raises(PermissionDenied, match="not valid"):
        signup("eve", invite_key="f" * 40)

    new = invite_create(created_by=staff, note="Bob")
    bob = signup("bob", invite_key=new.key)
    invite = Invite.objects.get(pk=new.invite.pk)
    assert invite.used_by == bob and invite.used_at is not None and not bob.is_staff
    with pytest.raises(PermissionDenied, match="not valid"):
        signup("eve", invite_key=new.key)  # used up


def test_expired_and_withdrawn_invites_do_not_work(staff, settings):
    settings.SIGNUP_MODE = "invite"
    expired = invite_create(created_by=staff, valid_days=1)
    Invite.objects.filter(pk=expired.invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    withdrawn = invite_create(created_by=staff)
    invite_revoke(invite=withdrawn.invite)
    for key in (expired.key, withdrawn.key):
        assert not signup_state(invite_key=key).allowed


def test_only_staff_make_invites(user):
    with pytest.raises(PermissionDenied):
        invite_create(created_by=user)
