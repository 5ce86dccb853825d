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
    # The school the LMS names for this person (a launch's custom `school` parameter), for the
    # program view's breakdown by school; blank when the LMS says nothing.
    school = models.CharField(max_length=255, blank=True)
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
    # Overrides of the module's mastery policy for this placement (threshold, max_attempts,
    # wait_minutes, score_policy, questions_per_attempt); empty means the module's own.
    mastery_policy = models.JSONField(default=dict, blank=True)
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


# --- The catalog: programs, modules, versions and lessons (imported from content packs) ---


class Program(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    """A module's stable identity; its text lives in versions, the newest of which is current."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="modules")
    slug = models.SlugField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    current = models.ForeignKey(
        "ModuleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired = models.BooleanField(default=False)  # no longer in its pack; history kept

    class Meta:
        ordering = ["program__position", "position", "slug"]

    def __str__(self) -> str:
        return self.current.title if self.current_id else self.slug


class ModuleVersion(models.Model):
    """One imported version of a module, never changed after import: attempts and progress
    point at it, so what a teacher did stays readable when the module changes."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    estimated_minutes = models.PositiveIntegerField()
    objectives = models.JSONField(default=list)
    evidence_task = models.JSONField(null=True, blank=True)
    mastery = models.JSONField(default=dict)  # questions_per_attempt, threshold, ...
    questions = models.JSONField(default=list)  # the question bank, as validated
    sources = models.JSONField(default=list)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["module", "version"], name="unique_module_version")
        ]
        ordering = ["module", "-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def question(self, question_id: str) -> dict | None:
        return next((q for q in self.questions if q.get("id") == question_id), None)


class Lesson(models.Model):
    module_version = models.ForeignKey(
        ModuleVersion, on_delete=models.CASCADE, related_name="lessons"
    )
    slug = models.SlugField(max_length=100)
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    minutes = models.PositiveIntegerField(default=0)
    objectives = models.JSONField(default=list)
    html = models.TextField()  # sanitized at import
    source_path = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["module_version", "slug"], name="unique_lesson_slug")
        ]
        ordering = ["module_version", "position"]

    def __str__(self) -> str:
        return self.title


class LessonProgress(models.Model):
    """A participant's view and completion of one lesson version, in one placement."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="+")
    module_version = models.ForeignKey(ModuleVersion, on_delete=models.PROTECT, related_name="+")
    lesson_slug = models.SlugField(max_length=100)  # matches the lesson across versions
    first_viewed_at = models.DateTimeField(default=timezone.now)
    last_viewed_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "placement", "lesson"], name="unique_lesson_progress"
            )
        ]
        indexes = [models.Index(fields=["participant", "placement", "-last_viewed_at"])]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.lesson_slug}"
