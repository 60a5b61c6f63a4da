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


class ApiToken(models.Model):
    """One device's API key. Only its SHA-256 is stored: the key itself is shown once, when made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64, help_text="The device or app it is for.")
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, hex.")
    key_prefix = models.CharField(max_length=8, help_text="The key's first characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…) of {self.user}"


class Invite(models.Model):
    """A single-use sign-up link made by a staff member. Only the SHA-256 of its key is stored."""

    key_hash = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=100, blank=True, help_text="Who it is for (shown to staff only).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invites_made")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # The account it made; deleting that account deletes this record too.
    used_by = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="invite")
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invite {self.note or self.pk}"
