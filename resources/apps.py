from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "资源库"

    def ready(self):
        from schools.hooks import register_membership_sync, register_school_role_groups

        # Figures (and dashboard panels) this app gives the oversight reports.
        from . import report_figures  # noqa: F401
        from .services import school_editor_groups, school_editors_sync

        # School admins and leaders manage their school's own documents: their document
        # groups follow their roles (schools asks through its hooks: it imports no feature app).
        register_membership_sync(school_editors_sync)
        register_school_role_groups(school_editor_groups)
