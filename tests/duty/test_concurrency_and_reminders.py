"""No lost updates; reminders are sent once per clock, stage and person."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from duty.models import DutyNotice, EntryKind, IncidentReport, ReminderSent
from duty.services import IncidentConflict, incident_entry_add, incident_update, reminders_send
from schools.vocab import Role
from tests.factories import make_member

from .factories import DutyAssignmentFactory, IncidentFactory, at

pytestmark = pytest.mark.django_db


def test_second_save_from_a_stale_version_is_refused_with_what_changed():
    leader = make_member(Role.SCHOOL_LEADER)
    school = leader.memberships.get().school
    admin = make_member(Role.SCHOOL_ADMIN, school=school)
    admin.real_name = "赵主任"
    admin.save()
    incident = IncidentFactory(school=school, place="操场")
    # Both open version 1; the admin saves first.
    incident_update(
        incident_id=incident.pk,
        user=admin,
        expected_version=1,
        data={"place": "体育馆"},
        now=at(11, 0),
    )
    with pytest.raises(IncidentConflict) as exc:
        incident_update(
            incident_id=incident.pk,
            user=leader,
            expected_version=1,
            data={"place": "食堂"},
            now=at(11, 1),
        )
    assert "赵主任" in str(exc.value)
    assert "没有保存" in str(exc.value)
    (rev,) = exc.value.revisions
    assert rev.changes == [{"field": "地点", "old": "操场", "new": "体育馆"}]
    incident.refresh_from_db()
    assert incident.place == "体育馆"
    assert incident.version == 2


def test_conflict_page_in_the_back_office(client):
    leader = make_member(Role.SCHOOL_LEADER)
    school = leader.memberships.get().school
    other = make_member(Role.SCHOOL_ADMIN, school=school)
    incident = IncidentFactory(school=school, discovered_at=at(10, 0, day=1))
    client.force_login(leader)
    form = client.get(f"/admin/duty/incidents/{incident.pk}/edit/")
    assert form.status_code == 200
    incident_update(
        incident_id=incident.pk, user=other, expected_version=1, data={"place": "图书馆"}
    )
    post = {
        "category": "accident",
        "occurred_at": "2025-03-01T09:50",
        "discovered_at": "2025-03-01T10:00",
        "place": "食堂",
        "first_facts": "摔倒。",
        "student_numbers": "",
        "public_opinion_note": "",
        "version": "1",
    }
    response = client.post(f"/admin/duty/incidents/{incident.pk}/edit/", post)
    assert response.status_code == 409
    body = response.content.decode()
    assert "别人已修改了这份报告" in body
    assert "地点：操场 → 图书馆" in body
    incident.refresh_from_db()
    assert incident.place == "图书馆"
    post["version"] = "2"
    response = client.post(f"/admin/duty/incidents/{incident.pk}/edit/", post)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.place == "食堂" and incident.version == 3


def _setup_reminders():
    bureau = make_member(Role.BUREAU_ADMIN)
    bureau.email = "bureau@example.cn"
    bureau.save()
    leader = make_member(Role.SCHOOL_LEADER)
    leader.email = "leader@example.cn"
    leader.save()
    school = leader.memberships.get().school
    DutyAssignmentFactory(school=school, person=leader, date=datetime.date(2025, 3, 10))
    incident = IncidentFactory(school=school, discovered_at=at(10, 0))
    return bureau, leader, incident


def test_reminders_are_idempotent_run_twice_one_mail_each():
    bureau, leader, incident = _setup_reminders()
    assert reminders_send(now=at(10, 15)) == 0  # phone report due in 15 minutes: too early
    assert reminders_send(now=at(10, 21)) == 2  # due soon: leader on duty + bureau admin
    assert reminders_send(now=at(10, 25)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["bureau@example.cn", "leader@example.cn"]
    assert "即将到期" in mail.outbox[0].subject
    assert reminders_send(now=at(10, 31)) == 2  # overdue, once
    assert reminders_send(now=at(10, 45)) == 0
    assert len(mail.outbox) == 4
    assert ReminderSent.objects.count() == 4
    assert DutyNotice.objects.filter(recipient=leader).count() == 2


def test_reminders_stop_once_the_report_is_made():
    _bureau, leader, incident = _setup_reminders()
    incident_entry_add(
        incident=incident,
        user=leader,
        kind=EntryKind.PHONE,
        happened_at=at(10, 10),
        caller="王",
        callee="李",
        content="首报",
        now=at(10, 10),
    )
    assert reminders_send(now=at(10, 45)) == 0
    assert len(mail.outbox) == 0


def test_management_command_runs_twice_without_repeating(monkeypatch):
    _setup_reminders()
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(12, 30))
    call_command("duty_remind", stdout=open("/dev/null", "w"))
    call_command("duty_remind", stdout=open("/dev/null", "w"))
    # Phone and written clocks are both overdue at 12:30: two reminders for each of two people.
    assert len(mail.outbox) == 4
    assert ReminderSent.objects.count() == 4


def test_task_runs_the_same_sweep(monkeypatch):
    from duty.tasks import duty_reminders_send

    _setup_reminders()
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(10, 40))
    result = duty_reminders_send.enqueue()
    assert result.return_value == 2
    duty_reminders_send.enqueue()
    assert len(mail.outbox) == 2


def test_closed_incidents_get_no_reminders():
    _bureau, _leader, incident = _setup_reminders()
    IncidentReport.objects.filter(pk=incident.pk).update(status="closed")
    assert reminders_send(now=at(13, 0)) == 0
