"""Mastery checks and the grade outbox.

The outbox: grading writes a GradeRecord in the same transaction as the attempt, so a score
can never be lost between the database and the LMS. A worker (lti_tool/passback.py) claims
rows with a conditional update and delivers them through AGS.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from courses.models import Participant, Placement


class GradeRecord(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        DELIVERED = "delivered", "In the gradebook"
        FAILED = "failed", "Could not be sent"
        SUPERSEDED = "superseded", "Replaced by a newer score"
        NO_GRADEBOOK = "no_gradebook", "This LMS link has no gradebook"

    class Kind(models.TextChoices):
        MASTERY = "mastery", "Mastery check"
        EVIDENCE = "evidence", "Evidence of practice"
        OBSERVATION = "observation", "Observation of practice"  # coaching/, off by default

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="grade_records"
    )
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="grade_records")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MASTERY)
    score_given = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    score_maximum = models.DecimalField(max_digits=9, decimal_places=4)
    activity_progress = models.CharField(max_length=16, default="Completed")
    grading_progress = models.CharField(max_length=16, default="FullyGraded")
    comment = models.TextField(blank=True)
    # The score's time as the LMS sees it: strictly increasing per participant and placement,
    # because platforms ignore a score older than the one they hold.
    timestamp = models.DateTimeField()

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="grade_due_idx"),
            models.Index(
                fields=["participant", "placement", "kind", "timestamp"], name="grade_pair_idx"
            ),
        ]
        ordering = ["-timestamp"]

    def __str__(self) -> str:
        return f"{self.participant} {self.placement}: {self.score_given}/{self.score_maximum} ({self.status})"


class Attempt(models.Model):
    """One try at a module's mastery check. Its questions and their order are fixed when it
    starts (question ids and a shuffle seed over an immutable module version), so a reload,
    a second tab or a resume next week shows the same attempt."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="attempts")
    module_version = models.ForeignKey(
        "courses.ModuleVersion", on_delete=models.PROTECT, related_name="attempts"
    )
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    question_ids = models.JSONField()
    seed = models.BigIntegerField()
    # Form values are choices' places on the page, not in the pack (mastery.questions.present).
    # False only for attempts started before that: their open pages still send pack positions.
    opaque_keys = models.BooleanField(default=True)
    policy = models.JSONField()  # the policy in force when the attempt started
    answers = models.JSONField(null=True, blank=True)  # question id -> answer, at submission
    credits = models.JSONField(null=True, blank=True)  # question id -> 0..1
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)  # percent
    mastered = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "placement", "number"], name="unique_attempt_number"
            ),
            models.UniqueConstraint(
                fields=["participant", "placement"],
                condition=models.Q(status="in_progress"),
                name="one_open_attempt",
            ),
        ]
        ordering = ["participant", "placement", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of participant {self.participant_id}"

    @property
    def score_display(self) -> str:
        """87.5, 100, 33.33: the percentage as the teacher and the gradebook see it."""
        if self.score is None:
            return ""
        return f"{self.score:.2f}".rstrip("0").rstrip(".")


def evidence_path(instance, filename: str) -> str:
    # Never the uploaded name: a random name under the placement, with the detected extension.
    import secrets

    return f"evidence/{instance.placement_id}/{secrets.token_hex(16)}.{instance.file_type}"


class EvidenceSubmission(models.Model):
    """A teacher's evidence of practice for a module, and the trainer's review of it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for review"
        ACCEPTED = "accepted", "Accepted"
        REVISION = "revision", "Revision requested"

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="evidence")
    module_version = models.ForeignKey(
        "courses.ModuleVersion", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(default=1)
    reflection = models.TextField(blank=True)
    file = models.FileField(upload_to=evidence_path, blank=True)
    file_type = models.CharField(max_length=10, blank=True)  # detected from the content
    file_mime = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewer = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rubric_levels = models.JSONField(default=dict, blank=True)  # criterion -> level index
    feedback = models.TextField(blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["participant", "placement", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "placement", "number"], name="unique_evidence_number"
            )
        ]

    def __str__(self) -> str:
        return f"evidence {self.number} of participant {self.participant_id}"


class SavedAnswer(models.Model):
    """A teacher's answer to one question of an unfinished attempt, saved as they choose it.

    One row per question, so two tabs or a retried request each write their own question and
    the last write wins per question. `fields` holds the form values as sent (name -> list of
    strings, bounded), read by mastery.questions.read_answer like a submitted form; a half-set
    ordering or an unparsable number is kept as typed.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="saved_answers")
    question_id = models.CharField(max_length=64)
    fields = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question_id"], name="unique_saved_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"saved answer to {self.question_id} in attempt {self.attempt_id}"


class AttemptGrant(models.Model):
    """One extra mastery-check attempt a trainer gave one teacher in one placement."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="attempt_grants"
    )
    granted_by = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["participant", "placement", "granted_at"]
        indexes = [models.Index(fields=["participant", "placement"], name="grant_pair_idx")]

    def __str__(self) -> str:
        return f"extra attempt for participant {self.participant_id}"


class ScoreOverride(models.Model):
    """A trainer's mastery score for one teacher in one placement, with the reason. It is sent
    to the LMS as a new grade record (kept here so the page can say who sent what, and why)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="score_overrides"
    )
    score = models.DecimalField(max_digits=5, decimal_places=2)  # percent
    previous_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    reason = models.TextField()
    overridden_by = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    grade_record = models.ForeignKey(
        GradeRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["participant", "placement", "created_at"]
        indexes = [models.Index(fields=["participant", "placement"], name="override_pair_idx")]

    def __str__(self) -> str:
        return f"override {self.score}% for participant {self.participant_id}"

    @property
    def score_display(self) -> str:
        return f"{self.score:.2f}".rstrip("0").rstrip(".")
