from __future__ import annotations

from django.db import models
from django.utils import timezone


class ToolKeyQuerySet(models.QuerySet):
    def active(self) -> ToolKeyQuerySet:
        """The key the tool signs with (the newest active one wins)."""
        return self.filter(status=ToolKey.Status.ACTIVE)

    def published(self) -> ToolKeyQuerySet:
        """Keys platforms may still see signatures from: active, or retiring within grace."""
        now = timezone.now()
        return self.filter(
            models.Q(status=ToolKey.Status.ACTIVE)
            | models.Q(status=ToolKey.Status.RETIRING, retire_after__gt=now)
        )


class ToolKey(models.Model):
    """An RSA key pair of the tool. The private half is stored encrypted (keys/crypto.py)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active (signs and is published)"
        RETIRING = "retiring", "Retiring (published until its grace period ends)"
        RETIRED = "retired", "Retired (no longer published)"
        COMPROMISED = "compromised", "Withdrawn as compromised (nothing it signed verifies)"

    kid = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    public_jwk = models.JSONField()
    private_key_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    retire_after = models.DateTimeField(null=True, blank=True)
    compromised_at = models.DateTimeField(null=True, blank=True)

    objects = ToolKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kid} ({self.status})"

    def __repr__(self) -> str:  # never show key material, even in a debugger or a log
        return f"<ToolKey kid={self.kid} status={self.status}>"
