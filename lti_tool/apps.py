from django.apps import AppConfig

from pagesession.frames import frame_sources_register


class LtiToolConfig(AppConfig):
    name = "lti_tool"
    verbose_name = "LTI registrations and launches"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (signals and system checks)
        from .security import all_frame_ancestors, platform_frame_ancestors

        # The page session frames pages for the launch's platform; only this app knows them.
        frame_sources_register(
            for_platform=platform_frame_ancestors, all_platforms=all_frame_ancestors
        )
