"""The program view's numbers: one program on one platform, across all its cohorts.

Everything is read in a fixed number of grouped queries, whatever the number of cohorts,
teachers or modules (tests/reporting/test_query_counts.py counts them), then put together here.

Words (docs/program-view.md):
- an *enrolment* is a teacher (an active teacher membership) in a cohort where a module of the
  program is placed: one per teacher, cohort and module;
- *started*: a lesson opened or an attempt made; *lessons done*: every lesson of the module's
  current version completed; *mastered*: a submitted mastery-check attempt reached the
  threshold (the best attempt counts; a trainer's score override is not read here);
  *evidence accepted*: a trainer accepted the evidence of practice (modules with an evidence
  task only); *credential issued*: the teacher holds a credential of the program, not revoked;
- the program funnel counts teachers: started anything, done every module's lessons, mastered
  every placed module, had evidence accepted for every placed module that asks for it;
- the *pace line* runs from the day the program's first module was placed on the platform to
  the deadline; a teacher is *behind pace* when their share of mastered modules is below the
  share of that time gone by.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from courses.models import Cohort, Lesson, LessonProgress, Membership, Module, Placement, Role
from credentials.models import IssuedCredential
from mastery.models import Attempt, EvidenceSubmission

from .models import LeadDeadline, ProgramPlan, ProgramSnapshot
from .tenancy import platform_cohorts

STAGES = [
    ("enrolled", "Enrolled"),
    ("started", "Started"),
    ("lessons_done", "Lessons done"),
    ("mastered", "Mastered"),
    ("evidence_accepted", "Evidence accepted"),
    ("credentialed", "Credential issued"),
]
NO_SCHOOL = "(no school named)"
TREND_WEEKS = 12


@dataclass
class Funnel:
    enrolled: int = 0
    started: int = 0
    lessons_done: int = 0
    mastered: int = 0
    evidence_accepted: int = 0
    credentialed: int = 0
    evidence_applies: bool = True

    def stages(self) -> list[tuple[str, str, int | None, int | None]]:
        """(key, label, count or None when the stage does not apply, percent of enrolled)."""
        out = []
        for key, label in STAGES:
            n = getattr(self, key)
            if key == "evidence_accepted" and not self.evidence_applies:
                out.append((key, label, None, None))
                continue
            out.append((key, label, n, round(100 * n / self.enrolled) if self.enrolled else 0))
        return out

    @property
    def progress(self) -> int:
        return round(100 * self.mastered / self.enrolled) if self.enrolled else 0

    def add(self, other: Funnel) -> None:
        for key, _label in STAGES:
            setattr(self, key, getattr(self, key) + getattr(other, key))


@dataclass
class GroupRow:
    """A row of the cohort, trainer or school breakdown."""

    key: str
    label: str
    funnel: Funnel = field(default_factory=Funnel)
    teachers: set = field(default_factory=set)
    behind: int = 0
    waiting: int = 0
    oldest_waiting: datetime | None = None
    trainers: list[str] = field(default_factory=list)
    cohorts: list[int] = field(default_factory=list)
    last_activity: datetime | None = None
    links: list[str] = field(default_factory=list)  # the page's links to each cohort

    counted: int | None = None  # the teachers, once the sets are dropped (kept small in cache)

    @property
    def teacher_count(self) -> int:
        return len(self.teachers) if self.counted is None else self.counted

    @property
    def cohort_id(self) -> int | None:
        return self.cohorts[0] if len(self.cohorts) == 1 else None


@dataclass
class BehindTeacher:
    participant_id: int
    name: str
    email: str
    school: str
    cohorts: list[str]
    mastered: int
    enrolled: int


@dataclass
class TrendPoint:
    week: date  # the Monday of the week
    day: date  # the snapshot's day (the week's last one kept)
    enrolled: int
    started: int
    mastered: int
    credentialed: int

    @property
    def progress(self) -> int:
        return round(100 * self.mastered / self.enrolled) if self.enrolled else 0


@dataclass
class ProgramReport:
    program: object
    platform_id: int
    now: datetime
    modules: list[tuple[Module, Funnel]] = field(default_factory=list)
    funnel: Funnel = field(default_factory=Funnel)  # teachers
    pairs: Funnel = field(default_factory=Funnel)  # enrolments (teacher x module)
    deadline: date | None = None
    deadline_source: str = ""  # "pack", "lead" or ""
    started_on: date | None = None
    expected: int | None = None  # percent of enrolments mastered the pace line asks for now
    weekly_rate: int = 0  # enrolments mastered in the last 7 days
    projected_finish: date | None = None
    cohorts: list[GroupRow] = field(default_factory=list)
    trainers: list[GroupRow] = field(default_factory=list)
    schools: list[GroupRow] = field(default_factory=list)
    school_names: list[str] = field(default_factory=list)
    behind: list[BehindTeacher] = field(default_factory=list)
    waiting_cohorts: list[GroupRow] = field(default_factory=list)
    idle_trainers: list[GroupRow] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    waiting_days: int = 7
    week_start: datetime | None = None

    @property
    def on_pace(self) -> bool | None:
        if self.expected is None:
            return None
        return self.pairs.progress >= self.expected


def person_name(row: dict, prefix: str = "participant__") -> str:
    name = row[prefix + "name"] or " ".join(
        p for p in (row[prefix + "given_name"], row[prefix + "family_name"]) if p
    )
    return name or row[prefix + "email"] or f"Participant {row['participant_id']}"


def program_deadline(*, platform_id: int, program) -> tuple[date | None, str]:
    """The lead's deadline for the platform, else the pack's (program.yaml `deadline:`)."""
    lead = LeadDeadline.objects.filter(platform_id=platform_id, program=program).first()
    if lead is not None:
        return lead.deadline, "lead"
    plan = ProgramPlan.objects.filter(program=program).first()
    if plan is not None and plan.deadline:
        return plan.deadline, "pack"
    return None, ""


def week_start_of(now: datetime) -> datetime:
    """Monday 00:00 of this week, in the current (platform's) time zone."""
    local = timezone.localtime(now)
    monday = local.date() - timedelta(days=local.weekday())
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()), local.tzinfo)


@dataclass
class ProgramFacts:
    """Everything the program view reads from the database for one program on one platform,
    before any filter or deadline: what the worker computes ahead and the cache keeps."""

    platform_id: int
    program_id: int
    now: datetime
    modules: list = field(default_factory=list)
    titles: dict = field(default_factory=dict)
    placed: dict = field(default_factory=dict)  # cohort id -> module slugs placed there
    started_on: date | None = None
    people: list = field(default_factory=list)  # active teacher and trainer memberships
    lessons_total: dict = field(default_factory=dict)
    with_task: set = field(default_factory=set)
    started: set = field(default_factory=set)  # (participant, cohort, slug)
    lessons_done: set = field(default_factory=set)
    mastered_at: dict = field(default_factory=dict)
    accepted: set = field(default_factory=set)
    waiting: dict = field(default_factory=dict)  # cohort id -> [count, oldest]
    reviewed: dict = field(default_factory=dict)  # reviewer id -> last review
    credentialed: set = field(default_factory=set)


def program_facts(*, platform_id: int, program, now: datetime | None = None) -> ProgramFacts:
    """The program's rows, read in a fixed number of grouped queries."""
    now = now or timezone.now()
    facts = ProgramFacts(platform_id=platform_id, program_id=program.pk, now=now)
    modules = list(
        Module.objects.filter(program=program, retired=False, current__isnull=False)
        .select_related("current")
        .order_by("position", "slug")
    )
    facts.modules = modules
    by_slug = {m.slug: m for m in modules}
    placements = list(
        Placement.objects.filter(
            cohort__in=platform_cohorts(platform_id), module_slug__in=list(by_slug)
        ).values_list("pk", "cohort_id", "module_slug", "created_at")
    )
    where = {pk: (cohort_id, slug) for pk, cohort_id, slug, _created in placements}
    cohort_ids = sorted({cohort_id for cohort_id, _slug in where.values()})
    placed: dict[int, set[str]] = defaultdict(set)
    for cohort_id, slug in where.values():
        placed[cohort_id].add(slug)
    facts.placed = dict(placed)
    if placements:
        facts.started_on = timezone.localtime(min(p[3] for p in placements)).date()
    facts.titles = {
        c.pk: c.display_title
        for c in Cohort.objects.filter(pk__in=cohort_ids).only("pk", "title", "label")
    }
    facts.people = list(
        Membership.objects.filter(
            cohort_id__in=cohort_ids,
            status=Membership.Status.ACTIVE,
            role__in=[Role.TEACHER, Role.TRAINER],
        ).values(
            "cohort_id",
            "participant_id",
            "role",
            "last_launch_at",
            "participant__name",
            "participant__given_name",
            "participant__family_name",
            "participant__email",
            "participant__school",
        )
    )
    totals = dict(
        Lesson.objects.filter(module_version_id__in=[m.current_id for m in modules])
        .values("module_version_id")
        .annotate(n=Count("pk"))
        .values_list("module_version_id", "n")
    )
    facts.lessons_total = {m.slug: totals.get(m.current_id, 0) for m in modules}
    facts.with_task = {m.slug for m in modules if m.current.evidence_task}

    placement_ids = list(where)
    for pid, participant_id, done in (
        LessonProgress.objects.filter(placement_id__in=placement_ids)
        .values("placement_id", "participant_id")
        .annotate(done=Count("lesson_slug", distinct=True, filter=Q(completed_at__isnull=False)))
        .values_list("placement_id", "participant_id", "done")
    ):
        cohort_id, slug = where[pid]
        key = (participant_id, cohort_id, slug)
        facts.started.add(key)
        if facts.lessons_total[slug] and done >= facts.lessons_total[slug]:
            facts.lessons_done.add(key)
    for pid, participant_id, first in (
        Attempt.objects.filter(placement_id__in=placement_ids)
        .values("placement_id", "participant_id")
        .annotate(
            first=Min("submitted_at", filter=Q(status=Attempt.Status.SUBMITTED, mastered=True))
        )
        .values_list("placement_id", "participant_id", "first")
    ):
        cohort_id, slug = where[pid]
        key = (participant_id, cohort_id, slug)
        facts.started.add(key)
        if first is not None:
            facts.mastered_at[key] = min(first, facts.mastered_at.get(key, first))
    evidence = EvidenceSubmission.objects.filter(placement_id__in=placement_ids)
    facts.accepted = {
        (participant_id, *where[pid])
        for pid, participant_id in evidence.filter(status=EvidenceSubmission.Status.ACCEPTED)
        .values_list("placement_id", "participant_id")
        .order_by()
        .distinct()
    }
    for pid, n, oldest in (
        evidence.filter(status=EvidenceSubmission.Status.SUBMITTED)
        .values("placement_id")
        .annotate(n=Count("pk"), oldest=Min("submitted_at"))
        .values_list("placement_id", "n", "oldest")
    ):
        cohort_id = where[pid][0]
        current = facts.waiting.setdefault(cohort_id, [0, oldest])
        current[0] += n
        current[1] = min(current[1], oldest)
    facts.reviewed = dict(
        evidence.filter(reviewer__isnull=False)
        .values("reviewer_id")
        .annotate(last=Max("reviewed_at"))
        .values_list("reviewer_id", "last")
    )
    facts.credentialed = set(
        IssuedCredential.objects.filter(
            cohort_id__in=cohort_ids, achievement__program=program, revoked_at__isnull=True
        )
        .values_list("participant_id", flat=True)
        .order_by()
        .distinct()
    )
    return facts


def program_report(
    *,
    platform_id: int,
    program,
    now: datetime | None = None,
    school: str = "",
    waiting_days: int = 7,
    with_trend: bool = True,
    facts: ProgramFacts | None = None,
    deadline: tuple[date | None, str] | None = None,
) -> ProgramReport:
    """The program view's numbers from `facts` (read now when not given), for one school or
    all, against the program's deadline."""
    facts = facts or program_facts(platform_id=platform_id, program=program, now=now)
    now = facts.now
    report = ProgramReport(program=program, platform_id=platform_id, now=now)
    report.waiting_days = waiting_days
    report.week_start = week_start_of(now)
    report.deadline, report.deadline_source = deadline or program_deadline(
        platform_id=platform_id, program=program
    )
    modules = facts.modules
    placed = facts.placed
    cohort_ids = sorted(placed)
    report.started_on = facts.started_on
    titles = facts.titles
    people = facts.people
    teacher_rows = [r for r in people if r["role"] == Role.TEACHER]
    report.school_names = sorted({r["participant__school"] or NO_SCHOOL for r in teacher_rows})
    if school:
        teacher_rows = [
            r for r in teacher_rows if (r["participant__school"] or NO_SCHOOL) == school
        ]
    teachers: dict[int, dict] = {}
    teacher_cohorts: dict[int, list[int]] = defaultdict(list)
    for r in teacher_rows:
        teachers.setdefault(r["participant_id"], r)
        teacher_cohorts[r["participant_id"]].append(r["cohort_id"])
    with_task = facts.with_task
    started, lessons_done = facts.started, facts.lessons_done
    mastered_at, accepted = facts.mastered_at, facts.accepted
    waiting, reviewed, credentialed = facts.waiting, facts.reviewed, facts.credentialed

    # The pace line: the share of enrolments the deadline asks to be mastered by now.
    fraction = None
    if report.deadline and report.started_on:
        span = (report.deadline - report.started_on).days
        gone = (timezone.localtime(now).date() - report.started_on).days
        fraction = 1.0 if span <= 0 else min(max(gone / span, 0.0), 1.0)
        report.expected = round(100 * fraction)

    # Counted in plain lists (enrolled, started, lessons done, mastered, evidence, credential):
    # this loop runs once per enrolment, 72,000 times for 6,000 teachers and 12 modules.
    module_counts = {m.slug: [0] * 6 for m in modules}
    cohort_counts = {c: [0] * 6 for c in cohort_ids}
    cohort_rows = {
        c: GroupRow(key=str(c), label=titles.get(c, ""), cohorts=[c]) for c in cohort_ids
    }
    school_rows: dict[str, GroupRow] = {}
    week_ago = now - timedelta(days=7)
    pairs = [0] * 6
    program_counts = [0] * 6
    slugs_of = {c: sorted(slugs) for c, slugs in placed.items()}
    for participant_id, row in teachers.items():
        has_credential = 1 if participant_id in credentialed else 0
        enrolled = n_started = n_lessons = n_mastered = n_evidence = tasks = 0
        for cohort_id in teacher_cohorts[participant_id]:
            ccounts = cohort_counts[cohort_id]
            for slug in slugs_of[cohort_id]:
                key = (participant_id, cohort_id, slug)
                was_started = 1 if key in started else 0
                done = 1 if key in lessons_done else 0
                when = mastered_at.get(key)
                mastered = 1 if when is not None else 0
                task = slug in with_task
                evidence = 1 if task and key in accepted else 0
                mcounts = module_counts[slug]
                for counts in (mcounts, ccounts):
                    counts[0] += 1
                    counts[1] += was_started
                    counts[2] += done
                    counts[3] += mastered
                    counts[4] += evidence
                    counts[5] += has_credential
                enrolled += 1
                n_started += was_started
                n_lessons += done
                n_mastered += mastered
                n_evidence += evidence
                tasks += task
                if mastered and when >= week_ago:
                    report.weekly_rate += 1
        person = Funnel(enrolled, n_started, n_lessons, n_mastered, n_evidence,
                        enrolled * has_credential)  # fmt: skip
        for index, value in enumerate((enrolled, n_started, n_lessons, n_mastered, n_evidence)):
            pairs[index] += value
        pairs[5] += enrolled * has_credential
        complete = n_mastered == enrolled
        for index, value in enumerate(
            (1, n_started > 0, n_lessons == enrolled, complete,
             complete and n_evidence == tasks, has_credential)
        ):  # fmt: skip
            program_counts[index] += int(value)
        is_behind = fraction is not None and enrolled and (n_mastered / enrolled < fraction)
        school_name = row["participant__school"] or NO_SCHOOL
        srow = school_rows.get(school_name)
        if srow is None:
            srow = school_rows[school_name] = GroupRow(key=school_name, label=school_name)
        srow.funnel.add(person)
        srow.teachers.add(participant_id)
        for cohort_id in teacher_cohorts[participant_id]:
            cohort_rows[cohort_id].teachers.add(participant_id)
            if cohort_id not in srow.cohorts:
                srow.cohorts.append(cohort_id)
        if is_behind:
            srow.behind += 1
            for cohort_id in set(teacher_cohorts[participant_id]):
                cohort_rows[cohort_id].behind += 1
            report.behind.append(
                BehindTeacher(
                    participant_id=participant_id,
                    name=person_name(row),
                    email=row["participant__email"],
                    school=row["participant__school"],
                    cohorts=[titles.get(c, "") for c in teacher_cohorts[participant_id]],
                    mastered=n_mastered,
                    enrolled=enrolled,
                )
            )
    report.pairs = Funnel(*pairs)
    report.funnel = Funnel(*program_counts)
    for cohort_id, counts in cohort_counts.items():
        cohort_rows[cohort_id].funnel = Funnel(*counts)
    module_funnels = {
        slug: Funnel(*counts, evidence_applies=slug in with_task)
        for slug, counts in module_counts.items()
    }
    report.modules = [(m, module_funnels[m.slug]) for m in modules]
    report.behind.sort(key=lambda t: (t.mastered / t.enrolled, t.name.lower()))

    for cohort_id, (n, oldest) in waiting.items():
        cohort_rows[cohort_id].waiting = n
        cohort_rows[cohort_id].oldest_waiting = oldest
    trainer_rows: dict[int, GroupRow] = {}
    for r in people:
        if r["role"] != Role.TRAINER:
            continue
        cohort = cohort_rows[r["cohort_id"]]
        name = person_name(r)
        cohort.trainers.append(name)
        trow = trainer_rows.setdefault(
            r["participant_id"], GroupRow(key=str(r["participant_id"]), label=name)
        )
        trow.cohorts.append(r["cohort_id"])
        for when in (r["last_launch_at"], reviewed.get(r["participant_id"])):
            if when and (trow.last_activity is None or when > trow.last_activity):
                trow.last_activity = when
    for trow in trainer_rows.values():
        for cohort_id in trow.cohorts:
            cohort = cohort_rows[cohort_id]
            trow.funnel.add(cohort.funnel)
            trow.teachers |= cohort.teachers
            trow.behind += cohort.behind
            trow.waiting += cohort.waiting
            if cohort.oldest_waiting and (
                trow.oldest_waiting is None or cohort.oldest_waiting < trow.oldest_waiting
            ):
                trow.oldest_waiting = cohort.oldest_waiting
    for cohort in cohort_rows.values():
        cohort.trainers.sort()
    if school:
        # Only the cohorts where the school's teachers learn.
        cohort_rows = {c: row for c, row in cohort_rows.items() if row.teachers}
        trainer_rows = {t: row for t, row in trainer_rows.items() if row.teachers}
    for group in (*cohort_rows.values(), *trainer_rows.values(), *school_rows.values()):
        group.counted, group.teachers = len(group.teachers), set()
    report.cohorts = sorted(cohort_rows.values(), key=lambda r: r.label.lower())
    report.trainers = sorted(trainer_rows.values(), key=lambda r: r.label.lower())
    report.schools = sorted(school_rows.values(), key=lambda r: r.label.lower())
    limit = now - timedelta(days=waiting_days)
    report.waiting_cohorts = sorted(
        (r for r in report.cohorts if r.oldest_waiting and r.oldest_waiting < limit),
        key=lambda r: r.oldest_waiting,
    )
    report.idle_trainers = sorted(
        (r for r in report.trainers
         if r.last_activity is None or r.last_activity < report.week_start),
        key=lambda r: (r.last_activity is not None, r.last_activity or now, r.label.lower()),
    )  # fmt: skip
    if report.weekly_rate and report.deadline:
        remaining = report.pairs.enrolled - report.pairs.mastered
        weeks = remaining / report.weekly_rate
        report.projected_finish = timezone.localtime(now).date() + timedelta(days=round(7 * weeks))
    elif report.pairs.enrolled and report.pairs.mastered == report.pairs.enrolled:
        report.projected_finish = timezone.localtime(now).date()
    if with_trend:
        report.trend = program_trend(platform_id=platform_id, program=program, now=now)
    return report


def program_trend(*, platform_id: int, program, now: datetime) -> list[TrendPoint]:
    """One point per week (the week's last snapshot), the last TREND_WEEKS weeks."""
    today = timezone.localtime(now).date()
    first = today - timedelta(weeks=TREND_WEEKS)
    weeks: dict[date, TrendPoint] = {}
    for snap in ProgramSnapshot.objects.filter(
        platform_id=platform_id, program=program, day__gt=first
    ).order_by("day"):
        monday = snap.day - timedelta(days=snap.day.weekday())
        weeks[monday] = TrendPoint(
            week=monday,
            day=snap.day,
            enrolled=snap.enrolled,
            started=snap.started,
            mastered=snap.mastered,
            credentialed=snap.credentialed,
        )
    return [weeks[w] for w in sorted(weeks)]


SORT_KEYS = {
    "name": lambda r: r.label.lower(),
    "teachers": lambda r: r.teacher_count,
    "started": lambda r: r.funnel.started,
    "mastered": lambda r: r.funnel.mastered,
    "progress": lambda r: r.funnel.progress,
    "behind": lambda r: r.behind,
    "waiting": lambda r: r.waiting,
}


def rows_sorted(rows: list[GroupRow], sort: str) -> tuple[list[GroupRow], str]:
    """Rows by `sort` ("progress", or "-progress" for descending); unknown keys sort by name."""
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        return rows, "name"
    return sorted(rows, key=SORT_KEYS[key], reverse=sort.startswith("-")), sort
