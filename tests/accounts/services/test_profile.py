from zoneinfo import ZoneInfo

import pytest

from accounts.selectors import account_time_zone
from accounts.services.profile import profile_update
from imagesearch.exceptions import ApplicationError


def test_the_time_zone_is_an_iana_name_used_by_the_date_rules(user, settings):
    assert account_time_zone(user=user) == ZoneInfo(settings.TIME_ZONE)
    profile_update(user=user, time_zone="Europe/Lisbon")
    assert account_time_zone(user=user) == ZoneInfo("Europe/Lisbon")
    with pytest.raises(ApplicationError, match="not a time zone"):
        profile_update(user=user, time_zone="Mars/Olympus_Mons")
    profile_update(user=user, time_zone="")
    assert account_time_zone(user=user) == ZoneInfo(settings.TIME_ZONE)
