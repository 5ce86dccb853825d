"""The lead's way in: a panel on "My modules" and on the trainer dashboard, for leads only."""

from __future__ import annotations

from django.urls import reverse

from courses.pages import Panel
from pagesession.binding import handoff_issue
from pagesession.urls_util import add_query

from .leads import lead_for_launch


def lead_panel(*, request, **_kwargs) -> Panel | None:
    access = lead_for_launch(request.launch)
    if access is None:
        return None
    return Panel(
        key="program-lead",
        title="Program view",
        template="reporting/_lead_link.html",
        context={
            "programs": access.programs,
            # Outside the LMS frame the page keeps its own cookie: a one-time code (valid two
            # minutes) opens the view there, bound to that window (pagesession/binding.py).
            "window_url": add_query(
                reverse("lti:handoff"),
                {
                    "code": handoff_issue(
                        claims=request.launch.claims, target=reverse("reporting:program")
                    )
                },
            ),
        },
        order=5,
    )
