"""Set the default Wagtail Site's host and port from XINYU_BASE_URL (run by ``make run``)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.services import site_address_set


class Command(BaseCommand):
    help = "按 XINYU_BASE_URL 设置站点的主机名与端口（站点地图、订阅与邮件中的链接使用）。"

    def add_arguments(self, parser):
        parser.add_argument("--base-url", help="公开地址，默认取 XINYU_BASE_URL。")

    def handle(self, *args, base_url=None, **options):
        try:
            site = site_address_set(base_url=base_url)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from exc
        if site is None:
            self.stdout.write("还没有站点，跳过。")
        else:
            self.stdout.write(f"站点地址：{site.root_url}")
