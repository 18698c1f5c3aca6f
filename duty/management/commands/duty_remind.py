"""Send reminders for incident clocks about to fall due or overdue.

Meant to run every few minutes from cron or a systemd timer (see duty/README.md). Running it
twice never sends the same reminder twice.
"""

from django.core.management.base import BaseCommand

from duty.reminders import reminders_send


class Command(BaseCommand):
    help = "发送事件报告时限提醒（即将到期、已逾期），可重复运行，不会重复发送。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="不在本进程发送，而是交给 django-tasks 后台任务队列。",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            from duty.tasks import duty_reminders_send

            result = duty_reminders_send.enqueue()
            self.stdout.write(f"已加入任务队列：{result.id}")
            return
        sent = reminders_send()
        self.stdout.write(f"已发送提醒 {sent} 条。")
