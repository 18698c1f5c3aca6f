"""Recompute the province figures kept computed (``oversight.snapshots``); run nightly."""

from django.core.management.base import BaseCommand

from oversight.snapshots import min_schools, snapshots_refresh_all


class Command(BaseCommand):
    help = "重新计算省级规模下保存的统计数据（覆盖率、培训学时）；建议每晚运行。"

    def handle(self, *args, **options):
        done = snapshots_refresh_all()
        if done:
            self.stdout.write(f"已重新计算 {done} 项统计数据。")
        else:
            self.stdout.write(
                f"学校少于 {min_schools()} 所，或还没有保存的统计数据：各页面实时计算，无需刷新。"
            )
