"""Helpers for the lockout tests: wind django-axes' clock forward without waiting."""

from datetime import timedelta

from axes.models import AccessAttempt


def cool_off_passes(settings) -> None:
    """Make every recorded failure older than the cool-off, as if the wait was over."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
