"""People and places of learning, in words that know nothing of LTI.

A *participant* is a person in one platform; a *cohort* is a group learning together (an LMS
course); a *placement* is a module placed in a cohort (an LMS link). lti_tool maps launches
onto these; this app never sees a token.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Participant(models.Model):
    name = models.CharField(max_length=255, blank=True)
    given_name = models.CharField(max_length=255, blank=True)
    family_name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(max_length=320, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = self.name or " ".join(p for p in (self.given_name, self.family_name) if p)
        return full or self.email or f"Participant {self.pk}"


class Cohort(models.Model):
    title = models.CharField(max_length=255, blank=True)
    label = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or self.label or f"Cohort {self.pk}"


class Placement(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="placements")
    title = models.CharField(max_length=255, blank=True)
    # The catalog module placed here, by slug; resolved by the catalog (see the catalog issue).
    module_slug = models.SlugField(max_length=100, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title or f"Placement {self.pk}"


class Role(models.TextChoices):
    TEACHER = "teacher", "Teacher"
    TRAINER = "trainer", "Trainer"
    NONE = "none", "No role"


class Membership(models.Model):
    """A participant's place in a cohort, as of their last launch (or roster sync)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="memberships"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.NONE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    last_launch_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "cohort"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.participant} in {self.cohort} ({self.role})"
