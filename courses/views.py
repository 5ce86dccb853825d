"""The teacher's pages: a placed module, its lessons, the cohort's modules, the catalog.

Every page needs a launch (`request.launch`: participant, cohort, placement and role from a
signed launch token); a placement is reachable only from its own cohort.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from pagesession.access import launch_required
from pagesession.templatetags.launch_urls import lurl

from .models import Lesson, Module, Placement, Program
from .page_queries import placed_for_launch, version_lesson
from .pages import COHORT_PAGE, MODULE_PAGE, page_sections, panels
from .progress import (
    cohort_modules,
    lesson_complete,
    lesson_view,
    module_progress,
)


def _placed(request, placement_id: int) -> tuple[Placement, Module]:
    # One query (courses/pages.py): the placement, its current version's id, the launch's
    # participant and what this participant has here; the version itself is cached per worker.
    placement, module = placed_for_launch(request.launch, placement_id)
    if placement is None or module is None:
        raise Http404("No such module in this course")
    return placement, module


def _lesson(module: Module, slug: str) -> Lesson:
    lesson = version_lesson(module.current, slug)
    if lesson is None:
        raise Http404("No such lesson in this module")
    return lesson


@require_safe
@launch_required
def module_page(request, placement_id: int):
    placement, module = _placed(request, placement_id)
    return render(request, "courses/module.html", module_page_context(request, placement, module))


def module_page_context(request, placement: Placement, module: Module) -> dict:
    """What the module page shows; also used to show it again with a refused evidence form."""
    version = module.current
    progress = module_progress(
        participant=request.launch.participant, placement=placement, version=version
    )
    return {
        "placement": placement,
        "module": module,
        "version": version,
        "progress": progress,
        **page_sections(
            page=MODULE_PAGE,
            request=request,
            placement=placement,
            module=module,
            progress=progress,
        ),
        "panels": panels(page=MODULE_PAGE, request=request, placement=placement, module=module),
    }


@require_safe
@launch_required
def lesson_page(request, placement_id: int, lesson_slug: str):
    placement, module = _placed(request, placement_id)
    lesson = _lesson(module, lesson_slug)
    participant = request.launch.participant
    lesson_view(participant=participant, placement=placement, lesson=lesson)
    placement.page_progress = True  # the flag was read before this view wrote a row
    progress = module_progress(participant=participant, placement=placement, version=module.current)
    lessons = progress.lessons
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    return render(
        request,
        "courses/lesson.html",
        {
            "placement": placement,
            "module": module,
            "lesson": lesson,
            "progress": progress,
            "position": index + 1,
            "previous": lessons[index - 1] if index > 0 else None,
            "next": lessons[index + 1] if index + 1 < len(lessons) else None,
            "is_complete": lesson.slug in progress.completed,
        },
    )


@require_POST
@launch_required
def lesson_complete_view(request, placement_id: int, lesson_slug: str):
    placement, module = _placed(request, placement_id)
    lesson = _lesson(module, lesson_slug)
    lesson_complete(participant=request.launch.participant, placement=placement, lesson=lesson)
    following = next(
        (item for item in module.current.lessons.all() if item.position > lesson.position), None
    )
    context = {"launch": request.launch}
    if following is not None:
        target = lurl(context, "courses:lesson", placement.pk, following.slug)
    else:
        target = lurl(context, "courses:module", placement.pk) + "#mastery"
    response = redirect(target)
    response.status_code = 303
    return response


@require_safe
@launch_required
def cohort_page(request):
    """Course navigation: the cohort's placed modules with this participant's progress."""
    return render(
        request,
        "courses/cohort.html",
        {
            "cohort": request.launch.cohort,
            "entries": cohort_modules(
                participant=request.launch.participant, cohort_id=request.launch.claims.cohort_id
            ),
            "panels": panels(
                page=COHORT_PAGE,
                request=request,
                participant=request.launch.participant,
                cohort_id=request.launch.claims.cohort_id,
            ),
        },
    )


@require_safe
@launch_required
def catalog_page(request):
    placed = {
        placement.module_slug: placement
        for placement in Placement.objects.filter(
            cohort_id=request.launch.claims.cohort_id
        ).exclude(module_slug="")
    }
    programs = list(Program.objects.prefetch_related("modules__current"))
    for program in programs:
        program.listed = [m for m in program.modules.all() if m.current_id and not m.retired]
        for module in program.listed:
            module.placement = placed.get(module.slug)
    return render(request, "courses/catalog.html", {"programs": programs})
