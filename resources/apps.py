from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "资源库"

    def ready(self):
        from wagtail.signals import page_published

        from schools.hooks import register_membership_sync, register_school_role_groups

        # Figures (and dashboard panels) this app gives the oversight reports.
        from . import report_figures  # noqa: F401
        from .models import NoticePage
        from .services import school_editor_groups, school_editors_sync

        page_published.connect(
            _notice_published, sender=NoticePage, dispatch_uid="resources.notice_poster"
        )
        # School admins and leaders manage their school's own documents: their document
        # groups follow their roles (schools asks through its hooks: it imports no feature app).
        register_membership_sync(school_editors_sync)
        register_school_role_groups(school_editor_groups)


def _notice_published(sender, instance, **kwargs):
    """Whatever published the notice (the admin, a schedule, the demo), its poster files are
    made from the content just published. A failure here never stops the publish: the
    routes make a missing file on first request."""
    import logging

    from .services import notice_poster_build

    try:
        notice_poster_build(page=instance)
    except Exception:  # noqa: BLE001
        logging.getLogger(__name__).exception("poster of notice %s not built", instance.pk)
