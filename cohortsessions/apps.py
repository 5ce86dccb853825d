from django.apps import AppConfig


class CohortSessionsConfig(AppConfig):
    name = "cohortsessions"
    verbose_name = "Cohort sessions and attendance"

    def ready(self):
        # reason: AppConfig.ready() is where an app may import models and register hooks
        from . import hooks

        hooks.register()
