"""Background tasks of the site as a whole: export jobs (``portal.exports``)."""

from django_tasks import task


@task()
def export_run(*, job_id: int) -> None:
    from portal.exports.services import export_job_run

    export_job_run(job_id=job_id)
