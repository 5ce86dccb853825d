"""What Ignite has to tell people by email, and who asked not to hear it.

A notification is a row, written in the transaction that records its event, and sent later by
the worker: the event and its email cannot part (no email about a response that was rolled
back, no response whose email is forgotten). (participant, kind, key) is unique, so a producer
that runs again, or two workers that race, queue it once.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from courses.models import Participant


class Notification(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"
        SKIPPED = "skipped", "Not sent (turned off or no address)"

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    # Gathered into one email a day with the person's other digest items (trainers).
    digest = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now)  # not before (retries wait)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "kind", "key"], name="notification_once")
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.participant_id}: {self.subject}"


class OptOut(models.Model):
    """A kind of email the person turned off; kind "" is every Ignite email."""

    ALL = ""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "kind"], name="optout_once")]

    def __str__(self) -> str:
        return f"{self.participant_id} opted out of {self.kind or 'everything'}"
