"""Retention: evidence files and free text go IGNITE_RETENTION_DAYS after a cohort's end (its
last activity or last due date, whichever is later); a dry run lists what would go."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from courses.models import LessonProgress, Membership, Placement
from mastery.models import Attempt, EvidenceSubmission, GradeRecord
from privacy.models import AuditEntry

from .conftest import MAYA_REFLECTION


def _age(cohort_id: int, days: int) -> None:
    """Move every activity of the cohort `days` into the past."""
    back = timedelta(days=days)
    Membership.objects.filter(cohort_id=cohort_id).update(last_launch_at=F("last_launch_at") - back)
    LessonProgress.objects.filter(placement__cohort_id=cohort_id).update(
        last_viewed_at=F("last_viewed_at") - back
    )
    Attempt.objects.filter(placement__cohort_id=cohort_id).update(
        started_at=F("started_at") - back, submitted_at=F("submitted_at") - back
    )
    EvidenceSubmission.objects.filter(placement__cohort_id=cohort_id).update(
        submitted_at=F("submitted_at") - back, reviewed_at=F("reviewed_at") - back
    )


def _run(*flags: str) -> str:
    out = StringIO()
    call_command("privacy", "retention", *flags, stdout=out)
    return out.getvalue()


@pytest.fixture
def storage():
    return EvidenceSubmission._meta.get_field("file").storage


def test_off_by_default(world, settings, storage):
    assert settings.IGNITE_RETENTION_DAYS == 0
    _age(world.placement.cohort_id, 4000)
    assert "Retention is off" in _run()
    assert storage.exists(world.evidence.file.name)


def test_dry_run_lists_what_would_go_and_keeps_it(world, settings, storage):
    settings.IGNITE_RETENTION_DAYS = 30
    _age(world.placement.cohort_id, 31)
    out = _run("--dry-run")
    assert "Would delete 1 evidence item(s)" in out
    assert f"evidence {world.evidence.pk} in cohort {world.placement.cohort_id}" in out
    assert "file and free text" in out
    evidence = EvidenceSubmission.objects.get(pk=world.evidence.pk)
    assert evidence.reflection == MAYA_REFLECTION and storage.exists(evidence.file.name)
    assert not AuditEntry.objects.filter(action="retention_run").exists()


def test_real_run_deletes_files_and_free_text_and_keeps_scores(
    world, settings, storage, django_capture_on_commit_callbacks
):
    settings.IGNITE_RETENTION_DAYS = 30
    _age(world.placement.cohort_id, 31)
    name = world.evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        out = _run()
    assert "Deleted 1 evidence item(s)" in out
    evidence = EvidenceSubmission.objects.get(pk=world.evidence.pk)
    assert (evidence.reflection, evidence.feedback, evidence.file.name) == ("", "", "")
    assert evidence.score == world.evidence.score and evidence.status == "accepted"
    assert not storage.exists(name)
    assert not GradeRecord.objects.filter(kind="evidence").exclude(comment="").exists()
    assert AuditEntry.objects.get(action="retention_run").details["evidence"] == [evidence.pk]
    assert "Would delete 0" in _run("--dry-run")  # nothing left to go


def test_a_recent_cohort_or_a_later_due_date_keeps_everything(world, settings):
    settings.IGNITE_RETENTION_DAYS = 30
    cohort_id = world.placement.cohort_id
    _age(cohort_id, 29)
    assert "Would delete 0" in _run("--dry-run")
    _age(cohort_id, 10)  # 39 days since the last activity, but the due date was 20 days ago
    Placement.objects.filter(pk=world.placement.pk).update(
        due_at=timezone.now() - timedelta(days=20)
    )
    assert "Would delete 0" in _run("--dry-run")
    Placement.objects.filter(pk=world.placement.pk).update(
        due_at=timezone.now() - timedelta(days=31)
    )
    assert "Would delete 1" in _run("--dry-run")
