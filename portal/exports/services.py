"""Starting, running and cleaning up export jobs.

``export_start`` stores the job and hands it to the task worker (``portal.tasks.export_run``;
inline with ``XINYU_IMMEDIATE_TASKS``). ``export_job_run`` — the task's work — asks the
kind's capability again, builds the rows and streams them through ``portal.spreadsheets``
into a hidden temporary file beside the private storage's export folder, saving the count
every ``PROGRESS_EVERY`` rows; the finished file is moved into private storage whole. A
failure marks the job failed with a Chinese message and leaves no file behind.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import tempfile

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from portal import spreadsheets
from schools import access

from .registry import CSV, XLSX, ExportKind, ExportTable, kind_get

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 500
#: A job that took longer than this tells its owner in 消息中心 when it is done (or failed);
#: a quick one was watched on its progress page.
NOTIFY_AFTER = datetime.timedelta(seconds=20)


def keep_days() -> int:
    """Days a finished job's file is kept (``XINYU_EXPORT_RETENTION_DAYS``); then
    ``manage.py retention`` deletes it and the job is listed as 已过期."""
    from django.conf import settings

    return settings.XINYU_EXPORT_RETENTION_DAYS


MSG_FAILED = (
    "导出失败：生成文件时出错，没有留下任何文件。请稍后重新导出；如果仍然失败，请联系系统管理员。"
)
MSG_NO_LONGER = "导出失败：您已没有导出这些数据的权限。"
MSG_GONE = "导出失败：这种导出已不再提供。"
MSG_UNWRITABLE = (
    "导出失败：服务器的文件存储目录暂时无法写入（没有写权限或磁盘已满）。请稍后重新导出。"
)


def export_start(*, user, kind: ExportKind, form):
    """Queue an export of ``kind`` with the filters of ``form`` (valid); returns the job.
    The caller has checked ``kind.capability``."""
    from portal.models import ExportJob
    from portal.tasks import export_run

    summary = form.summary()
    title = f"{kind.label}（{summary}）" if summary else kind.label
    job = ExportJob.objects.create(
        user=user,
        kind=kind.name,
        title=title[:300],
        params=form.params(),
        format=form.chosen_format(),
    )
    export_run.enqueue(job_id=job.pk)
    job.refresh_from_db()
    return job


def _update(job, **fields) -> None:
    from portal.models import ExportJob

    ExportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _counted(rows, job):
    """The rows, saving how many were written every ``PROGRESS_EVERY`` rows."""
    written = 0
    for row in rows:
        yield row
        written += 1
        if written % PROGRESS_EVERY == 0:
            _update(job, written=written)
    job.written = written


def _temporary_file():
    """A hidden temporary file in the private storage's export folder (moved into place when
    complete), or in the system's temporary folder for a storage without local paths."""
    try:
        folder = default_storage.path("exports")
    except NotImplementedError:
        folder = None
    if folder:
        os.makedirs(folder, exist_ok=True)
    return tempfile.mkstemp(dir=folder, prefix=".export-", suffix=".part")


def _write(table: ExportTable, *, fmt: str, out) -> None:
    if fmt == XLSX:
        sheets = [
            spreadsheets.Sheet(
                title=table.title,
                headers=table.headers,
                rows=table.rows,
                widths=table.widths,
                preface=table.preface,
                freeze=table.freeze,
                autofilter=table.autofilter,
            )
        ]
        if table.notes:
            sheets.append(spreadsheets.Sheet(title="说明", rows=table.notes))
        spreadsheets.xlsx_write(out, *sheets)
    else:
        spreadsheets.csv_write(out, table.headers, table.rows)


@contextlib.contextmanager
def _recoverable():
    """Inline (``XINYU_IMMEDIATE_TASKS``) a job runs inside the request's transaction: a
    database error in it rolls back to a savepoint, so that the job can still be marked failed
    and the request finish; any other failure keeps what was written (the progress). Through
    the worker there is no transaction: each progress update is committed at once, for the
    progress page to see."""
    if not connection.in_atomic_block:
        yield
        return
    sid = transaction.savepoint()
    try:
        yield
    except DatabaseError:
        transaction.savepoint_rollback(sid)
        raise
    except BaseException:
        transaction.savepoint_commit(sid)
        raise
    transaction.savepoint_commit(sid)


def _build_and_write(job, kind):
    """Build the kind's rows and stream them into a hidden temporary file; returns
    ``(table, path)``. The file is removed when anything fails."""
    table = kind.build(user=job.user, params=job.params)
    if table.total is not None:
        _update(job, total=table.total)
    table.rows = _counted(table.rows, job)
    fd, partial = _temporary_file()
    try:
        with os.fdopen(fd, "wb") as out:
            _write(table, fmt=job.format if job.format in (CSV, XLSX) else CSV, out=out)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    return table, partial


class _Complete(File):
    """A finished temporary file: the private storage moves it into place (no copy)."""

    def temporary_file_path(self):
        return self.file.name


def export_job_run(*, job_id: int) -> None:
    """The task's work (see the module doc). A job delivered twice runs once."""
    from portal.models import ExportJob

    Status = ExportJob.Status
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status != Status.QUEUED:
        return
    _update(job, status=Status.RUNNING, started_at=timezone.now(), written=0)
    kind = kind_get(job.kind)
    if kind is None:
        return _fail(job, MSG_GONE)
    if not (job.user.is_active and access.can(user=job.user, cap=kind.capability)):
        return _fail(job, MSG_NO_LONGER)
    partial = None
    try:
        with _recoverable():
            table, partial = _build_and_write(job, kind)
        name = f"exports/{timezone.localdate():%Y/%m}/job-{job.pk}.{job.format}"
        with open(partial, "rb") as handle:
            stored = default_storage.save(name, _Complete(handle, name=name))
    except OSError:
        logger.exception("export job %s could not be written", job.pk)
        return _fail(job, MSG_UNWRITABLE)
    except Exception:
        # Never a progress page stuck at 正在生成: the job says it failed, the task backend
        # keeps the traceback (ids only: no row content is logged).
        logger.exception("export job %s failed", job.pk)
        _fail(job, MSG_FAILED)
        raise
    finally:
        if partial and os.path.exists(partial):
            os.unlink(partial)
    filename = f"{kind.filename(job.params)}.{job.format}"
    _update(
        job,
        status=Status.DONE,
        file=stored,
        filename=filename[:200],
        total=job.written,
        written=job.written,
        finished_at=timezone.now(),
    )
    _tell(job, done=True)


def _fail(job, message: str) -> None:
    from portal.models import ExportJob

    _update(job, status=ExportJob.Status.FAILED, error=message, finished_at=timezone.now())
    _tell(job, done=False)


def _tell(job, *, done: bool) -> None:
    """A message in 消息中心 when a job took long enough that its owner may have left the
    progress page."""
    from accounts.services import notification_send

    if job.finished_at - job.created_at < NOTIFY_AFTER:
        return
    link = reverse("exports_admin:job", args=[job.pk])
    title = f"导出{'已完成' if done else '失败'}：{job.title}"
    notification_send(recipient=job.user, kind="portal.export", title=title, link=link, email=False)


MSG_STUCK = "导出失败：任务长时间没有完成（后台任务可能没有运行）。请重新导出。"


def export_files_prune(*, before) -> int:
    """Delete the files of export jobs asked for before ``before`` (the jobs stay, listed as
    expired); returns how many files were deleted. A job that never finished by then (no
    worker ran it) is marked failed."""
    from portal.models import ExportJob

    Status = ExportJob.Status
    ExportJob.objects.filter(
        created_at__lt=before, status__in=[Status.QUEUED, Status.RUNNING]
    ).update(status=Status.FAILED, error=MSG_STUCK, finished_at=timezone.now())
    done = 0
    old = ExportJob.objects.filter(created_at__lt=before).exclude(file="")
    for job in old.iterator():
        try:
            job.file.delete(save=False)
        except OSError:  # already gone, or not deletable now: try again next run
            logger.warning("export file of job %s could not be deleted", job.pk)
            continue
        ExportJob.objects.filter(pk=job.pk).update(file="")
        done += 1
    return done


def export_jobs_old(*, before):
    """Jobs asked for before ``before`` whose file is still kept (``retention --dry-run``)."""
    from portal.models import ExportJob

    return ExportJob.objects.filter(created_at__lt=before).exclude(file="")
