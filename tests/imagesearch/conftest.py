import pytest
from django.core.cache import caches


@pytest.fixture
def rate_limits(settings, db):
    """Lower some rate limits for one test (the test settings' are generous), from empty counts."""
    caches["ratelimit"].clear()

    def lower(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return lower
