from django.core.management.base import BaseCommand

from oversight.services import reminders_send


class Command(BaseCommand):
    help = "发送实施情况报告的截止前提醒与逾期提醒（可重复运行，同一提醒只发一次）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="交给后台任务队列执行，而不是立即执行。"
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            from oversight.tasks import send_reminders

            result = send_reminders.enqueue()
            self.stdout.write(f"已加入任务队列：{result.id}")
            return
        sent = reminders_send()
        for r in sent:
            self.stdout.write(f"  {r.school} · {r.campaign} · {r.get_kind_display()}")
        self.stdout.write(f"共发送提醒 {len(sent)} 条。")
