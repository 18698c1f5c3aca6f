"""Background tasks (django-tasks). Schedule ``send_reminders`` daily, e.g. from cron:
``manage.py oversight_send_reminders`` or by enqueueing this task."""

from django_tasks import task

from .services import reminders_send


@task()
def send_reminders() -> int:
    return len(reminders_send())


@task()
def figure_snapshot_refresh(*, name: str, params: str) -> None:
    """Compute one kept province figure for every school (``oversight.snapshots``)."""
    from .snapshots import _params_from, snapshot_refresh

    snapshot_refresh(name=name, params=_params_from(params))


@task()
def figure_snapshots_refresh_all() -> int:
    from .snapshots import snapshots_refresh_all

    return snapshots_refresh_all()
