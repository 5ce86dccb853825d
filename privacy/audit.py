"""Writing the audit log, and the receivers that write it for the apps below.

The apps below never import this one: they send their own events (mastery.signals,
credentials.signals, keys.signals) or Django's model signals fire, and this module answers.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from courses.models import Participant
from credentials.signals import credential_revoked
from keys.models import ToolKey
from keys.signals import key_compromised
from lti_tool.models import Platform
from mastery.models import AttemptGrant, ScoreOverride
from mastery.signals import evidence_reviewed

from .models import AuditEntry

COMMAND_LINE = "command line"
APPLICATION = "application"


def audit_record(
    *,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    user=None,
    participant: Participant | None = None,
    actor: str = "",
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry. The actor is an admin user, a participant (a trainer), or `actor`
    alone (the command line, the application itself)."""
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
    if user is not None and getattr(user, "is_authenticated", False):
        actor = actor or f"admin {user.get_username()}"
    else:
        user = None
    if participant is not None:
        # An id only: the log must keep no name an erasure would have to hunt for.
        actor = actor or f"participant {participant.pk}"
    return AuditEntry.objects.create(
        action=action,
        actor_user=user,
        actor_participant=participant,
        actor=actor or APPLICATION,
        object_type=object_type,
        object_id=object_id,
        details=details or {},
    )


def _on_evidence_reviewed(sender, *, submission, reviewer, accepted, **kwargs) -> None:
    audit_record(
        action=AuditEntry.Action.EVIDENCE_REVIEWED,
        obj=submission,
        participant=reviewer,
        details={
            "teacher": submission.participant_id,
            "placement": submission.placement_id,
            "decision": "accepted" if accepted else "revision",
            "score": str(submission.score) if submission.score is not None else None,
        },
    )


def _on_override_saved(sender, *, instance: ScoreOverride, created: bool, **kwargs) -> None:
    if created:
        audit_record(
            action=AuditEntry.Action.SCORE_OVERRIDDEN,
            obj=instance,
            participant=instance.overridden_by,
            details={
                "teacher": instance.participant_id,
                "placement": instance.placement_id,
                "score": str(instance.score),
                "previous_score": (
                    str(instance.previous_score) if instance.previous_score is not None else None
                ),
            },
        )


def _on_grant_saved(sender, *, instance: AttemptGrant, created: bool, **kwargs) -> None:
    if created:
        audit_record(
            action=AuditEntry.Action.ATTEMPT_GRANTED,
            obj=instance,
            participant=instance.granted_by,
            details={"teacher": instance.participant_id, "placement": instance.placement_id},
        )


def _on_credential_revoked(sender, *, issued, by, reason, **kwargs) -> None:
    audit_record(
        action=AuditEntry.Action.CREDENTIAL_REVOKED,
        obj=issued,
        participant=by,
        details={"public_id": str(issued.public_id), "teacher": issued.participant_id},
    )


def _on_platform_saved(sender, *, instance: Platform, created: bool, raw=False, **kwargs) -> None:
    # Created by `lti_platform add`, by Dynamic Registration or in the admin: all make a row.
    if created and not raw:
        audit_record(
            action=AuditEntry.Action.PLATFORM_REGISTERED,
            obj=instance,
            details={"issuer": instance.issuer, "client_id": instance.client_id},
        )


def _on_platform_deleted(sender, *, instance: Platform, **kwargs) -> None:
    audit_record(
        action=AuditEntry.Action.PLATFORM_REMOVED,
        obj=instance,
        details={"issuer": instance.issuer, "client_id": instance.client_id},
    )


def _on_key_saved(sender, *, instance: ToolKey, created: bool, raw=False, **kwargs) -> None:
    # A key row is made by `keys rotate`, by the first start (key_ensure) or by a withdrawal.
    if created and not raw:
        audit_record(action=AuditEntry.Action.KEY_CREATED, obj=instance, object_id=instance.kid)


def _on_key_compromised(sender, *, kid: str, **kwargs) -> None:
    audit_record(
        action=AuditEntry.Action.KEY_COMPROMISED, object_type=ToolKey._meta.label, object_id=kid
    )


def audit_connect() -> None:
    evidence_reviewed.connect(_on_evidence_reviewed, dispatch_uid="audit-evidence")
    credential_revoked.connect(_on_credential_revoked, dispatch_uid="audit-revoke")
    key_compromised.connect(_on_key_compromised, dispatch_uid="audit-key-compromised")
    post_save.connect(_on_override_saved, sender=ScoreOverride, dispatch_uid="audit-override")
    post_save.connect(_on_grant_saved, sender=AttemptGrant, dispatch_uid="audit-grant")
    post_save.connect(_on_platform_saved, sender=Platform, dispatch_uid="audit-platform")
    post_delete.connect(_on_platform_deleted, sender=Platform, dispatch_uid="audit-platform-del")
    post_save.connect(_on_key_saved, sender=ToolKey, dispatch_uid="audit-key")
