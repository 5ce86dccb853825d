"""The program lead's access check: a named lead on this launch's platform, nobody else."""

from __future__ import annotations

from functools import wraps

from django.shortcuts import render

from pagesession.access import launch_required

from .leads import lead_for_launch


def lead_required(view):
    """The view runs for a program lead (reporting.leads); anyone else gets a 403 page."""

    @launch_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access = lead_for_launch(request.launch)
        if access is None:
            return render(
                request,
                "pagesession/denied.html",
                {
                    "title": "This page is for program leads",
                    "message": "An Ignite administrator names the program leads of each "
                    "platform. Trainers see their own course in the trainer dashboard.",
                },
                status=403,
            )
        request.program_lead = access
        return view(request, *args, **kwargs)

    return wrapper


def lead_program(request, slug: str):
    """The lead's program by slug, or None (the caller answers 404)."""
    return next((p for p in request.program_lead.programs if p.slug == slug), None)
