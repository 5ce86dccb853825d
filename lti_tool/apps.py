from django.apps import AppConfig

from dashboards.placements import placements_source_register
from dashboards.roster import roster_source_register
from pagesession.frames import frame_sources_register
from pagesession.zones import time_zone_source_register


class LtiToolConfig(AppConfig):
    name = "lti_tool"
    verbose_name = "LTI registrations and launches"

    def ready(self) -> None:
        from reporting.tasks import reporting_keep
        from reporting.tenancy import tenancy_source_register

        from . import checks, signals  # noqa: F401  (signals and system checks)
        from .events import grade_worker_alive
        from .lineitems import placements_learn_for_cohort
        from .roster import roster_panel_for_cohort
        from .security import all_frame_ancestors, platform_frame_ancestors, platform_time_zone
        from .tenancy import SOURCE

        # The page session frames pages for the launch's platform; only this app knows them.
        frame_sources_register(
            for_platform=platform_frame_ancestors, all_platforms=all_frame_ancestors
        )
        # Pages show times in the launch's platform zone; only this app knows registrations.
        time_zone_source_register(for_platform=platform_time_zone)
        # The trainer dashboard (dashboards/) shows the LMS roster; only this app reads it.
        roster_source_register(roster_panel_for_cohort)
        # It also shows links placed in the course that nobody opened yet (AGS line items).
        placements_source_register(placements_learn_for_cohort)
        # The program view (reporting/) knows platforms only through this app.
        tenancy_source_register(SOURCE)
        # Its figures are computed ahead and its daily snapshots taken by a task the worker's
        # heartbeat queues (and the worker runs: management/commands/grades.py).
        grade_worker_alive.connect(reporting_keep, dispatch_uid="reporting-keep")
