"""Background task: large staff imports (progress on the import's page)."""

from django_tasks import task


@task()
def staff_import_run(*, job_id: int) -> None:
    from .imports import staff_import_job_run

    staff_import_job_run(job_id=job_id)
