from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "课程与培训"

    def ready(self):
        # Figures (and dashboard panels) this app gives the oversight reports.
        from wagtail.signals import page_published

        from . import report_figures  # noqa: F401
        from .models import LessonPage

        page_published.connect(
            _lesson_published, sender=LessonPage, dispatch_uid="courses.lesson_package"
        )


def _lesson_published(sender, instance, **kwargs):
    """Whatever published the lesson (the admin, a schedule, the demo), its package is
    regenerated from the content just published."""
    from .curricula.services import lesson_package_build

    lesson_package_build(lesson=instance)
