"""The "Shared practice" panel on the module page (courses.pages MODULE_PAGE)."""

from __future__ import annotations

from courses.pages import Panel
from pagesession.access import launch_is_trainer

from .services import panel_counts


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
