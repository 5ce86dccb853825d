from django.apps import AppConfig


class FacilitationConfig(AppConfig):
    name = "facilitation"
    verbose_name = "Facilitator guides, calibration and classroom templates"

    def ready(self):
        # reason: AppConfig.ready() is where an app may import models and register hooks
        from courses.agendas import agenda_source_register
        from courses.content_extensions import ContentExtension, extension_register

        from .content import materials_read
        from .services import guide_agenda, materials_store

        extension_register(
            ContentExtension(name="facilitation", read=materials_read, store=materials_store)
        )
        agenda_source_register(guide_agenda)
