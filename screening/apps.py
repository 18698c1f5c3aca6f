from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "心理测评与档案"

    def ready(self):
        from schools.hooks import register_back_office_grant

        # Figures (and dashboard panels) this app gives the oversight reports.
        from . import report_figures  # noqa: F401
        from .selectors import in_case_group

        # A plain teacher in a student's counselling group opens the back office while a
        # member: schools asks through its hooks when it aligns the user's groups.
        register_back_office_grant(in_case_group)
