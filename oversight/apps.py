from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "实施情况报告与督导"

    def ready(self):
        # Register the figures and dashboard panels whose data live in apps already present.
        from schools import hooks

        from . import panels, providers  # noqa: F401
        from .snapshots import refresh_after_enrolment

        # New students change a province's kept coverage: refreshed once the creating
        # transaction commits (a task that does nothing for a city under the threshold).
        hooks.register_students_enrolled(refresh_after_enrolment)
