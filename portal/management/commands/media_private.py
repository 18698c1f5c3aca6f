"""``manage.py media_private``: move private uploads out of the public MEDIA_ROOT."""

from django.core.management.base import BaseCommand

from portal.storage import private_files_move


class Command(BaseCommand):
    help = (
        "把 MEDIA_ROOT 中除图片缩略图（images/）以外的文件移到私有目录 PRIVATE_MEDIA_ROOT"
        "（迁移时已自动执行；恢复旧备份后可再运行）。"
    )

    def handle(self, *args, **options):
        moved = private_files_move(out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"完成：移动了 {moved} 个文件。"))
