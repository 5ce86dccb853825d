"""The "Shared practice" panel on the module page (courses.pages MODULE_PAGE)."""

from __future__ import annotations

from courses.pages import Panel
from pagesession.access import launch_is_trainer

from .services import panel_counts, reported_posts


def module_panel(*, request, placement, module, **_kwargs) -> Panel | None:
    launch = request.launch
    if not launch or module is None:
        return None
    is_trainer = launch_is_trainer(launch)
    counts = panel_counts(
        placement=placement,
        module=module,
        reader_id=launch.claims.participant_id,
        is_trainer=is_trainer,
        platform_id=launch.claims.platform_id,
    )
    return Panel(
        key="exchange-panel",
        title="Shared practice",
        template="exchange/_panel.html",
        context={**counts, "is_trainer": is_trainer},
        order=40,
    )


def trainer_panel(*, request, cohort_id, **_kwargs) -> Panel | None:
    """Shared posts with reports in the cohort, for its trainers; nothing when there are none."""
    if not launch_is_trainer(request.launch):
        return None
    posts = reported_posts(cohort_id=cohort_id)
    if not posts:
        return None
    return Panel(
        key="exchange-reports",
        title="Shared practice reported by teachers",
        template="exchange/_trainer_panel.html",
        context={"posts": posts},
        order=60,
    )
