"""``manage.py retention``: delete what has outlived its retention period.

- access-log lines (and axes' login records) older than ``XINYU_ACCESS_LOG_RETENTION_DAYS``
  (at least 184 days: six months, 网络安全法 art. 21);
- students archived (在读 unticked) more than ``XINYU_STUDENT_RETENTION_DAYS`` ago, with
  their screening records (results, warnings, archives, referrals, consent, case groups)
  and the back office's history entries about them;
- the files of background exports (我的导出) asked for more than
  ``XINYU_EXPORT_RETENTION_DAYS`` ago (the jobs stay listed as 已过期).

``--dry-run`` prints what would go, per school, and deletes nothing. Run it from cron (e.g.
nightly); every batch is its own transaction, and a long run reports its progress.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.services import RetentionError, retention_apply, retention_plan


class Command(BaseCommand):
    help = "按保存期限删除过期的访问日志、登录记录，以及离校满期限的学生及其测评、档案记录。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="只按学校列出将删除的数量，不删除任何记录。"
        )
        parser.add_argument(
            "--batch", type=int, default=200, help="每个事务删除的学生数（默认 200）。"
        )

    def handle(self, *args, dry_run=False, batch=200, **options):
        if batch < 1:
            raise CommandError("--batch 至少为 1。")
        try:
            plan = retention_plan()
        except RetentionError as exc:
            raise CommandError(str(exc)) from exc
        write = self.stdout.write
        log_day = timezone.localtime(plan.log_before).date()
        write(
            f"保存期限：访问日志与登录记录保留到 {log_day:%Y-%m-%d} 之后；"
            f"{plan.left_before:%Y-%m-%d} 之前离校的学生及其记录到期。"
        )
        for share in plan.schools:
            label = f"{share.name}（{share.code}）" if share.code else share.name
            records = "、".join(f"{k} {v}" for k, v in share.records.items() if v) or "无其他记录"
            students = (
                f"离校到期学生 {len(share.student_ids)} 名（{records}）"
                if share.student_ids
                else "离校到期学生 0 名"
            )
            write(f"  {label}：{students}；过期访问日志 {share.log_lines} 条")
        write(
            f"合计：学生 {plan.students} 名，访问日志 {plan.log_lines} 条，"
            f"登录记录 {plan.login_records} 条，过期导出文件 {plan.export_files} 个。"
        )
        if dry_run:
            write(self.style.WARNING("试运行（--dry-run）：未删除任何记录。"))
            return
        try:
            done = retention_apply(plan=plan, batch=batch, out=write)
        except RetentionError as exc:
            raise CommandError(str(exc)) from exc
        write(
            self.style.SUCCESS(
                f"完成：删除学生 {done['students']} 名、访问日志 {done['log_lines']} 条、"
                f"登录记录 {done['login_records']} 条、导出文件 {done['export_files']} 个。"
            )
        )
