"""Background tasks (django-tasks). Schedule ``send_reminders`` daily, e.g. from cron:
``manage.py oversight_send_reminders`` or by enqueueing this task."""

from django_tasks import task

from .services import reminders_send


@task()
def send_reminders() -> int:
    return len(reminders_send())
