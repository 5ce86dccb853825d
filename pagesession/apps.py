from django.apps import AppConfig


class PageSessionConfig(AppConfig):
    name = "pagesession"
    verbose_name = "Page session (launch token and access checks)"
