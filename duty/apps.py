from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "duty"
    verbose_name = "值班与事件报告"

    def ready(self):
        # Figures (and dashboard panels) this app gives the oversight reports.
        from . import report_figures  # noqa: F401
