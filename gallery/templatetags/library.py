"""Template filters of the library pages."""

import math

from django import template
from django.utils import timezone

from gallery.selectors import photo_purge_at

register = template.Library()


@register.filter
def days_left(photo) -> int | None:
    """Days (begun) until a trashed photo is deleted for good: 30 just after trashing, 1 on its last day."""
    purge_at = photo_purge_at(photo)
    if purge_at is None:
        return None
    return max(0, math.ceil((purge_at - timezone.now()).total_seconds() / 86400))
