from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "心理测评与档案"

    def ready(self):
        from schools import access, hooks

        # Figures (and dashboard panels) this app gives the oversight reports.
        from . import report_figures  # noqa: F401
        from .selectors import archive_links, case_student_ids
        from .services import archives_for_enrolled

        # Counselling-group members reach the student of their case (``group=True`` rows of
        # the capability table).
        access.register_group_reach(case_student_ids)
        # Every student has an archive from enrolment; the student list and record link to it.
        hooks.register_students_enrolled(archives_for_enrolled)
        hooks.register_student_links(archive_links)
