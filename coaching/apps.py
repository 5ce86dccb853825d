from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = "Coaching cycles and observation of practice"

    def ready(self):
        # reason: AppConfig.ready() is where an app may import models and register hooks
        from courses.content_extensions import (
            ContentExtension,
            CredentialKey,
            credential_key_register,
            extension_register,
        )
        from courses.pages import (
            COHORT_PAGE,
            TRAINER_DASHBOARD,
            dashboard_column_register,
            panel_register,
        )
        from credentials.requirements import Requirement, requirement_register
        from notifications.services import Kind, kind_register

        from .content import tool_extension_read
        from .panels import coaching_column, teacher_panel, trainer_panel
        from .requirement import KEY, observation_required_check, observation_required_read
        from .services import FEEDBACK_KIND, tool_store

        extension_register(
            ContentExtension(name="coaching", read=tool_extension_read, store=tool_store)
        )
        credential_key_register(CredentialKey(name=KEY, read=observation_required_read))
        requirement_register(Requirement(name=KEY, check=observation_required_check))
        panel_register(page=COHORT_PAGE, provider=teacher_panel)
        panel_register(page=TRAINER_DASHBOARD, provider=trainer_panel)
        dashboard_column_register(coaching_column)
        kind_register(
            Kind(
                name=FEEDBACK_KIND,
                label="Feedback from your coach on an observation",
                audience="teacher",
            )
        )
