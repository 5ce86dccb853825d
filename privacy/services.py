"""A district's data requests: export, erasure, and retention of free text and files."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from coaching.services import coaching_erase, coaching_text_count
from cohortsessions.models import Attendance
from cohortsessions.services import sessions_erase, sessions_naming
from courses.models import Cohort, LessonProgress, Membership, Participant, Placement
from credentials.models import IssuedCredential
from exchange.models import Post, Report, Response
from exchange.services import exchange_erase
from lti_tool.models import LtiUser
from mastery.models import (
    Attempt,
    AttemptGrant,
    EvidenceSubmission,
    GradeRecord,
    SavedAnswer,
    ScoreOverride,
)
from notifications.models import Notification
from notifications.services import notifications_erase
from reporting.leads import lead_rows_of
from reporting.models import ProgramLead

from .audit import audit_record
from .holdings import evidence_file_name, participant_holdings, post_file_name
from .models import AuditEntry

ERASED_REASON = "(erased at the teacher's request)"
ERASED_DELIVERY = "Not sent: the participant's data was erased (no LMS id left to send it to)."


def participant_export(*, participant: Participant, user=None, actor: str = "") -> bytes:
    """A zip: `participant.json` (every section the admin page shows) and the evidence files
    under `files/`. Recorded in the audit log."""
    sections = participant_holdings(participant=participant)
    document = {
        "exported_at": timezone.now().isoformat(),
        "participant_id": participant.pk,
        "sections": {s.key: {"title": s.title, "rows": s.rows} for s in sections},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("participant.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2))
        for evidence in EvidenceSubmission.objects.filter(participant=participant).exclude(file=""):
            try:
                with evidence.file.open("rb") as handle:
                    archive.writestr(evidence_file_name(evidence), handle.read())
            except FileNotFoundError:
                # Listed in the JSON; the file itself is missing from storage (say so).
                archive.writestr(evidence_file_name(evidence) + ".missing.txt", "not in storage")
        for post in Post.objects.filter(author=participant).exclude(file=""):
            try:
                with post.file.open("rb") as handle:
                    archive.writestr(post_file_name(post), handle.read())
            except FileNotFoundError:
                archive.writestr(post_file_name(post) + ".missing.txt", "not in storage")
    audit_record(
        action=AuditEntry.Action.DATA_EXPORTED,
        obj=participant,
        user=user,
        actor=actor,
        details={
            "evidence_files": sum(1 for n in archive.namelist() if n.startswith("files/evidence-")),
            "shared_practice_files": sum(
                1 for n in archive.namelist() if n.startswith("files/shared-practice-")
            ),
        },
    )
    return buffer.getvalue()


@dataclass
class ErasureReport:
    participant_id: int
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        verb = "Would erase" if self.dry_run else "Erased"
        head = f"{verb} the personal data of participant {self.participant_id}:"
        return [head] + [f"  {what}: {n}" for what, n in self.counts.items()]


def participant_erase(
    *, participant: Participant, dry_run: bool = False, user=None, actor: str = ""
) -> ErasureReport:
    """Remove a participant's personal data and keep what cohort statistics count.

    Goes: name, email, school, LMS ids, program-lead entries naming them, evidence files,
    reflections and review feedback about them,
    coaching goals, observation notes and feedback about them and their reflections on it,
    reasons trainers wrote about them, score comments, saved answers of unfinished attempts,
    their cohort session attendance records, their name in session notes and in comments about
    others (a trainer's "set by"), their shared practice (posts become empty withdrawn rows, files
    deleted; colleagues' responses to them, and their own responses, replies and reports,
    deleted). Stays, attached to the
    now anonymous participant: memberships, lesson progress, attempts (answers are choices
    and numbers, never free text) with their scores and question credits, grade records'
    scores, and issued credentials (the holder's copy stays valid: Ignite keeps the signed JWT
    and the status-list entry that verification reads; the credential names the earner only by
    a salted hash of the email).
    """
    pid = participant.pk
    evidence = EvidenceSubmission.objects.filter(participant_id=pid)
    # Read before the LMS accounts go: a lead entry may name them by their LMS user id.
    leads = ProgramLead.objects.filter(pk__in=[lead.pk for lead in lead_rows_of(participant)])
    full = " ".join(p for p in (participant.given_name, participant.family_name) if p)
    names = {n for n in (participant.name, full) if n}
    named_comments = GradeRecord.objects.none()
    for name in names:
        named_comments = named_comments | GradeRecord.objects.filter(comment__contains=name)
    counts = {
        "name and email": 1 if (participant.name or participant.email) else 0,
        "LMS accounts": LtiUser.objects.filter(participant_id=pid).count(),
        "evidence files": evidence.exclude(file="").count(),
        "evidence reflections and feedback": evidence.filter(
            ~Q(reflection="") | ~Q(feedback="")
        ).count(),
        "saved answers": SavedAnswer.objects.filter(attempt__participant_id=pid).count(),
        "score comments": GradeRecord.objects.filter(participant_id=pid)
        .exclude(comment="")
        .count(),
        "comments naming them": named_comments.exclude(participant_id=pid).count(),
        "trainers' reasons": AttemptGrant.objects.filter(participant_id=pid)
        .exclude(reason="")
        .count()
        + ScoreOverride.objects.filter(participant_id=pid).count(),
        "scores not yet sent (cancelled)": GradeRecord.objects.filter(
            participant_id=pid, status__in=[GradeRecord.Status.PENDING, GradeRecord.Status.SENDING]
        ).count(),
        "shared practice posts (content, files and responses to them)": Post.objects.filter(
            author_id=pid
        )
        .exclude(status=Post.Status.WITHDRAWN, title="")
        .count(),
        "shared practice responses and reports": Response.objects.filter(author_id=pid).count()
        + Report.objects.filter(reporter_id=pid).count(),
        "session attendance records": Attendance.objects.filter(participant_id=pid).count(),
        "session notes naming them": sessions_naming(names).count(),
        "coaching goals, observation notes, feedback and reflections": coaching_text_count(
            teacher_id=pid
        ),
        "notifications": Notification.objects.filter(participant_id=pid).count(),
        "program lead entries": leads.count(),
        "credentials kept (still valid for their holder)": IssuedCredential.objects.filter(
            participant_id=pid
        ).count(),
    }
    report = ErasureReport(participant_id=pid, dry_run=dry_run, counts=counts)
    if dry_run:
        return report
    files = [e.file.name for e in evidence.exclude(file="")]
    with transaction.atomic():
        # Shared practice: the posts become empty withdrawn rows (their files go after the
        # commit); colleagues' responses to them and the person's own responses and reports go,
        # with the unsent emails about them.
        exchange_erase(participant_id=pid)
        # Others' emails that name the person (a response, a reply): the name leaves them.
        for name in names:
            for note in Notification.objects.filter(
                Q(subject__contains=name) | Q(body__contains=name)
            ).exclude(participant_id=pid):
                Notification.objects.filter(pk=note.pk).update(
                    subject=note.subject.replace(name, "A colleague"),
                    body=note.body.replace(name, "A colleague"),
                )
        for record in named_comments.exclude(participant_id=pid):
            comment = record.comment
            for name in names:
                comment = comment.replace(name, "a trainer")
            GradeRecord.objects.filter(pk=record.pk).update(comment=comment)
        GradeRecord.objects.filter(
            participant_id=pid, status__in=[GradeRecord.Status.PENDING, GradeRecord.Status.SENDING]
        ).update(status=GradeRecord.Status.FAILED, last_error=ERASED_DELIVERY, lease_until=None)
        GradeRecord.objects.filter(participant_id=pid).update(comment="")
        evidence.update(reflection="", feedback="", file="", file_mime="")
        SavedAnswer.objects.filter(attempt__participant_id=pid).delete()
        AttemptGrant.objects.filter(participant_id=pid).update(reason="")
        ScoreOverride.objects.filter(participant_id=pid).update(reason=ERASED_REASON)
        IssuedCredential.objects.filter(participant_id=pid).update(evidence_public=False)
        leads.delete()
        sessions_erase(participant_id=pid, names=names)
        # Coaching: the free text written by or about the teacher goes; the steps, dates and
        # ratings (numbers on the tool's scale) stay for the cohort's growth figures.
        coaching_erase(teacher_id=pid)
        LtiUser.objects.filter(participant_id=pid).delete()
        notifications_erase(participant=participant)
        Participant.objects.filter(pk=pid).update(
            name="", given_name="", family_name="", email="", school="", updated_at=timezone.now()
        )
        audit_record(
            action=AuditEntry.Action.DATA_ERASED,
            obj=participant,
            user=user,
            actor=actor,
            details=counts,
        )
        # Files go once the rows no longer point at them (a failed transaction keeps both).
        transaction.on_commit(lambda: _delete_files(files))
    participant.refresh_from_db()
    return report


def _delete_files(names: list[str]) -> None:
    storage = EvidenceSubmission._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


# --- Retention -------------------------------------------------------------------------------


def cohort_end(*, cohort: Cohort) -> datetime | None:
    """A cohort's end: the later of its last activity (a launch, a lesson view, an attempt, an
    evidence submission or review) and its last placement's due date. None if it has neither."""
    placements = Placement.objects.filter(cohort=cohort)
    candidates = [
        placements.aggregate(m=Max("due_at"))["m"],
        Membership.objects.filter(cohort=cohort).aggregate(m=Max("last_launch_at"))["m"],
        LessonProgress.objects.filter(placement__cohort=cohort).aggregate(m=Max("last_viewed_at"))[
            "m"
        ],
        Attempt.objects.filter(placement__cohort=cohort).aggregate(m=Max("started_at"))["m"],
        Attempt.objects.filter(placement__cohort=cohort).aggregate(m=Max("submitted_at"))["m"],
        EvidenceSubmission.objects.filter(placement__cohort=cohort).aggregate(
            m=Max("submitted_at")
        )["m"],
        EvidenceSubmission.objects.filter(placement__cohort=cohort).aggregate(m=Max("reviewed_at"))[
            "m"
        ],
    ]
    found = [c for c in candidates if c]
    return max(found) if found else None


@dataclass
class RetentionItem:
    evidence_id: int
    cohort_id: int
    cohort_end: datetime
    file: str
    has_text: bool

    def line(self) -> str:
        what = " and ".join(
            w for w, on in (("file", bool(self.file)), ("free text", self.has_text)) if on
        )
        return (
            f"evidence {self.evidence_id} in cohort {self.cohort_id} "
            f"(ended {self.cohort_end:%Y-%m-%d}): {what}"
        )


def retention_due(*, days: int, now: datetime | None = None) -> list[RetentionItem]:
    """Evidence with a file or free text (reflection, feedback) in cohorts that ended more than
    `days` days before `now`."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    due = []
    with_content = EvidenceSubmission.objects.filter(
        ~Q(file="") | ~Q(reflection="") | ~Q(feedback="")
    )
    cohort_ids = with_content.values_list("placement__cohort_id", flat=True).distinct()
    for cohort in Cohort.objects.filter(pk__in=cohort_ids).order_by("pk"):
        end = cohort_end(cohort=cohort)
        if end is None or end > cutoff:
            continue
        for e in with_content.filter(placement__cohort=cohort).order_by("pk"):
            due.append(
                RetentionItem(
                    evidence_id=e.pk,
                    cohort_id=cohort.pk,
                    cohort_end=end,
                    file=e.file.name if e.file else "",
                    has_text=bool(e.reflection or e.feedback),
                )
            )
    return due


def retention_apply(*, days: int, now: datetime | None = None) -> list[RetentionItem]:
    """Delete what `retention_due` lists: the files from storage, the free text from the rows
    and from the evidence score comments sent with the review. Scores stay."""
    due = retention_due(days=days, now=now)
    if not due:
        return due
    ids = [item.evidence_id for item in due]
    files = [item.file for item in due if item.file]
    with transaction.atomic():
        pairs = EvidenceSubmission.objects.filter(pk__in=ids).values_list(
            "participant_id", "placement_id"
        )
        for participant_id, placement_id in set(pairs):
            GradeRecord.objects.filter(
                participant_id=participant_id,
                placement_id=placement_id,
                kind=GradeRecord.Kind.EVIDENCE,
            ).update(comment="")
        EvidenceSubmission.objects.filter(pk__in=ids).update(
            reflection="", feedback="", file="", file_mime=""
        )
        audit_record(
            action=AuditEntry.Action.RETENTION_RUN,
            object_type=EvidenceSubmission._meta.label,
            actor="retention",
            details={"days": days, "evidence": ids, "files": len(files)},
        )
        transaction.on_commit(lambda: _delete_files(files))
    return due
