"""Access helpers: every view that needs a launch or a role goes through these."""

from __future__ import annotations

from functools import wraps

from django.http import Http404
from django.shortcuts import render

from courses.models import Membership, Module, Placement, Role
from courses.progress import placement_module

MAX_ID_DIGITS = 18  # below 2**63: every database's bigint


def parse_id(value: object) -> int | None:
    """A database id or index from form or query text: ASCII digits only, or None.

    `str.isdigit` accepts '²' and '١', which `int()` then refuses or reads as another number;
    an id longer than a bigint is no id of ours. Every view that reads an id from a form or a
    query string goes through here (URL paths use Django's ASCII-only `int` converter).
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_ID_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def _denied(request, status: int, title: str, message: str):
    return render(
        request,
        "pagesession/denied.html",
        {"title": title, "message": message},
        status=status,
    )


def launch_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.launch:
            expired = getattr(request.launch, "error", "") == "expired"
            return _denied(
                request,
                401,
                "Your session has ended" if expired else "Please open Ignite from your course",
                (
                    "Ignite pages stay open for a few hours after you open them from your LMS. "
                    "Go back to your course and open Ignite again to continue where you left off."
                    if expired
                    else "This page only works when you open Ignite from your course in your LMS."
                ),
            )
        if request.launch.role not in (Role.TEACHER, Role.TRAINER):
            # Only course roles count (lti_tool/roles.py): an LMS admin or account role alone
            # opens nothing here, and says so rather than showing an empty or wrong page.
            return _denied(
                request,
                403,
                "You have no role in this course",
                "Your LMS opened Ignite without a role in this course, so Ignite cannot tell "
                "whether you take it or lead it. Ask for a place in the course: as a student to "
                "take the modules, or as a teacher or teaching assistant to see the trainer "
                "dashboard. LMS administrators who are not enrolled in the course are in this "
                "case too.",
            )
        return view(request, *args, **kwargs)

    return wrapper


def launch_is_trainer(launch) -> bool:
    """Whether this launch holds trainer rights now, not only when its token was made.

    The token says what the launch said, for hours; the person may since have relaunched as a
    learner or been marked inactive by a roster sync. Every trainer right goes through here: one
    indexed query, only for tokens that claim the trainer role, once per request.
    """
    if not launch or not launch.is_trainer:
        return False
    current = getattr(launch, "_trainer_now", None)
    if current is None:
        current = Membership.objects.filter(
            participant_id=launch.claims.participant_id,
            cohort_id=launch.claims.cohort_id,
            role=Role.TRAINER,
            status=Membership.Status.ACTIVE,
        ).exists()
        launch._trainer_now = current
    return current


def trainer_required(view):
    @launch_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not launch_is_trainer(request.launch):
            return _denied(
                request,
                403,
                "This page is for trainers",
                "Only course instructors, teaching assistants, mentors and administrators can see it.",
            )
        return view(request, *args, **kwargs)

    return wrapper


def launch_placement(request, placement_id: int) -> tuple[Placement, Module]:
    """The placement of the launch's cohort and its catalog module, or a 404: another course's
    or platform's placement, or one whose module was never imported, is not found here.
    (The module page reads its placement with its own one-query version in courses/views.py.)"""
    placement = Placement.objects.filter(
        pk=placement_id, cohort_id=request.launch.claims.cohort_id
    ).first()
    module = placement_module(placement)
    if placement is None or module is None:
        raise Http404("No such module in this course")
    return placement, module
