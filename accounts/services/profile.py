"""An account's own settings."""

from __future__ import annotations

from accounts.models import Profile
from accounts.selectors import time_zone_names
from imagesearch.exceptions import ApplicationError


def profile_update(*, user, time_zone: str) -> Profile:
    """The zone camera times without a UTC offset are read in ("": the server's TIME_ZONE)."""
    time_zone = (time_zone or "").strip()
    if time_zone and time_zone not in time_zone_names():
        raise ApplicationError(f"“{time_zone[:64]}” is not a time zone name (like Europe/Lisbon).", field="time_zone")
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.time_zone = time_zone
    profile.save(update_fields=["time_zone"])
    return profile
