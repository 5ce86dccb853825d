"""What coaching adds to other apps' pages: the teacher's cycles on "My modules"
(`coaching-panel`), a link and counts on the trainer dashboard, and its "Coaching" column
(`coaching-step`). Each in a constant number of queries."""

from __future__ import annotations

from django.utils import timezone

from courses.pages import Panel, TeacherColumn
from pagesession.access import launch_is_trainer

from .models import CoachingCycle, Step
from .services import overdue


def teacher_panel(*, request, participant, cohort_id):
    if request.launch.is_trainer:
        return None
    cycles = list(
        CoachingCycle.objects.filter(teacher=participant, cohort_id=cohort_id)
        .select_related("placement", "observation")
        .order_by("-created_at", "-pk")[:20]
    )
    if not cycles:
        return None
    return Panel(
        key="coaching-panel",
        title="Coaching",
        template="coaching/_teacher_panel.html",
        context={"cycles": cycles},
        order=30,
    )


def trainer_panel(*, request, cohort_id, participant_ids):
    if not launch_is_trainer(request.launch):
        return None
    today = timezone.localdate()
    cycles = list(CoachingCycle.objects.filter(cohort_id=cohort_id).exclude(step=Step.CLOSED))
    return Panel(
        key="coaching-summary",
        title="Coaching",
        template="coaching/_trainer_panel.html",
        context={
            "open": len(cycles),
            "overdue": sum(1 for c in cycles if overdue(c, today)),
        },
        order=40,
    )


def coaching_column(*, cohort_id, participant_ids):
    """The newest cycle's step per teacher, with "(overdue)" when its date has passed."""
    today = timezone.localdate()
    newest: dict[int, CoachingCycle] = {}
    for cycle in (
        CoachingCycle.objects.filter(cohort_id=cohort_id, teacher_id__in=participant_ids)
        .only("teacher_id", "step", "planned_on", "created_at")
        .order_by("-created_at", "-pk")
    ):
        newest.setdefault(cycle.teacher_id, cycle)
    cells = {}
    for pid, cycle in newest.items():
        text = cycle.get_step_display()
        if overdue(cycle, today):
            text += " (overdue)"
        cells[pid] = text
    return TeacherColumn(key="coaching-step", header="Coaching", cells=cells)
