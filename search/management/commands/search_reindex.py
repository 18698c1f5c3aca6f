from django.core.management import call_command
from django.core.management.base import BaseCommand

from search.services import entries_rebuild


class Command(BaseCommand):
    help = (
        "重建站内搜索索引：为所有已发布页面和文档重新生成搜索条目（分词、分面），"
        "再重建搜索后端（数据库或 Elasticsearch）的索引。显示进度。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--extract",
            action="store_true",
            help="同时重新提取所有文档中的文字（较慢）。",
        )
        parser.add_argument(
            "--entries-only",
            action="store_true",
            help="只重建搜索条目，不调用 update_index。",
        )

    def handle(self, *args, **options):
        def progress(label, done, total):
            if done == total or done % 200 == 0:
                self.stdout.write(f"  {label}：{done}/{total}")

        counts = entries_rebuild(extract=options["extract"], progress=progress)
        self.stdout.write(
            f"搜索条目：页面 {counts['pages']} 个，文档 {counts['documents']} 个，"
            f"移除过期条目 {counts['removed']} 个。"
        )
        if not options["entries_only"]:
            self.stdout.write("重建搜索后端索引（update_index）…")
            call_command("update_index", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.SUCCESS("搜索索引已重建。"))
