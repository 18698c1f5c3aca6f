from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "资源库"

    def ready(self):
        # Figures (and dashboard panels) this app gives the oversight reports.
        from . import report_figures  # noqa: F401
