"""A module version's trainer layer and classroom templates, and trainers' calibration rounds."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from courses.models import ModuleVersion, Participant, Placement


class ModuleMaterials(models.Model):
    """What `facilitator.md`, `calibration.yaml` and `templates/` held at the last import.

    Kept beside the module version rather than in it: fixing a guide or a template needs no new
    module version (attempts point at versions), so an import updates this row in place when
    the files' hash changes and leaves it alone when it does not.
    """

    module_version = models.OneToOneField(
        ModuleVersion, on_delete=models.CASCADE, related_name="materials"
    )
    content_hash = models.CharField(max_length=64)
    guide = models.JSONField(null=True, blank=True)  # title, minutes, summary, html (sanitized)
    calibration = models.JSONField(null=True, blank=True)  # the three examples, as validated
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Materials of {self.module_version}"


class ClassroomTemplate(models.Model):
    materials = models.ForeignKey(
        ModuleMaterials, on_delete=models.CASCADE, related_name="templates"
    )
    slug = models.SlugField(max_length=100)
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    description = models.CharField(max_length=500)
    markdown = models.TextField()  # as written, for the .md download
    html = models.TextField()  # sanitized at import

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["materials", "slug"], name="unique_template_slug")
        ]
        ordering = ["materials", "position"]

    def __str__(self) -> str:
        return self.title


class CalibrationAttempt(models.Model):
    """One trainer's scoring of a module's calibration examples, with the reference it was
    compared against at the time (a later import may change the examples)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="+")
    module_version = models.ForeignKey(ModuleVersion, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # [{example, title, criterion, chosen, reference, rationale, agreed}], in form order.
    results = models.JSONField()
    agreed = models.PositiveIntegerField()
    total = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["participant", "placement", "-created_at"])]

    def __str__(self) -> str:
        return f"Calibration by {self.participant_id}: {self.agreed}/{self.total}"
