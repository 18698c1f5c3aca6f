"""Writes for the site as a whole: the site's address, retention across the apps."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, ProtectedError, RestrictedError
from django.utils import timezone
from wagtail.models import Site


def site_address_set(*, base_url: str | None = None) -> Site | None:
    """Give the default Wagtail Site the host and port of the portal's public address.

    Sitemaps, feeds and e-mails build absolute links from the Site, so it must name the
    address people use (``XINYU_BASE_URL``), not ``localhost``. Returns the site, or None
    when there is none yet.
    """
    base_url = base_url or settings.WAGTAILADMIN_BASE_URL
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"公开地址“{base_url}”无效：应形如 https://xinyu.example.cn")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None
    if (site.hostname, site.port) != (parts.hostname, port):
        site.hostname, site.port = parts.hostname, port
        site.save(update_fields=["hostname", "port"])
    return site


# --- retention (manage.py retention) -----------------------------------------------------------


class RetentionError(Exception):
    """Retention cannot run as configured, or a batch could not be deleted (rolled back)."""


@dataclass
class SchoolRetention:
    """One school's share: students due for deletion and their records, old log lines."""

    school_id: int | None
    name: str
    code: str
    student_ids: list[int] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)
    log_lines: int = 0


@dataclass
class RetentionPlan:
    log_before: datetime.datetime
    left_before: datetime.date
    log_lines: int
    login_records: int
    schools: list[SchoolRetention]
    export_before: datetime.datetime | None = None  # export files asked for before this go
    export_files: int = 0

    @property
    def students(self) -> int:
        return sum(len(s.student_ids) for s in self.schools)


def retention_cutoffs(*, now=None) -> tuple[datetime.datetime, datetime.date]:
    """(access-log lines older than…, students who left before…), from the settings; a
    period shorter than its minimum is refused (six months for logs, 网络安全法 art. 21)."""
    log_days = settings.XINYU_ACCESS_LOG_RETENTION_DAYS
    student_days = settings.XINYU_STUDENT_RETENTION_DAYS
    if log_days < settings.ACCESS_LOG_RETENTION_MIN_DAYS:
        raise RetentionError(
            f"XINYU_ACCESS_LOG_RETENTION_DAYS={log_days} 太短：访问日志至少保存 "
            f"{settings.ACCESS_LOG_RETENTION_MIN_DAYS} 天（六个月，网络安全法第二十一条）。"
        )
    if student_days < settings.STUDENT_RETENTION_MIN_DAYS:
        raise RetentionError(
            f"XINYU_STUDENT_RETENTION_DAYS={student_days} 太短：至少 "
            f"{settings.STUDENT_RETENTION_MIN_DAYS} 天。"
        )
    now = now or timezone.now()
    return now - datetime.timedelta(days=log_days), (
        timezone.localtime(now).date() - datetime.timedelta(days=student_days)
    )


def retention_plan(*, now=None) -> RetentionPlan:
    """What ``retention_apply`` would delete, per school; reads only."""
    from accounts.services import login_records_older_than
    from schools.models import School
    from schools.selectors import access_log_older_than, students_due_for_deletion
    from screening.services import student_records_count

    log_before, left_before = retention_cutoffs(now=now)
    schools: dict[int | None, SchoolRetention] = {}

    def share(school_id):
        if school_id not in schools:
            school = School.objects.filter(pk=school_id).first() if school_id else None
            schools[school_id] = SchoolRetention(
                school_id=school_id,
                name=school.name if school else "（不属于任何学校）",
                code=school.code if school else "",
            )
        return schools[school_id]

    due = students_due_for_deletion(left_before=left_before).order_by("school_id", "pk")
    for school_id, pk in due.values_list("school_id", "pk"):
        share(school_id).student_ids.append(pk)
    for school_retention in schools.values():
        school_retention.records = student_records_count(student_ids=school_retention.student_ids)
    old_lines = access_log_older_than(before=log_before)
    for row in old_lines.order_by().values("school_id").annotate(n=Count("pk")):
        share(row["school_id"]).log_lines = row["n"]
    ordered = sorted(schools.values(), key=lambda s: (s.code == "", s.code))
    from portal.exports.services import export_jobs_old, keep_days

    export_before = (now or timezone.now()) - datetime.timedelta(days=keep_days())
    return RetentionPlan(
        export_before=export_before,
        export_files=export_jobs_old(before=export_before).count(),
        log_before=log_before,
        left_before=left_before,
        log_lines=sum(s.log_lines for s in ordered),
        login_records=login_records_older_than(before=log_before),
        schools=ordered,
    )


def retention_apply(
    *, plan: RetentionPlan, batch: int = 200, out: Callable[[str], None] = lambda line: None
) -> dict[str, int]:
    """Delete what ``plan`` found: each batch of students together with their screening
    records and back-office history in one transaction (a batch that fails is rolled back
    whole and stops the run), old access-log lines and login records in batches. Each
    school's deletion leaves an access-log line (ids and counts only)."""
    from accounts.services import login_records_prune
    from portal.exports.services import export_files_prune
    from schools.audit import access_log_prune, access_log_record
    from schools.services import students_delete
    from screening.services import student_records_delete

    totals = {"students": 0, "log_lines": 0, "login_records": 0, "export_files": 0}
    for share in plan.schools:
        ids = share.student_ids
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            try:
                with transaction.atomic():
                    student_records_delete(student_ids=chunk)
                    totals["students"] += students_delete(student_ids=chunk)
            except (ProtectedError, RestrictedError) as exc:
                kinds = sorted({o._meta.verbose_name for o in exc.args[1]})
                raise RetentionError(
                    f"{share.name}：学生仍有其他记录（{'、'.join(map(str, kinds))}），"
                    "本批未删除，请先处理这些记录。"
                ) from exc
            out(f"{share.name}：已删除学生 {min(start + batch, len(ids))} / {len(ids)} 名")
        if ids:
            access_log_record(
                action="retention-delete",
                object_type="schools.student",
                school=share.school_id,
                count=len(ids),
            )
    if plan.log_lines:
        totals["log_lines"] = access_log_prune(
            before=plan.log_before,
            progress=lambda done: out(f"访问日志：已删除 {done} / {plan.log_lines} 条"),
        )
    totals["login_records"] = login_records_prune(before=plan.log_before)
    if plan.export_before is not None:
        totals["export_files"] = export_files_prune(before=plan.export_before)
    return totals
