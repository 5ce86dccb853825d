"""What Ignite holds about one participant: one selector read by the admin page and the export,
so that the export holds exactly what the page shows."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from coaching.models import CoachingCycle, CycleEvent, Observation
from cohortsessions.models import Attendance, CohortSession
from courses.models import LessonProgress, Membership, Participant
from credentials.models import IssuedCredential
from exchange.models import Post, Report, Response
from facilitation.models import CalibrationAttempt
from lti_tool.models import LtiUser
from mastery.models import (
    Attempt,
    AttemptGrant,
    EvidenceSubmission,
    GradeRecord,
    SavedAnswer,
    ScoreOverride,
)
from notifications.models import Notification, OptOut
from reporting.leads import lead_rows_of


@dataclass
class Section:
    key: str
    title: str
    rows: list[dict] = field(default_factory=list)


def evidence_file_name(evidence: EvidenceSubmission) -> str:
    """Where an evidence file sits in the export zip."""
    ext = os.path.splitext(evidence.file.name)[1] if evidence.file else ""
    return f"files/evidence-{evidence.pk}{ext}"


def post_file_name(post: Post) -> str:
    """Where a shared-practice file sits in the export zip."""
    ext = os.path.splitext(post.file.name)[1] if post.file else ""
    return f"files/shared-practice-{post.pk}{ext}"


def _dt(value) -> str | None:
    return value.isoformat() if value else None


def _num(value) -> str | None:
    return None if value is None else str(value)


def participant_holdings(*, participant: Participant) -> list[Section]:
    """Every row about the participant, as plain JSON-ready dicts, by kind."""
    pid = participant.pk
    person = Section(
        "participant",
        "Person",
        [
            {
                "id": pid,
                "name": participant.name,
                "given_name": participant.given_name,
                "family_name": participant.family_name,
                "email": participant.email,
                "school": participant.school,
                "created_at": _dt(participant.created_at),
            }
        ],
    )
    lms = Section(
        "lms_accounts",
        "LMS accounts",
        [
            {"platform": u.platform.issuer, "client_id": u.platform.client_id, "lms_user_id": u.sub}
            for u in LtiUser.objects.filter(participant_id=pid).select_related("platform")
        ],
    )
    memberships = Section(
        "memberships",
        "Cohort memberships",
        [
            {
                "cohort": m.cohort_id,
                "cohort_title": m.cohort.display_title,
                "role": m.role,
                "status": m.status,
                "last_launch_at": _dt(m.last_launch_at),
            }
            for m in Membership.objects.filter(participant_id=pid).select_related("cohort")
        ],
    )
    progress = Section(
        "lesson_progress",
        "Lesson progress",
        [
            {
                "placement": p.placement_id,
                "lesson": p.lesson_slug,
                "first_viewed_at": _dt(p.first_viewed_at),
                "last_viewed_at": _dt(p.last_viewed_at),
                "completed_at": _dt(p.completed_at),
            }
            for p in LessonProgress.objects.filter(participant_id=pid).order_by("pk")
        ],
    )
    attempts = Section(
        "attempts",
        "Mastery-check attempts",
        [
            {
                "id": a.pk,
                "placement": a.placement_id,
                "module": a.module_version.title,
                "number": a.number,
                "status": a.status,
                "answers": a.answers,
                "credits": a.credits,
                "score": _num(a.score),
                "mastered": a.mastered,
                "started_at": _dt(a.started_at),
                "submitted_at": _dt(a.submitted_at),
            }
            for a in Attempt.objects.filter(participant_id=pid).select_related("module_version")
        ],
    )
    saved = Section(
        "saved_answers",
        "Saved answers (unfinished attempts)",
        [
            {
                "attempt": s.attempt_id,
                "question": s.question_id,
                "fields": s.fields,
                "updated_at": _dt(s.updated_at),
            }
            for s in SavedAnswer.objects.filter(attempt__participant_id=pid).order_by("pk")
        ],
    )
    evidence = Section(
        "evidence",
        "Evidence of practice",
        [
            {
                "id": e.pk,
                "placement": e.placement_id,
                "number": e.number,
                "reflection": e.reflection,
                "file": evidence_file_name(e) if e.file else "",
                "file_type": e.file_type,
                "file_size": e.file_size,
                "status": e.status,
                "submitted_at": _dt(e.submitted_at),
                "reviewed_at": _dt(e.reviewed_at),
                "rubric_levels": e.rubric_levels,
                "feedback": e.feedback,
                "score": _num(e.score),
            }
            for e in EvidenceSubmission.objects.filter(participant_id=pid).order_by("pk")
        ],
    )
    grades = Section(
        "grade_records",
        "Scores sent to the LMS",
        [
            {
                "id": g.pk,
                "placement": g.placement_id,
                "kind": g.kind,
                "score_given": _num(g.score_given),
                "score_maximum": _num(g.score_maximum),
                "comment": g.comment,
                "status": g.status,
                "timestamp": _dt(g.timestamp),
                "delivered_at": _dt(g.delivered_at),
            }
            for g in GradeRecord.objects.filter(participant_id=pid).order_by("pk")
        ],
    )
    adjustments = Section(
        "adjustments",
        "Trainers' adjustments (extra attempts and score overrides)",
        [
            {
                "kind": "extra attempt",
                "placement": g.placement_id,
                "at": _dt(g.granted_at),
                "by": g.granted_by_id,
                "reason": g.reason,
            }
            for g in AttemptGrant.objects.filter(participant_id=pid).order_by("pk")
        ]
        + [
            {
                "kind": f"score set to {o.score_display}%",
                "placement": o.placement_id,
                "at": _dt(o.created_at),
                "by": o.overridden_by_id,
                "reason": o.reason,
            }
            for o in ScoreOverride.objects.filter(participant_id=pid).order_by("pk")
        ],
    )
    credentials = Section(
        "credentials",
        "Credentials issued",
        [
            {
                "public_id": str(c.public_id),
                "achievement": c.achievement.name,
                "cohort": c.cohort_id,
                "issued_at": _dt(c.issued_at),
                "revoked_at": _dt(c.revoked_at),
                "evidence_public": c.evidence_public,
                "jwt": c.jwt,
            }
            for c in IssuedCredential.objects.filter(participant_id=pid)
            .select_related("achievement")
            .order_by("pk")
        ],
    )
    calibration = Section(
        "calibration_rounds",
        "Calibration rounds (trainers)",
        [
            {
                "placement": c.placement_id,
                "module": c.module_version.title,
                "created_at": _dt(c.created_at),
                "agreed": c.agreed,
                "total": c.total,
                "results": c.results,
            }
            for c in CalibrationAttempt.objects.filter(participant_id=pid)
            .select_related("module_version")
            .order_by("pk")
        ],
    )
    posts = Section(
        "exchange_posts",
        "Shared practice (posts)",
        [
            {
                "id": p.pk,
                "placement": p.placement_id,
                "kind": p.kind,
                "title": p.title,
                "what_i_tried": p.tried,
                "what_happened": p.happened,
                "what_i_would_change": p.change,
                "link": p.link,
                "file": post_file_name(p) if p.file else "",
                "file_type": p.file_type,
                "status": p.status,
                "hidden_reason": p.hidden_reason,
                "exemplar": p.exemplar,
                "consent_for_other_cohorts": p.consent,
                "created_at": _dt(p.created_at),
                "withdrawn_at": _dt(p.withdrawn_at),
            }
            for p in Post.objects.filter(author_id=pid).order_by("pk")
        ],
    )
    responses = Section(
        "exchange_responses",
        "Shared practice (responses to colleagues, and replies to responses)",
        [
            {
                "kind": "response",
                "post": r.post_id,
                "text": f"Glow: {r.glow}\nGrow: {r.grow}\nQuestion: {r.question}",
                "at": _dt(r.created_at),
            }
            for r in Response.objects.filter(author_id=pid).order_by("pk")
        ]
        + [
            {"kind": "reply", "post": r.post_id, "text": r.reply, "at": _dt(r.replied_at)}
            for r in Response.objects.filter(post__author_id=pid).exclude(reply="").order_by("pk")
        ],
    )
    reports = Section(
        "exchange_reports",
        "Shared practice (reports sent to trainers)",
        [
            {"post": r.post_id, "reason": r.reason, "at": _dt(r.created_at)}
            for r in Report.objects.filter(reporter_id=pid).order_by("pk")
        ],
    )
    attendance = Section(
        "session_attendance",
        "Cohort session attendance",
        [
            {
                "session": a.session_id,
                "title": a.session.title,
                "cohort": a.session.cohort_id,
                "starts_at": _dt(a.session.starts_at),
                "time_zone": a.session.time_zone,
                "status": a.status,
                "recorded_at": _dt(a.recorded_at),
                "recorded_by": a.recorded_by_id,
            }
            for a in Attendance.objects.filter(participant_id=pid)
            .select_related("session")
            .order_by("pk")
        ],
    )
    sessions_led = Section(
        "sessions_scheduled",
        "Cohort sessions scheduled (trainers)",
        [
            {
                "session": s.pk,
                "title": s.title,
                "cohort": s.cohort_id,
                "starts_at": _dt(s.starts_at),
                "status": s.status,
            }
            for s in CohortSession.objects.filter(created_by_id=pid).order_by("pk")
        ],
    )
    coaching = Section(
        "coaching",
        "Coaching cycles and observations (as the teacher, or as the coach)",
        _coaching_rows(pid),
    )
    notifications = Section(
        "notifications",
        "Emails from Ignite (notifications) and the ones turned off",
        [
            {
                "kind": n.kind,
                "subject": n.subject,
                "state": n.state,
                "created_at": _dt(n.created_at),
                "sent_at": _dt(n.sent_at),
            }
            for n in Notification.objects.filter(participant_id=pid).order_by("pk")
        ]
        + [
            {"kind": o.kind or "all", "state": "turned off", "created_at": _dt(o.created_at)}
            for o in OptOut.objects.filter(participant_id=pid).order_by("pk")
        ],
    )
    leads = Section(
        "program_lead",
        "Program lead (named by an Ignite administrator)",
        [
            {
                "platform_id": lead.platform_id,
                "email": lead.email,
                "lms_user_id": lead.sub,
                "programs": [p.slug for p in lead.programs.all()],
                "created_at": _dt(lead.created_at),
            }
            for lead in lead_rows_of(participant)
        ],
    )
    return [
        person,
        lms,
        memberships,
        progress,
        attempts,
        saved,
        evidence,
        grades,
        adjustments,
        credentials,
        calibration,
        posts,
        responses,
        reports,
        attendance,
        sessions_led,
        coaching,
        notifications,
        leads,
    ]


def _coaching_rows(pid: int) -> list[dict]:
    """Every cycle the participant is in, as the teacher or as the coach, with its step log and
    its observation (ratings, notes, feedback, the teacher's reflection and consent)."""
    cycles = list(
        CoachingCycle.objects.filter(teacher_id=pid).union(
            CoachingCycle.objects.filter(coach_id=pid)
        )
    )
    ids = [c.pk for c in cycles]
    observations = {o.cycle_id: o for o in Observation.objects.filter(cycle_id__in=ids)}
    events: dict[int, list[dict]] = {}
    for e in CycleEvent.objects.filter(cycle_id__in=ids).order_by("at", "pk"):
        events.setdefault(e.cycle_id, []).append({"step": e.step, "at": _dt(e.at), "by": e.by_id})
    rows = []
    for c in sorted(cycles, key=lambda c: c.pk):
        o = observations.get(c.pk)
        rows.append(
            {
                "cycle": c.pk,
                "role": "teacher" if c.teacher_id == pid else "coach",
                "cohort": c.cohort_id,
                "placement": c.placement_id,
                "teacher": c.teacher_id,
                "coach": c.coach_id,
                "goal": c.goal,
                "goal_proposal": c.goal_proposal,
                "planned_on": c.planned_on.isoformat() if c.planned_on else None,
                "step": c.step,
                "goal_met": c.goal_met,
                "steps": events.get(c.pk, []),
                "observation": None
                if o is None
                else {
                    "observed_on": o.observed_on.isoformat() if o.observed_on else None,
                    "ratings": o.ratings,
                    "notes": o.notes,
                    "strength_look_for": o.strength_look_for,
                    "strength": o.strength,
                    "next_step": o.next_step,
                    "resource_lesson": o.resource_lesson,
                    "shared_at": _dt(o.shared_at),
                    "reflection": o.reflection,
                    "response": o.response,
                    "reflected_at": _dt(o.reflected_at),
                    "evidence_consent": o.evidence_consent,
                },
            }
        )
    return rows
