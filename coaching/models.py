"""Look-for tools (per module version), coaching cycles with their step log, and observations.

A cycle belongs to a cohort and one of its placements (the module): a coach (a trainer of the
cohort) and a teacher of the cohort agree a goal, the coach observes with the module's look-for
tool, shares growth-oriented feedback, the teacher reflects, and the cycle closes (or a next
cycle follows it). Every step is logged with who and when.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from courses.models import Cohort, ModuleVersion, Participant, Placement


class ObservationTool(models.Model):
    """What `observation.yaml` held at the last import, kept beside the module version: a fix
    to a look-for needs no new module version, so an import updates this row in place when the
    file's hash changes. Observations keep a copy of the tool they were made with."""

    module_version = models.OneToOneField(
        ModuleVersion, on_delete=models.CASCADE, related_name="observation_tool"
    )
    content_hash = models.CharField(max_length=64)
    # title, purpose, scale [{level, label, description}], look_fors [{slug, who, text,
    # evidence, lesson}], notes_prompt, sources: as validated by coaching/content.py
    tool = models.JSONField()
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.tool.get("title", "") or f"Tool of {self.module_version}"


class Step(models.TextChoices):
    GOAL_SET = "goal_set", "Goal set"
    OBSERVED = "observed", "Observed"
    FEEDBACK_SHARED = "feedback_shared", "Feedback shared"
    REFLECTED = "reflected", "Teacher reflected"
    CLOSED = "closed", "Closed"


STEP_ORDER = [s.value for s in Step]


class CoachingCycle(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="+")
    coach = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    previous = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_cycle"
    )
    goal = models.TextField(blank=True)
    goal_proposal = models.TextField(blank=True)  # the teacher's own proposal, before it is set
    planned_on = models.DateField(null=True, blank=True)  # the planned observation date
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.GOAL_SET)
    goal_met = models.BooleanField(null=True, blank=True)  # set when the cycle closes
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["cohort", "teacher", "-created_at"]),
            models.Index(fields=["teacher", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Coaching cycle {self.pk} ({self.get_step_display()})"

    @property
    def is_open(self) -> bool:
        return self.step != Step.CLOSED


class CycleEvent(models.Model):
    """The step log: who moved the cycle to which step, and when."""

    cycle = models.ForeignKey(CoachingCycle, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=20, choices=Step.choices)
    by = models.ForeignKey(Participant, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} at {self.at:%Y-%m-%d %H:%M}"


class Observation(models.Model):
    """The coach's look-for ratings and feedback for one cycle; a draft until it is shared."""

    cycle = models.OneToOneField(
        CoachingCycle, on_delete=models.CASCADE, related_name="observation"
    )
    tool = models.JSONField()  # the look-for tool as it was when the observation started
    observed_on = models.DateField(null=True, blank=True)
    ratings = models.JSONField(default=dict)  # look-for slug -> level (absent: not seen)
    notes = models.TextField(blank=True)
    strength_look_for = models.SlugField(max_length=100, blank=True)
    strength = models.TextField(blank=True)
    next_step = models.TextField(blank=True)
    resource_lesson = models.SlugField(max_length=100, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    # The teacher's side, once feedback is shared.
    reflection = models.TextField(blank=True)
    response = models.TextField(blank=True)  # a reply to the coach, optional
    reflected_at = models.DateTimeField(null=True, blank=True)
    # Whether the teacher agreed that a credential's evidence may name this observation.
    evidence_consent = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Observation for cycle {self.cycle_id}"

    @property
    def shared(self) -> bool:
        return self.shared_at is not None


class PlacementCoaching(models.Model):
    """Per placement (one LMS link): whether a shared observation's score goes to the LMS
    gradebook as its own column ("<link>: Observation of practice"). Off until a trainer turns
    it on."""

    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="+")
    grades_to_lms = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Coaching settings of placement {self.placement_id}"
