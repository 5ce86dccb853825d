"""Background tasks (Django Tasks API; database backend by default)."""

from __future__ import annotations

from django.core.cache import cache
from django_tasks import task

from mastery.grades import grades_nudge_taken

from .passback import grades_drain, next_due_at


@task()
def deliver_grades() -> dict:
    # Before reading the outbox: a score committed from now on enqueues a task of its own.
    grades_nudge_taken()
    counts = grades_drain()
    follow_up = next_due_at()
    # Retries wait in the outbox; one delayed task (not one per failed row) looks again when
    # the first is due.
    if follow_up is not None and cache.add(
        f"grades:follow-up:{int(follow_up.timestamp())}", 1, 3600
    ):
        deliver_grades.using(run_after=follow_up).enqueue()
    return counts


@task()
def sync_roster(context_id: int) -> dict:
    """Refresh one course's roster from the LMS (Names and Role Provisioning)."""
    from dataclasses import asdict

    from .models import LtiContext
    from .roster import roster_sync

    context = (
        LtiContext.objects.select_related("deployment__platform", "cohort")
        .filter(pk=context_id)
        .first()
    )
    if context is None:
        return {"error": "no such course"}
    return asdict(roster_sync(context, force=True))


@task()
def learn_placements(context_id: int) -> dict:
    """Read one course's AGS line items: links nobody opened yet become placements."""
    from dataclasses import asdict

    from .lineitems import placements_learn
    from .models import LtiContext

    context = (
        LtiContext.objects.select_related("deployment__platform").filter(pk=context_id).first()
    )
    if context is None or not context.lineitems_url:
        return {"error": "no such course, or no line items service"}
    return asdict(placements_learn(context))
