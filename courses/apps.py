from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "课程与培训"

    def ready(self):
        # Figures (and dashboard panels) this app gives the oversight reports.
        from . import report_figures  # noqa: F401
