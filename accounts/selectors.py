"""Reads of accounts."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from accounts.models import Profile


def account_time_zone(*, user) -> ZoneInfo:  # user: a user or its id
    """The zone camera times without a UTC offset are read in: the account's setting, else the
    server's TIME_ZONE (also for a name the zone database no longer knows)."""
    name = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first() or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)
