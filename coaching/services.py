"""Import look-for tools; run coaching cycles (open, observe, share, reflect, close); read
growth over time. Views and the registered hooks call these; every step a cycle takes is logged
as a CycleEvent with who and when."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses.content_extensions import extension_row_unchanged
from courses.models import Lesson, Membership, Module, ModuleVersion, Participant, Placement, Role
from courses.progress import placement_module
from credentials.requirements import credentials_recheck
from mastery.grades import grade_record_create
from mastery.models import GradeRecord
from notifications.services import notify

from .models import (
    STEP_ORDER,
    CoachingCycle,
    CycleEvent,
    Observation,
    ObservationTool,
    PlacementCoaching,
    Step,
)

TEXT_LIMIT = 10_000
GOAL_LIMIT = 1_000


class CoachingRefused(Exception):
    """What the form or the cycle's state refuses: a 400 (or `status`) with this message."""

    def __init__(self, message: str, status: int = 400, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors or {}


# --- look-for tools (the content extension's store) -----------------------------------------


def tool_store(*, version: ModuleVersion, data: dict | None) -> None:
    """Called by the importer for every imported module, inside its transaction: an unchanged
    file changes nothing; a file removed from the pack removes the row."""
    if extension_row_unchanged(ObservationTool, version=version, data=data):
        return
    tool = {k: v for k, v in data.items() if k != "hash"}
    ObservationTool.objects.update_or_create(
        module_version=version,
        defaults={"content_hash": data["hash"], "tool": tool, "updated_at": timezone.now()},
    )


def tool_for(module: Module | None) -> dict | None:
    if module is None or module.current_id is None:
        return None
    row = ObservationTool.objects.filter(module_version_id=module.current_id).first()
    return row.tool if row else None


def lessons_of(module: Module) -> dict[str, str]:
    """slug -> title of the module's current lessons (a feedback resource is one of them)."""
    return dict(
        Lesson.objects.filter(module_version_id=module.current_id)
        .order_by("position")
        .values_list("slug", "title")
    )


def coachable_placements(cohort_id: int) -> list[tuple[Placement, Module]]:
    """The cohort's placements whose module has a look-for tool."""
    result = []
    placements = Placement.objects.filter(cohort_id=cohort_id).exclude(module_slug="")
    modules = {
        m.slug: m
        for m in Module.objects.select_related("current").filter(
            slug__in=[p.module_slug for p in placements],
            current__observation_tool__isnull=False,
        )
    }
    for placement in placements.order_by("pk"):
        if placement.module_slug in modules:
            result.append((placement, modules[placement.module_slug]))
    return result


def cohort_teachers(cohort_id: int) -> list[Participant]:
    return [
        m.participant
        for m in Membership.objects.filter(
            cohort_id=cohort_id, role=Role.TEACHER, status=Membership.Status.ACTIVE
        )
        .select_related("participant")
        .order_by("participant__name", "participant_id")
    ]


# --- cycles ---------------------------------------------------------------------------------


def _log(cycle: CoachingCycle, step: str, by: Participant | None) -> None:
    now = timezone.now()
    CycleEvent.objects.create(cycle=cycle, step=step, by=by, at=now)
    if STEP_ORDER.index(step) >= STEP_ORDER.index(cycle.step) or step == Step.GOAL_SET:
        cycle.step = step
    cycle.updated_at = now
    cycle.save(update_fields=["step", "updated_at"])


def _text(value: str, name: str, limit: int = TEXT_LIMIT) -> str:
    """The text without NULs and outer spaces, refused when longer than `limit`."""
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise CoachingRefused(
            f"{name.replace('_', ' ').capitalize()} is longer than {limit} characters",
            errors={name: f"at most {limit} characters"},
        )
    return value


def _date(value: str, name: str) -> datetime.date | None:
    """An ISO date typed in a form (empty: None), refused when it is not one."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CoachingRefused(
            f"{value!r} is not a date (YYYY-MM-DD)", errors={name: "a date (YYYY-MM-DD)"}
        ) from None


def cycle_open(
    *,
    cohort_id: int,
    coach: Participant,
    teacher_id: int | None,
    placement_id: int | None,
    goal: str = "",
    planned_on: str = "",
    previous: CoachingCycle | None = None,
) -> CoachingCycle:
    """A coach opens a cycle with a teacher of the cohort on a placement with a look-for tool
    (the goal and the date may come later). `planned_on` is the date as typed (YYYY-MM-DD)."""
    teacher = Membership.objects.filter(
        cohort_id=cohort_id,
        participant_id=teacher_id,
        role=Role.TEACHER,
        status=Membership.Status.ACTIVE,
    ).first()
    if teacher is None:
        raise CoachingRefused("Choose a teacher of this cohort", errors={"teacher": "required"})
    placement = Placement.objects.filter(pk=placement_id, cohort_id=cohort_id).first()
    if placement is None or tool_for(placement_module(placement)) is None:
        raise CoachingRefused(
            "Choose a module of this course that has a look-for tool",
            errors={"placement": "required"},
        )
    goal = _text(goal, "goal", GOAL_LIMIT)
    planned = _date(planned_on, "planned_on")
    with transaction.atomic():
        cycle = CoachingCycle.objects.create(
            cohort_id=cohort_id,
            placement=placement,
            coach=coach,
            teacher_id=teacher.participant_id,
            previous=previous,
            goal=goal,
            planned_on=planned,
        )
        _log(cycle, Step.GOAL_SET, coach)
    return cycle


def cycle_plan(*, cycle: CoachingCycle, by: Participant, goal: str, planned_on: str) -> None:
    """The coach sets or changes the goal and the planned observation date."""
    if not cycle.is_open:
        raise CoachingRefused("This cycle is closed", status=409)
    cycle.goal = _text(goal, "goal", GOAL_LIMIT)
    cycle.planned_on = _date(planned_on, "planned_on")
    cycle.updated_at = timezone.now()
    cycle.save(update_fields=["goal", "planned_on", "updated_at"])


def goal_propose(*, cycle: CoachingCycle, teacher: Participant, goal_proposal: str) -> None:
    """The teacher proposes a goal (the coach sets it, as proposed or agreed otherwise)."""
    if cycle.step != Step.GOAL_SET:
        raise CoachingRefused("The goal can be proposed before the observation only", status=409)
    cycle.goal_proposal = _text(goal_proposal, "goal_proposal", GOAL_LIMIT)
    if not cycle.goal_proposal:
        raise CoachingRefused("Write the goal you propose", errors={"goal_proposal": "required"})
    cycle.updated_at = timezone.now()
    cycle.save(update_fields=["goal_proposal", "updated_at"])


def cycle_close(
    *,
    cycle: CoachingCycle,
    by: Participant,
    goal_met: str,
    next_cycle: bool = False,
    goal: str = "",
    planned_on: str = "",
) -> CoachingCycle | None:
    """Close the cycle (`goal_met` "yes" or "no"); with `next_cycle`, open the next cycle on
    the same module with the same teacher (`goal`, `planned_on`). Returns it."""
    if not cycle.is_open:
        raise CoachingRefused("This cycle is already closed", status=409)
    met = goal_met
    if met not in ("yes", "no"):
        raise CoachingRefused("Say whether the goal was met", errors={"goal_met": "required"})
    with transaction.atomic():
        # Two trainers closing at once: the second finds it closed (one log entry, one next).
        if CoachingCycle.objects.select_for_update().get(pk=cycle.pk).step == Step.CLOSED:
            raise CoachingRefused("This cycle is already closed", status=409)
        cycle.goal_met = met == "yes"
        cycle.save(update_fields=["goal_met"])
        _log(cycle, Step.CLOSED, by)
        if next_cycle:
            return cycle_open(
                cohort_id=cycle.cohort_id,
                coach=by,
                teacher_id=cycle.teacher_id,
                placement_id=cycle.placement_id,
                goal=goal,
                planned_on=planned_on,
                previous=cycle,
            )
    return None


# --- observations ---------------------------------------------------------------------------


def observation_editable(cycle: CoachingCycle, observation: Observation | None = None) -> bool:
    """The coach still writes the observation: the cycle is open and nothing was shared."""
    return cycle.is_open and not (observation is not None and observation.shared)


def observation_edit_check(cycle: CoachingCycle, observation: Observation | None = None) -> None:
    """A closed cycle takes no observation, and shared feedback no longer changes (409)."""
    if not cycle.is_open:
        raise CoachingRefused("This cycle is closed.", status=409)
    if observation is not None and observation.shared:
        raise CoachingRefused("This feedback was shared already.", status=409)


def observation_start(cycle: CoachingCycle, *, save: bool = True) -> Observation:
    """The cycle's observation; if none, a new draft with a copy of the module's current tool
    (stored only with `save`: opening the form stores nothing, the first save does)."""
    existing = Observation.objects.filter(cycle=cycle).first()
    if existing is not None:
        return existing
    tool = tool_for(placement_module(cycle.placement))
    if tool is None:
        raise CoachingRefused("This module has no look-for tool any more", status=409)
    if not save:
        return Observation(cycle=cycle, tool=tool)
    observation, _ = Observation.objects.get_or_create(cycle=cycle, defaults={"tool": tool})
    return observation


@dataclass
class ObservationForm:
    ratings: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)


def observation_read(
    observation: Observation, lessons: dict[str, str], data: Mapping[str, str]
) -> ObservationForm:
    """The form's values (field name -> text as posted: `r-<look-for>`, `notes`, ...), checked
    against the observation's tool and the module's lessons."""
    tool = observation.tool
    levels = {str(lv["level"]) for lv in tool["scale"]}
    slugs = [lf["slug"] for lf in tool["look_fors"]]
    form = ObservationForm()
    for slug in slugs:
        value = (data.get(f"r-{slug}") or "").strip()
        if value in levels:
            form.ratings[slug] = int(value)
        elif value not in ("", "none"):
            form.errors[f"r-{slug}"] = "choose a level of the scale"
    for name in ("notes", "strength", "next_step"):
        value = (data.get(name) or "").replace("\x00", "").strip()
        if len(value) > TEXT_LIMIT:
            form.errors[name] = f"at most {TEXT_LIMIT} characters"
            value = value[:TEXT_LIMIT]
        form.values[name] = value
    strength_look_for = (data.get("strength_look_for") or "").strip()
    if strength_look_for and strength_look_for not in slugs:
        form.errors["strength_look_for"] = "choose a look-for of this tool"
        strength_look_for = ""
    form.values["strength_look_for"] = strength_look_for
    resource = (data.get("resource_lesson") or "").strip()
    if resource and resource not in lessons:
        form.errors["resource_lesson"] = "choose a lesson of this module"
        resource = ""
    form.values["resource_lesson"] = resource
    observed_on = (data.get("observed_on") or "").strip()
    form.values["observed_on"] = None
    if observed_on:
        try:
            form.values["observed_on"] = datetime.date.fromisoformat(observed_on)
        except ValueError:
            form.errors["observed_on"] = "a date (YYYY-MM-DD)"
    return form


SHARE_NEEDS = {
    "observed_on": "the date of the visit",
    "ratings": "at least one look-for rated",
    "strength_look_for": "the look-for the strength belongs to",
    "strength": "a strength you saw",
    "next_step": "one next step",
    "resource_lesson": "a lesson of the module to go back to",
}


def observation_save(
    *,
    observation: Observation,
    by: Participant,
    lessons: dict[str, str],
    data: Mapping[str, str],
    share: bool,
) -> ObservationForm:
    """Save the coach's draft (as they type, or with the save button); with `share`, check it
    is complete and show it to the teacher. A shared observation no longer changes."""
    if observation.shared:
        raise CoachingRefused("This feedback was shared already and can no longer change", 409)
    if not observation.cycle.is_open:
        raise CoachingRefused("This cycle is closed", status=409)
    form = observation_read(observation, lessons, data)
    if share:
        for name, what in SHARE_NEEDS.items():
            present = form.ratings if name == "ratings" else form.values.get(name)
            if not present and name not in form.errors:
                form.errors[name] = f"needed before sharing: {what}"
    if form.errors and share:
        raise CoachingRefused("The feedback is not ready to share yet", errors=form.errors)
    if form.errors:
        raise CoachingRefused("Some answers could not be saved", errors=form.errors)
    now = timezone.now()
    with transaction.atomic():
        locked = Observation.objects.select_for_update().get(pk=observation.pk)
        if locked.shared:
            raise CoachingRefused("This feedback was shared already", status=409)
        observation.ratings = form.ratings
        observation.notes = form.values["notes"]
        observation.strength = form.values["strength"]
        observation.next_step = form.values["next_step"]
        observation.strength_look_for = form.values["strength_look_for"]
        observation.resource_lesson = form.values["resource_lesson"]
        observation.observed_on = form.values["observed_on"]
        observation.draft_saved_at = now
        if share:
            observation.shared_at = now
        observation.save()
        cycle = observation.cycle
        if form.ratings and cycle.step == Step.GOAL_SET:
            _log(cycle, Step.OBSERVED, by)
        if share:
            _log(cycle, Step.FEEDBACK_SHARED, by)
            _notify_shared(observation)
            _grade_shared(observation)
    return form


def observation_score(observation: Observation) -> Decimal | None:
    """Percent of the scale's points on the rated look-fors (each rating is its level out of
    the top level); None when nothing was rated."""
    top = len(observation.tool["scale"])
    levels = list(observation.ratings.values())
    if not levels or not top:
        return None
    return (Decimal(sum(levels)) * 100 / (len(levels) * top)).quantize(Decimal("0.01"))


def gradebook_states(cohort_id: int) -> dict[int, bool]:
    """placement id -> whether its observation column is on, for the cohort's placements."""
    return dict(
        PlacementCoaching.objects.filter(placement__cohort_id=cohort_id).values_list(
            "placement_id", "grades_to_lms"
        )
    )


def gradebook_on(placement_id: int) -> bool:
    return PlacementCoaching.objects.filter(placement_id=placement_id, grades_to_lms=True).exists()


def gradebook_set(*, cohort_id: int, placement_id: int | None, on: bool) -> Placement:
    """Turn the observation column on or off for one placement of the cohort."""
    placement = Placement.objects.filter(pk=placement_id, cohort_id=cohort_id).first()
    if placement is None:
        raise CoachingRefused("Choose a module of this course", errors={"placement": "required"})
    PlacementCoaching.objects.update_or_create(
        placement=placement,
        defaults={"grades_to_lms": on, "updated_at": timezone.now()},
    )
    return placement


def _grade_shared(observation: Observation) -> None:
    """The score to the LMS gradebook, in its own column, when the placement's switch is on
    (off by default). The comment names the date and the levels, never the notes."""
    cycle = observation.cycle
    score = observation_score(observation)
    if score is None or not gradebook_on(cycle.placement_id):
        return
    top = len(observation.tool["scale"])
    grade_record_create(
        participant=cycle.teacher,
        placement=cycle.placement,
        score_given=score,
        score_maximum=100,
        kind=GradeRecord.Kind.OBSERVATION,
        comment=(
            f"Observation of practice on {observation.observed_on.isoformat()}: "
            f"{len(observation.ratings)} look-fors rated, levels "
            f"{', '.join(str(v) for v in observation.ratings.values())} of {top}."
        )[:4000],
    )


FEEDBACK_KIND = "coaching.feedback"


def _notify_shared(observation: Observation) -> None:
    """One email to the teacher (in the transaction that shares the feedback); none when they
    turned this kind off or the LMS gave no address. It names no rating and no note."""
    cycle = observation.cycle
    title = observation.tool.get("title", "the look-for tool")
    notify(
        participant=cycle.teacher,
        kind=FEEDBACK_KIND,
        key=f"observation-{observation.pk}-shared",
        subject="Your coach shared feedback on an observation",
        body=(
            f"{cycle.coach.display_name} shared feedback on the observation of your class "
            f"({title}). To read it and write your reflection, open Ignite from your course "
            "and go to My modules, then Coaching."
        ),
    )


def reflection_save(
    *,
    cycle: CoachingCycle,
    teacher: Participant,
    reflection: str,
    response: str,
    evidence_consent: bool,
    origin: str,
) -> Observation:
    """The teacher's reflection on the shared feedback, an optional response, and their consent
    to be named. An observation counts towards a credential once the teacher has reflected
    (and so answered the consent question: coaching/requirement.py), so the first reflection,
    or a consent given now, rechecks the teacher's credentials."""
    observation = Observation.objects.filter(cycle=cycle).first()
    if observation is None or not observation.shared:
        raise CoachingRefused("There is no feedback yet.", status=409)
    consented, reflected = observation.evidence_consent, observation.reflected_at is not None
    reflection = _text(reflection, "reflection")
    response = _text(response, "response")
    if not reflection:
        raise CoachingRefused("Write your reflection", errors={"reflection": "required"})
    with transaction.atomic():
        # Locked, so a double submit logs the step once.
        first = (
            Observation.objects.select_for_update()
            .filter(pk=observation.pk)
            .values_list("reflected_at", flat=True)
            .get()
            is None
        )
        observation.reflection = reflection
        observation.response = response
        observation.evidence_consent = evidence_consent
        observation.reflected_at = timezone.now()
        observation.save(
            update_fields=["reflection", "response", "evidence_consent", "reflected_at"]
        )
        if first and cycle.is_open:
            _log(cycle, Step.REFLECTED, teacher)
    if not reflected or (evidence_consent and not consented):
        credentials_recheck(participant=cycle.teacher, cohort_id=cycle.cohort_id, origin=origin)
    return observation


# --- reading --------------------------------------------------------------------------------


def overdue(cycle: CoachingCycle, today: datetime.date) -> bool:
    """The planned observation date has passed and the cycle is still at "goal set"."""
    return cycle.step == Step.GOAL_SET and cycle.planned_on is not None and cycle.planned_on < today


@dataclass
class TeacherRow:
    teacher: Participant
    cycle: CoachingCycle | None  # the newest cycle
    cycles: int
    last_observed: datetime.date | None
    next_date: datetime.date | None
    overdue: bool


def coach_rows(*, cohort_id: int, today: datetime.date) -> list[TeacherRow]:
    """Every active teacher of the cohort with their newest cycle, in three queries."""
    teachers = cohort_teachers(cohort_id)
    cycles: dict[int, list[CoachingCycle]] = {}
    for cycle in (
        CoachingCycle.objects.filter(cohort_id=cohort_id)
        .select_related("placement")
        .order_by("-created_at", "-pk")
    ):
        cycles.setdefault(cycle.teacher_id, []).append(cycle)
    observed: dict[int, datetime.date] = {}
    for teacher_id, on in Observation.objects.filter(
        cycle__cohort_id=cohort_id, observed_on__isnull=False
    ).values_list("cycle__teacher_id", "observed_on"):
        if teacher_id not in observed or on > observed[teacher_id]:
            observed[teacher_id] = on
    rows = []
    for teacher in teachers:
        mine = cycles.get(teacher.pk, [])
        newest = mine[0] if mine else None
        open_dates = [c.planned_on for c in mine if c.is_open and c.planned_on]
        rows.append(
            TeacherRow(
                teacher=teacher,
                cycle=newest,
                cycles=len(mine),
                last_observed=observed.get(teacher.pk),
                next_date=min(open_dates) if open_dates else None,
                overdue=any(overdue(c, today) for c in mine),
            )
        )
    return rows


@dataclass
class Growth:
    """One tool's look-fors across a teacher's observations (a chart and its table)."""

    title: str
    scale: list[dict]
    dates: list[datetime.date]
    series: list[dict]  # [{slug, text, levels: [int | None per observation]}]
    points: list[dict] = field(default_factory=list)  # drawn: [{slug, text, marks, line}]


CHART = {"width": 600, "height": 240, "left": 40, "right": 20, "top": 16, "bottom": 36}


def growth(*, teacher_id: int, cohort_id: int, shared_only: bool) -> list[Growth]:
    """Ratings per look-for across the teacher's observations in the cohort, per module."""
    observations = Observation.objects.filter(
        cycle__teacher_id=teacher_id, cycle__cohort_id=cohort_id, observed_on__isnull=False
    ).select_related("cycle__placement")
    if shared_only:
        observations = observations.filter(shared_at__isnull=False)
    by_placement: dict[int, list[Observation]] = {}
    for observation in observations.order_by("observed_on", "pk"):
        by_placement.setdefault(observation.cycle.placement_id, []).append(observation)
    result = []
    for found in by_placement.values():
        tool = found[-1].tool
        rated = [o for o in found if o.ratings]
        if not rated:
            continue
        series = [
            {
                "slug": lf["slug"],
                "text": lf["text"],
                "levels": [o.ratings.get(lf["slug"]) for o in rated],
            }
            for lf in tool["look_fors"]
        ]
        chart = Growth(
            title=tool["title"],
            scale=tool["scale"],
            dates=[o.observed_on for o in rated],
            series=series,
        )
        _draw(chart)
        result.append(chart)
    return result


def _draw(chart: Growth) -> None:
    """Coordinates for the SVG: x by observation, y by level (the top is the highest level)."""
    c = CHART
    inner_w = c["width"] - c["left"] - c["right"]
    inner_h = c["height"] - c["top"] - c["bottom"]
    top_level = max(len(chart.scale), 1)
    count = len(chart.dates)

    def x(i: int) -> float:
        return c["left"] + (inner_w / 2 if count == 1 else inner_w * i / (count - 1))

    def y(level: int) -> float:
        return c["top"] + inner_h * (top_level - level) / max(top_level - 1, 1)

    chart.axis = [{"level": lv, "y": round(y(lv["level"]), 1)} for lv in chart.scale]
    chart.ticks = [
        {"x": round(x(i), 1), "date": d, "y": c["height"] - c["bottom"] + 18}
        for i, d in enumerate(chart.dates)
    ]
    dashes = ["", "6 3", "2 3", "8 3 2 3", "1 4", "10 4"]
    for index, s in enumerate(chart.series):
        marks = [
            {"x": round(x(i), 1), "y": round(y(level), 1), "level": level, "date": chart.dates[i]}
            for i, level in enumerate(s["levels"])
            if level is not None
        ]
        chart.points.append(
            {
                **s,
                "marks": marks,
                "line": " ".join(f"{m['x']},{m['y']}" for m in marks),
                "dash": dashes[index % len(dashes)],
                "number": index + 1,
            }
        )


def goals(*, teacher_id: int, cohort_id: int) -> dict:
    closed = CoachingCycle.objects.filter(
        teacher_id=teacher_id, cohort_id=cohort_id, step=Step.CLOSED
    ).order_by("created_at")
    return {
        "met": [c for c in closed if c.goal_met],
        "closed": len(closed),
    }


# --- privacy erasure ---------------------------------------------------------------------------

CYCLE_TEXT = ("goal", "goal_proposal")
OBSERVATION_TEXT = ("notes", "strength", "next_step", "reflection", "response")


def _with_text(queryset, fields):
    with_text = Q()
    for name in fields:
        with_text |= ~Q(**{name: ""})
    return queryset.filter(with_text)


def coaching_text_count(*, teacher_id: int) -> int:
    """How many cycles and observations of the teacher hold free text (privacy's dry run)."""
    cycles = _with_text(CoachingCycle.objects.filter(teacher_id=teacher_id), CYCLE_TEXT)
    observations = _with_text(
        Observation.objects.filter(cycle__teacher_id=teacher_id), OBSERVATION_TEXT
    )
    return cycles.count() + observations.count()


def coaching_erase(*, teacher_id: int) -> None:
    """Privacy erasure: the free text written by or about the teacher (goals, observation notes
    and feedback, their reflections) goes, with their consent to use an observation as evidence;
    the steps, dates and ratings (numbers on the tool's scale) stay for the cohort's growth
    figures."""
    CoachingCycle.objects.filter(teacher_id=teacher_id).update(**dict.fromkeys(CYCLE_TEXT, ""))
    Observation.objects.filter(cycle__teacher_id=teacher_id).update(
        **dict.fromkeys(OBSERVATION_TEXT, ""), evidence_consent=False
    )
