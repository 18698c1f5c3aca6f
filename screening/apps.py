from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "心理测评与档案"

    def ready(self):
        # Figures (and dashboard panels) this app gives the oversight reports.
        from . import report_figures  # noqa: F401
