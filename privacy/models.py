"""The audit log: who did what, when, to what. Append-only from the application."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from courses.models import Participant


class AuditLogImmutable(Exception):
    """An audit entry is written once and never changed or removed by the application."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogImmutable("audit entries are never changed")

    def delete(self):
        raise AuditLogImmutable("audit entries are never deleted")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        EVIDENCE_REVIEWED = "evidence_reviewed", "Evidence reviewed"
        SCORE_OVERRIDDEN = "score_overridden", "Score overridden"
        ATTEMPT_GRANTED = "attempt_granted", "Extra attempt granted"
        CREDENTIAL_REVOKED = "credential_revoked", "Credential revoked"
        DATA_EXPORTED = "data_exported", "Participant data exported"
        DATA_ERASED = "data_erased", "Participant data erased"
        RETENTION_RUN = "retention_run", "Retention deletion run"
        PLATFORM_REGISTERED = "platform_registered", "Platform registered"
        PLATFORM_REMOVED = "platform_removed", "Platform removed"
        KEY_CREATED = "key_created", "Signing key created (generated or rotated)"
        KEY_COMPROMISED = "key_compromised", "Signing key withdrawn as compromised"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Who: an admin user, a trainer (participant), or neither (a command or the LMS itself);
    # `actor` says which in words that survive the user or participant being removed or erased
    # (never a teacher's or trainer's name: an id only, so an erasure leaves no name here).
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.CharField(max_length=255)
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogImmutable("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutable("audit entries are never deleted")
