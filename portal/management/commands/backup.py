"""``manage.py backup``: a consistent copy of the database and the media files."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from portal.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "备份数据库（SQLite 在线备份 / PostgreSQL pg_dump）与媒体文件到 "
        "var/backups/<时间>/，网站可照常运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dest", help="备份目录（默认 var/backups/<年月日-时分秒>/）。")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="数据库别名。")
        parser.add_argument("--no-media", action="store_true", help="不备份媒体文件。")

    def handle(self, *args, **options):
        database = connections[options["database"]].settings_dict
        media_root = None if options["no_media"] else settings.MEDIA_ROOT
        try:
            result = backup_create(
                database=database,
                media_root=media_root,
                private_root=None if options["no_media"] else settings.PRIVATE_MEDIA_ROOT,
                dest=options["dest"],
                out=self.stdout.write,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份 {len(manifest['tables'])} 张表、{manifest['total_rows']} 行、"
                f"{manifest['media_files']} 个媒体文件到 {result.path}"
            )
        )
