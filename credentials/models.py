"""Open Badges 3.0: the achievements programs award and the credentials issued for them.

Both tables were made by courses/ and keep their names (`db_table`): they moved here in
migration credentials/0001 without touching a row.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from courses.models import Cohort, Participant, Program


class Achievement(models.Model):
    """A micro-credential a program awards (from its content pack)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="achievements")
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=255)
    description = models.TextField()
    criteria = models.TextField()
    required_modules = models.JSONField(default=list)
    evidence_required = models.BooleanField(default=False)
    # What the credential certifies, aligned to a named framework (issue 14, item 7): each
    # {name, framework, domain, url?}; carried into the Open Badges achievement as `alignment`.
    competencies = models.JSONField(default=list, blank=True)
    # Requirements other apps own, as program.yaml states them (credentials/requirements.py):
    # {"sessions_required": 2, "observation_required": {...}}.
    requirements = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "courses_achievement"  # made in courses/, moved here with its rows

    def __str__(self) -> str:
        return self.name


class IssuedCredential(models.Model):
    """An Open Badges 3.0 credential issued to a participant, as signed at issue time."""

    public_id = models.UUIDField(unique=True)
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="issued")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    credential = models.JSONField()  # the OpenBadgeCredential (unsigned form)
    jwt = models.TextField()  # the same, signed (VC-JWT, RS256, the tool's key)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.CharField(max_length=255, blank=True)
    # Its entry in the published revocation lists (Bitstring Status List): list number
    # status_index // STATUS_LIST_SIZE + 1, bit status_index % STATUS_LIST_SIZE.
    status_index = models.PositiveIntegerField(null=True, blank=True, unique=True)
    # The earner's choice: show the accepted evidence (reflection and file) on the public
    # verification page. Off by default: evidence is private to the teacher and trainers.
    evidence_public = models.BooleanField(default=False)

    class Meta:
        db_table = "courses_issuedcredential"  # made in courses/, moved here with its rows
        constraints = [
            # One credential in force per teacher and achievement; revoked ones stay on record
            # beside the one a trainer issues again.
            models.UniqueConstraint(
                fields=["achievement", "participant"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_credential_per_achievement",
            )
        ]
        indexes = [
            # The revocation lists read only revoked credentials: a few among thousands.
            models.Index(
                fields=["status_index"],
                condition=models.Q(revoked_at__isnull=False),
                name="credential_revoked_status",
            )
        ]

    def __str__(self) -> str:
        return f"{self.achievement} for {self.participant}"
