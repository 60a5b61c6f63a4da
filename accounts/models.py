from django.conf import settings
from django.db import models


class Profile(models.Model):
    """Per-account settings beside Django's user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    time_zone = models.CharField(
        max_length=64, blank=True,
        help_text="IANA name (Europe/Lisbon). Reads camera times that carry no UTC offset; empty: the server's TIME_ZONE.")

    def __str__(self) -> str:
        return f"profile of {self.user}"
