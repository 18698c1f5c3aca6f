from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "心理测评与档案"

    def ready(self):
        from schools import access

        # Figures (and dashboard panels) this app gives the oversight reports.
        from . import report_figures  # noqa: F401
        from .selectors import case_student_ids

        # Counselling-group members reach the student of their case (``group=True`` rows of
        # the capability table).
        access.register_group_reach(case_student_ids)
