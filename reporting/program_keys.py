"""program.yaml keys this app owns: `deadline:` (a date) and `reminders:` (true/false)."""

from __future__ import annotations

from datetime import date

from courses.content_extensions import ProgramKey

from .models import ProgramPlan


def _deadline_read(value, fields):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    fields.problem("deadline", "deadline must be a date written YYYY-MM-DD, such as 2027-07-31")
    return None


def _reminders_read(value, fields):
    if isinstance(value, bool):
        return value
    fields.problem("reminders", "reminders must be true or false")
    return None


def _plan_store(program, **values) -> None:
    plan, _ = ProgramPlan.objects.get_or_create(program=program)
    changed = [k for k, v in values.items() if getattr(plan, k) != v]
    for key in changed:
        setattr(plan, key, values[key])
    if changed:
        plan.save(update_fields=changed)


def _deadline_store(*, program, value) -> None:
    _plan_store(program, deadline=date.fromisoformat(value) if value else None)


def _reminders_store(*, program, value) -> None:
    _plan_store(program, reminders=bool(value))


DEADLINE = ProgramKey(name="deadline", read=_deadline_read, store=_deadline_store)
REMINDERS = ProgramKey(name="reminders", read=_reminders_read, store=_reminders_store)
