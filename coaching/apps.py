from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = "Coaching cycles and observation of practice"

    def ready(self):
        # reason: AppConfig.ready() is where an app may import models and register hooks
        from courses.content_extensions import ContentExtension, extension_register

        from .content import tool_extension_read
        from .services import tool_store

        extension_register(
            ContentExtension(name="coaching", read=tool_extension_read, store=tool_store)
        )
