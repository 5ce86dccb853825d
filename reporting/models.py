"""Program leads, program deadlines and the daily snapshots of a program's funnel.

A platform (tenant) is named by its id only: registrations live in lti_tool, above this app,
which tells this one what it needs to know through reporting/tenancy.py.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from courses.models import Program


class ProgramLead(models.Model):
    """A person an Ignite admin names to see one platform's programs. LTI roles never make one.

    The person is named by email (matched case-insensitively against the email their LMS sends)
    or by their LMS user id (`sub`) on that platform: exactly one of the two.
    """

    platform_id = models.PositiveBigIntegerField(
        help_text="The platform registration (tenant) whose cohorts the lead sees."
    )
    email = models.EmailField(max_length=320, blank=True)
    sub = models.CharField("LMS user id (sub)", max_length=255, blank=True)
    programs = models.ManyToManyField(Program, related_name="leads")
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(email="") & ~Q(sub="")) | (~Q(email="") & Q(sub="")),
                name="program_lead_email_or_sub",
            ),
            models.UniqueConstraint(
                fields=["platform_id", "email", "sub"], name="unique_program_lead"
            ),
        ]
        ordering = ["platform_id", "email", "sub"]

    def __str__(self) -> str:
        return f"{self.email or 'sub ' + self.sub} on platform {self.platform_id}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        self.sub = self.sub.strip()
        super().save(*args, **kwargs)


class ProgramPlan(models.Model):
    """What a program's pack says about its schedule (program.yaml `deadline:`, `reminders:`),
    kept at import."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="plan")
    deadline = models.DateField(null=True, blank=True)
    reminders = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.program}: {self.deadline or 'no deadline'}"


class LeadDeadline(models.Model):
    """A deadline a lead set for a program on their platform; wins over the pack's."""

    platform_id = models.PositiveBigIntegerField()
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    deadline = models.DateField()
    set_by = models.ForeignKey(
        ProgramLead, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform_id", "program"], name="unique_lead_deadline")
        ]

    def __str__(self) -> str:
        return f"{self.program} on platform {self.platform_id}: {self.deadline}"


class ProgramSnapshot(models.Model):
    """One day's funnel of a program on a platform, kept by the worker for the weekly trend."""

    platform_id = models.PositiveBigIntegerField()
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    enrolled = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    lessons_done = models.PositiveIntegerField(default=0)
    mastered = models.PositiveIntegerField(default=0)
    evidence_accepted = models.PositiveIntegerField(default=0)
    credentialed = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform_id", "program", "day"], name="unique_program_snapshot"
            )
        ]
        ordering = ["platform_id", "program", "day"]

    def __str__(self) -> str:
        return f"{self.program} on platform {self.platform_id}, {self.day}"
