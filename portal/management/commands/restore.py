"""``manage.py restore <dir>``: put a backup made by ``manage.py backup`` back."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from portal.backup import BackupError, backup_read_manifest, backup_restore
from portal.storage import private_files_move


class Command(BaseCommand):
    help = "从 manage.py backup 生成的备份目录恢复数据库与媒体文件（会覆盖现有数据）。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="备份目录，例如 var/backups/20250101-020000")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="不询问确认。")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="数据库别名。")
        parser.add_argument("--no-media", action="store_true", help="不恢复媒体文件。")

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        try:
            manifest = backup_read_manifest(path=options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"备份时间 {manifest['created_at']}，{manifest['engine']}，"
            f"{len(manifest['tables'])} 张表 {manifest['total_rows']} 行，"
            f"{manifest['media_files']} 个媒体文件，版本 {manifest['app_version']}。"
        )
        if not options["noinput"]:
            answer = input(
                f"将用此备份覆盖数据库 {connection.settings_dict['NAME']}"
                f"{'' if options['no_media'] else ' 和媒体文件'}，确定吗？输入 yes 继续："
            )
            if answer.strip().lower() not in {"yes", "y", "是"}:
                raise CommandError("已取消，未做任何更改。")
        # Our own connection must not hold the database while it is replaced.
        connection.close()
        try:
            manifest = backup_restore(
                path=options["path"],
                database=connection.settings_dict,
                media_root=None if options["no_media"] else settings.MEDIA_ROOT,
                private_root=None if options["no_media"] else settings.PRIVATE_MEDIA_ROOT,
                out=self.stdout.write,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_media"]:
            # A backup from before private storage carries documents under media/.
            private_files_move(out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"已恢复到 {manifest['created_at']} 的状态。"))
