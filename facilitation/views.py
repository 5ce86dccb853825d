"""Trainer pages (a module's facilitator guide, a calibration round) and classroom templates
(for everyone in the course). Every page needs a launch; a placement is reachable only from its
own cohort, so another course or platform gets a 404, and a teacher gets a 403 on trainer pages.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_safe

from courses.models import Module, Placement
from pagesession.access import launch_placement, launch_required, trainer_required
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import see_other

from .models import CalibrationAttempt, ClassroomTemplate, ModuleMaterials
from .services import (
    calibration_agreement,
    calibration_attempts,
    calibration_form,
    calibration_submit,
    materials_for,
)


def _materials(module: Module, part: str) -> ModuleMaterials:
    materials = materials_for(version=module.current)
    if materials is None or not getattr(materials, part):
        what = "facilitator guide" if part == "guide" else "calibration set"
        raise Http404(f"This module has no {what} yet")
    return materials


@require_safe
@trainer_required
def guide_page(request, placement_id: int):
    placement, module = launch_placement(request, placement_id)
    materials = _materials(module, "guide")
    return render(
        request,
        "facilitation/guide.html",
        {
            "placement": placement,
            "module": module,
            "guide": materials.guide,
            "calibration": bool(materials.calibration),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def calibration_page(request, placement_id: int):
    placement, module = launch_placement(request, placement_id)
    materials = _materials(module, "calibration")
    participant = request.launch.participant
    form = calibration_form(
        materials=materials, data=request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and not form.missing:
        attempt = calibration_submit(
            participant=participant, placement=placement, materials=materials, form=form
        )
        return see_other(
            lurl(
                {"launch": request.launch},
                "facilitation:calibration-result",
                placement.pk,
                attempt.pk,
            )
        )
    return render(
        request,
        "facilitation/calibration.html",
        {
            "placement": placement,
            "module": module,
            "rows": form.rows(),
            "missing": len(form.missing),
            "attempts": calibration_attempts(participant=participant, placement=placement)[:20],
        },
        status=400 if form.missing else 200,
    )


@require_safe
@trainer_required
def calibration_result(request, placement_id: int, attempt_id: int):
    placement, module = launch_placement(request, placement_id)
    attempt = CalibrationAttempt.objects.filter(
        pk=attempt_id, placement=placement, participant_id=request.launch.claims.participant_id
    ).first()
    if attempt is None:
        raise Http404("No such calibration round")
    agreement = calibration_agreement(
        placement=placement, module_version_id=attempt.module_version_id
    )
    examples: list[dict] = []
    for result in attempt.results:
        if not examples or examples[-1]["id"] != result["example"]:
            examples.append({"id": result["example"], "title": result["title"], "results": []})
        agreed, trainers = agreement.get((result["example"], result["criterion"]), (0, 0))
        examples[-1]["results"].append({**result, "cohort_agreed": agreed, "trainers": trainers})
    for example in examples:
        example["agreed"] = sum(1 for r in example["results"] if r["agreed"])
        example["within_one"] = sum(
            1 for r in example["results"] if r["distance"] is not None and abs(r["distance"]) <= 1
        )
    return render(
        request,
        "facilitation/calibration_result.html",
        {
            "placement": placement,
            "module": module,
            "attempt": attempt,
            "examples": examples,
            "within_one": sum(e["within_one"] for e in examples),
        },
    )


def _template(request, placement_id: int, slug: str) -> tuple[Placement, Module, ClassroomTemplate]:
    placement, module = launch_placement(request, placement_id)
    template = ClassroomTemplate.objects.filter(
        materials__module_version=module.current, slug=slug
    ).first()
    if template is None:
        raise Http404("No such template in this module")
    return placement, module, template


@require_safe
@launch_required
def template_page(request, placement_id: int, slug: str):
    placement, module, template = _template(request, placement_id, slug)
    return render(
        request,
        "facilitation/template.html",
        {"placement": placement, "module": module, "template": template},
    )


@require_safe
@launch_required
def template_download(request, placement_id: int, slug: str):
    """A standalone HTML file (print styles inline) that opens in any browser or word processor,
    so a teacher can fill it in offline."""
    _placement, module, template = _template(request, placement_id, slug)
    body = render_to_string(
        "facilitation/template_download.html", {"module": module, "template": template}
    )
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{template.slug}.html"'
    return response
