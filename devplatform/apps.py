from django.apps import AppConfig


class DevPlatformConfig(AppConfig):
    name = "devplatform"
    label = "devplatform"
    verbose_name = "Development platform (a small LMS for development and tests)"
