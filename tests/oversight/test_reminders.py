import datetime

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from oversight.models import ReminderSent
from oversight.services import (
    reminders_send,
    submission_save_draft,
    submission_start,
    submission_submit,
)
from oversight.tasks import send_reminders
from schools.vocab import Role
from tests.factories import SchoolFactory, UserFactory, make_member

from .factories import make_campaign
from .test_lifecycle import _answers


def _leader(school, email):
    return make_member(Role.SCHOOL_LEADER, school=school, user=UserFactory(email=email))


def test_reminder_before_deadline_is_sent_once(db):
    school = SchoolFactory()
    _leader(school, "leader@example.cn")
    make_campaign(days_left=2)
    assert len(reminders_send()) == 1
    assert len(reminders_send()) == 0
    call_command("oversight_send_reminders", verbosity=0)
    send_reminders.enqueue()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["leader@example.cn"]
    assert "提醒" in message.subject
    assert ReminderSent.objects.get().kind == "before"


def test_no_reminder_too_early_or_after_submission(db):
    school, done = SchoolFactory(), SchoolFactory()
    _leader(school, "a@example.cn")
    done_leader = _leader(done, "b@example.cn")
    campaign = make_campaign(days_left=10)
    assert reminders_send() == []
    sub = submission_start(campaign=campaign, school=done)
    submission_save_draft(
        submission=sub, user=done_leader, answers=_answers(campaign), annotations={}
    )
    submission_submit(submission=sub, user=done_leader)
    sent = reminders_send(now=timezone.now() + datetime.timedelta(days=8))
    assert [r.school for r in sent] == [school]
    assert [m.to for m in mail.outbox] == [["a@example.cn"]]


def test_overdue_reminder_once_after_deadline(db):
    school = SchoolFactory()
    _leader(school, "late@example.cn")
    make_campaign(days_left=-1)
    reminders_send()
    reminders_send()
    assert len(mail.outbox) == 1
    assert "逾期" in mail.outbox[0].subject
    assert ReminderSent.objects.get().kind == "overdue"


def test_reminder_shows_in_school_home_panel(client, home, db):
    school = SchoolFactory()
    leader = _leader(school, "l@example.cn")
    make_campaign(days_left=1)
    reminders_send()
    client.force_login(leader)
    html = client.get("/admin/").content.decode()
    assert "截止前提醒" in html
