"""A cohort's sessions (meetings in a room or on a video call) and who attended them."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone

from courses.models import Cohort, Participant, Placement


class CohortSession(models.Model):
    """One meeting of a cohort, scheduled by a trainer for a module placed in the cohort.

    `starts_at` and `ends_at` are instants (stored in UTC); `time_zone` is the IANA zone the
    trainer scheduled it in, which pages and calendar files show it in.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"
        HELD = "held", "Held"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    # The module (placement) the session serves; kept when the placement goes, as history.
    placement = models.ForeignKey(
        Placement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    place = models.CharField(max_length=300, blank=True)
    video_url = models.URLField(max_length=500, blank=True)  # https only (forms.py)
    agenda = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True)  # shown to the cohort's teachers once the session is held
    next_steps = models.TextField(blank=True)
    # The calendar identity of the session: the same UID in every .ics, a higher SEQUENCE
    # after each change, so a calendar app updates the event rather than adding another.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["cohort", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def local_start(self):
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self):
        return self.ends_at.astimezone(self.zone)


class Attendance(models.Model):
    """Whether one teacher attended one session, as the trainer recorded it."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        ABSENT = "absent", "Absent"
        EXCUSED = "excused", "Excused"

    session = models.ForeignKey(CohortSession, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="unique_attendance")
        ]
        indexes = [models.Index(fields=["participant", "status"])]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.status} at {self.session_id}"
