"""The trainer's view of a cohort: who is where in each placed module, who is behind, which
questions are missed most, and the distribution of mastery.

Cell states (per participant and placement):
- mastered: the counted mastery-check attempt reached the threshold;
- needs review: evidence of practice is waiting for the trainer's review, or every allowed
  attempt was used without mastery (the trainer should talk with the teacher);
- in progress: lessons opened or an attempt made;
- not started: nothing yet.

On track or behind (for a placement with a due date, while not mastered): behind when the due
date has passed, or when the share of lessons completed is below the share of the time
between the placement's creation and its due date that has gone by.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q
from django.utils import timezone

from courses.models import (
    Lesson,
    LessonProgress,
    Membership,
    Module,
    ModuleVersion,
    Placement,
    Role,
)
from credentials.models import IssuedCredential
from mastery.adjustments import score_with_override
from mastery.attempts import policy_for
from mastery.models import Attempt, AttemptGrant, EvidenceSubmission, ScoreOverride

NOT_STARTED, IN_PROGRESS, MASTERED, NEEDS_REVIEW = (
    "not_started",
    "in_progress",
    "mastered",
    "needs_review",
)
STATE_LABELS = {
    NOT_STARTED: "Not started",
    IN_PROGRESS: "In progress",
    MASTERED: "Mastered",
    NEEDS_REVIEW: "Needs review",
}
SCORE_BANDS = [(0, 60, "0–59%"), (60, 80, "60–79%"), (80, 90, "80–89%"), (90, 101, "90–100%")]


@dataclass
class Cell:
    state: str = NOT_STARTED
    score: str = ""  # counted score, as shown to the teacher
    lessons_done: int = 0
    lessons_total: int = 0
    behind: bool = False
    last_activity: datetime | None = None
    participant_id: int = 0  # for the link to the teacher's attempts
    placement_id: int = 0
    overridden: bool = False  # the score shown is a trainer's override

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class Row:
    membership: Membership
    cells: list[Cell]
    # (data-testid, text) per column the apps above add (courses.pages.dashboard_columns)
    extra: list[tuple[str, str]] = field(default_factory=list)

    @property
    def participant(self):
        return self.membership.participant

    @property
    def last_activity(self) -> datetime | None:
        times = [c.last_activity for c in self.cells if c.last_activity]
        if self.membership.last_launch_at:
            times.append(self.membership.last_launch_at)
        return max(times) if times else None

    @property
    def behind(self) -> bool:
        return any(c.behind for c in self.cells)


@dataclass
class QuestionStat:
    question: dict
    asked: int
    correct: int
    lesson_title: str
    unanswered: int = 0  # asked but left blank: not counted as answered
    choices: list[tuple[str, int, bool]] = field(default_factory=list)  # text, chosen by, right

    @property
    def answered(self) -> int:
        return self.asked - self.unanswered

    @property
    def share_correct(self) -> int:
        return round(100 * self.correct / self.asked) if self.asked else 0


@dataclass
class CohortView:
    placements: list[tuple[Placement, Module]]
    rows: list[Row]
    item_analysis: dict[int, list[QuestionStat]] = field(default_factory=dict)
    distribution: list[tuple[str, int]] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    evidence_pending: list = field(default_factory=list)
    credentials: list = field(default_factory=list)


def _behind(placement: Placement, done: int, total: int, now: datetime) -> bool:
    if placement.due_at is None:
        return False
    if now >= placement.due_at:
        return True
    span = (placement.due_at - placement.created_at).total_seconds()
    if span <= 0 or total == 0:
        return False
    elapsed = (now - placement.created_at).total_seconds() / span
    return done / total < elapsed


def cohort_view(
    *, cohort_id: int, query: str = "", state: str = "", now=None, members=None
) -> CohortView:
    """`members`: the cohort's teacher memberships with their participants, ordered by status
    and name, when the caller has read them already (the dashboard's roster has them)."""
    now = now or timezone.now()
    placements = list(
        Placement.objects.filter(cohort_id=cohort_id)
        .exclude(module_slug="")
        # Placed by deep linking and never launched: no LMS link known yet (lti_tool).
        .annotate(opened=ExpressionWrapper(Q(lti_link__isnull=False), BooleanField()))
        .order_by("due_at", "pk")
    )
    modules = {
        m.slug: m
        for m in Module.objects.select_related("current").filter(
            slug__in=[p.module_slug for p in placements], current__isnull=False
        )
    }
    placed = [(p, modules[p.module_slug]) for p in placements if p.module_slug in modules]
    placement_ids = [p.pk for p, _ in placed]
    if members is None:
        members = list(
            Membership.objects.filter(cohort_id=cohort_id, role=Role.TEACHER)
            .select_related("participant")
            .order_by("status", "participant__name")
        )
    if query:
        q = query.lower()
        members = [
            m
            for m in members
            if q in m.participant.display_name.lower() or q in m.participant.email.lower()
        ]
    ids = [m.participant_id for m in members]

    done = defaultdict(int)
    last_view = {}
    # One row per (teacher, placement): the last lesson view and the lessons completed.
    for row in (
        LessonProgress.objects.filter(participant_id__in=ids, placement_id__in=placement_ids)
        .values("participant_id", "placement_id")
        .annotate(
            last=Max("last_viewed_at"), done=Count("pk", filter=Q(completed_at__isnull=False))
        )
    ):
        key = (row["participant_id"], row["placement_id"])
        last_view[key] = row["last"]
        if row["done"]:
            done[key] = row["done"]

    # Every attempt in the cohort's placements, once: the cells read the members' attempts, the
    # question analysis everyone's submitted answers (not a second query for those).
    attempts = defaultdict(list)
    everyone = list(
        Attempt.objects.filter(placement_id__in=placement_ids)
        .defer("question_ids")
        .order_by("number")
    )
    wanted = set(ids)
    for attempt in everyone:
        if attempt.participant_id in wanted:
            attempts[(attempt.participant_id, attempt.placement_id)].append(attempt)

    grants = defaultdict(int)
    for grant in AttemptGrant.objects.filter(
        participant_id__in=ids, placement_id__in=placement_ids
    ).values("participant_id", "placement_id"):
        grants[(grant["participant_id"], grant["placement_id"])] += 1
    # The newest override per (teacher, placement): oldest first, so the newest stays.
    overridden = {
        (o.participant_id, o.placement_id): o
        for o in ScoreOverride.objects.filter(
            participant_id__in=ids, placement_id__in=placement_ids
        )
        .only("participant_id", "placement_id", "score", "created_at")
        .order_by("created_at", "pk")
    }

    submitted_by_placement: dict[int, list] = defaultdict(list)
    for attempt in everyone:
        if attempt.status == Attempt.Status.SUBMITTED:
            submitted_by_placement[attempt.placement_id].append(attempt)
    # The lessons of the current versions (counted per cell) and of the versions attempts were
    # made on (the question analysis names them), in one query.
    version_ids = {m.current_id for _, m in placed} | {
        a.module_version_id for found in submitted_by_placement.values() for a in found
    }
    lessons: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for version_id, slug, title in Lesson.objects.filter(
        module_version_id__in=version_ids
    ).values_list("module_version_id", "slug", "title"):
        lessons[version_id].append((slug, title))
    lesson_counts = {module.pk: len(lessons[module.current_id]) for _, module in placed}
    pending = list(
        EvidenceSubmission.objects.filter(
            placement_id__in=placement_ids, status=EvidenceSubmission.Status.SUBMITTED
        )
        .select_related("participant", "module_version")
        .order_by("submitted_at")
    )
    pending_keys = {(e.participant_id, e.placement_id) for e in pending}
    view = CohortView(placements=placed, rows=[])
    bands = [0] * len(SCORE_BANDS)
    states: dict[str, int] = defaultdict(int)
    SUBMITTED = Attempt.Status.SUBMITTED  # noqa: N806 (looked up once, not per attempt)
    # The placement's policy, once, not once per cell.
    policies = {placement.pk: policy_for(module.current, placement) for placement, module in placed}
    for member in members:
        cells = []
        for placement, module in placed:
            key = (member.participant_id, placement.pk)
            total = lesson_counts[module.pk]
            submitted = [a for a in attempts[key] if a.status == SUBMITTED]
            cell = Cell(
                lessons_done=min(done[key], total),
                lessons_total=total,
                participant_id=member.participant_id,
                placement_id=placement.pk,
            )
            times = [last_view.get(key)] + [a.submitted_at or a.started_at for a in attempts[key]]
            times = [t for t in times if t]
            cell.last_activity = max(times) if times else None
            if submitted:
                policy = policies[placement.pk]
                counted = (
                    submitted[-1]
                    if policy["score_policy"] == "latest"
                    else max(submitted, key=lambda a: (a.score, a.number))
                )
                cell.score = counted.score_display
                for index, (low, high, _label) in enumerate(SCORE_BANDS):
                    if low <= float(counted.score) < high:
                        bands[index] += 1
                allowed = policy["max_attempts"] + grants[key] if policy["max_attempts"] else 0
                if counted.mastered:
                    cell.state = MASTERED
                elif allowed and len(submitted) >= allowed:
                    cell.state = NEEDS_REVIEW
                else:
                    cell.state = IN_PROGRESS
            elif attempts[key] or key in last_view:
                cell.state = IN_PROGRESS
            override = overridden.get(key)
            if override is not None:  # the gradebook holds the trainer's score: show that one
                # With an override, the counted attempt does not enter the rule; the attempts
                # graded after it do (mastery/adjustments.py), from the rows read above.
                later = [
                    a
                    for a in submitted
                    if a.submitted_at is not None and a.submitted_at > override.created_at
                ]
                score = score_with_override(override, later)
                cell.score = f"{score:.2f}".rstrip("0").rstrip(".")
                cell.overridden = True
            if key in pending_keys:
                cell.state = NEEDS_REVIEW
            if cell.state != MASTERED:
                cell.behind = _behind(placement, cell.lessons_done, total, now)
            states[cell.state] += 1
            cells.append(cell)
        row = Row(membership=member, cells=cells)
        if state == "behind" and not row.behind:
            continue
        if state in STATE_LABELS and not any(c.state == state for c in cells):
            continue
        view.rows.append(row)
    view.distribution = [(label, n) for (_, _, label), n in zip(SCORE_BANDS, bands, strict=True)]
    view.states = {STATE_LABELS[s]: states.get(s, 0) for s in STATE_LABELS}
    view.item_analysis = _item_analysis(placed, submitted_by_placement, lessons)
    view.evidence_pending = pending
    view.credentials = list(
        IssuedCredential.objects.filter(cohort_id=cohort_id)
        .select_related("achievement", "participant")
        .order_by("-issued_at")
    )
    in_force = {(c.achievement_id, c.participant_id) for c in view.credentials if not c.revoked_at}
    for c in view.credentials:  # a revoked one can be issued again unless another is in force
        c.can_reissue = (
            c.revoked_at is not None and (c.achievement_id, c.participant_id) not in in_force
        )
    return view


def _item_analysis(placed, by_placement, lessons) -> dict[int, list[QuestionStat]]:
    """Per placement: each question's share answered fully right (most missed first), how many
    left it blank, and how many chose each option. `by_placement`: every submitted attempt of
    the cohort's placements; `lessons`: (slug, title) per version, of every version those
    attempts were made on."""
    result = {}
    version_ids = {a.module_version_id for attempts in by_placement.values() for a in attempts}
    # Each version's question bank once, not once per attempt; the current versions came with
    # the modules, older ones (attempts made before an update) are read.
    versions = {m.current_id: m.current for _, m in placed if m.current_id in version_ids}
    if version_ids - versions.keys():
        versions.update(
            ModuleVersion.objects.only("pk", "questions").in_bulk(version_ids - versions.keys())
        )
    lesson_titles: dict[int, dict[str, str]] = defaultdict(dict)
    for version_id in version_ids:
        for slug, title in lessons[version_id]:
            lesson_titles[version_id].setdefault(slug, title)
    for placement, _module in placed:
        asked: dict[str, int] = defaultdict(int)
        correct: dict[str, int] = defaultdict(int)
        blank: dict[str, int] = defaultdict(int)
        chosen: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        banks: dict[str, dict] = {}
        titles: dict[str, str] = {}
        for attempt in by_placement[placement.pk]:
            version = versions[attempt.module_version_id]
            for question in version.questions:
                banks.setdefault(question["id"], question)
            for slug, title in lesson_titles[version.pk].items():
                titles.setdefault(slug, title)
            answers = attempt.answers or {}
            for qid, credit in (attempt.credits or {}).items():
                asked[qid] += 1
                correct[qid] += 1 if float(credit) >= 1 else 0
                answer = answers.get(qid)
                if answer is None:
                    blank[qid] += 1
                elif isinstance(answer, bool):  # before int: True is an int to Python
                    chosen[qid][answer] += 1
                elif isinstance(answer, int):
                    chosen[qid][answer] += 1
                elif isinstance(answer, list) and banks.get(qid, {}).get("type") == "multiple":
                    for index in answer:
                        chosen[qid][index] += 1
        stats = [
            QuestionStat(
                question=banks[qid],
                asked=asked[qid],
                correct=correct[qid],
                lesson_title=titles.get(banks[qid].get("lesson", ""), ""),
                unanswered=blank[qid],
                choices=_choices(banks[qid], chosen[qid]),
            )
            for qid in asked
            if qid in banks
        ]
        stats.sort(key=lambda s: (s.share_correct, -s.asked))
        result[placement.pk] = stats
    return result


def _choices(question: dict, counts: dict) -> list[tuple[str, int, bool]]:
    """Every option of a choice question with how many chose it (zeros included: an option
    nobody picks says something too); other types have no options to count."""
    kind = question.get("type")
    if kind in ("single", "multiple"):
        return [
            (option["text"], counts.get(index, 0), bool(option.get("correct")))
            for index, option in enumerate(question["options"])
        ]
    if kind == "true_false":
        right = bool(question.get("answer"))
        return [
            ("True", counts.get(True, 0), right),
            ("False", counts.get(False, 0), not right),
        ]
    return []
