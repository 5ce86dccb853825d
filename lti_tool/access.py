"""Access helpers: every view that needs a launch or a role goes through these."""

from __future__ import annotations

from functools import wraps

from django.shortcuts import render


def _denied(request, status: int, title: str, message: str):
    return render(
        request,
        "lti_tool/denied.html",
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
        return view(request, *args, **kwargs)

    return wrapper


def trainer_required(view):
    @launch_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.launch.is_trainer:
            return _denied(
                request,
                403,
                "This page is for trainers",
                "Only course instructors, teaching assistants, mentors and administrators can see it.",
            )
        return view(request, *args, **kwargs)

    return wrapper
