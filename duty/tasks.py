"""Background task: the reminder sweep, for deployments running a django-tasks worker."""

from django_tasks import task

from .reminders import reminders_send


@task()
def duty_reminders_send() -> int:
    """Send due-soon and overdue reminders for incident clocks (idempotent)."""
    return reminders_send()
