"""待办 from duty (incident clocks) and oversight (reports to send): each count is the rows
the linked list shows."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from portal.todo import CRITICAL, DUE, OVERDUE, todo_for
from tests.duty.factories import IncidentFactory
from tests.oversight.factories import make_campaign

pytestmark = pytest.mark.django_db


def _items(user, area):
    return {i.label: i for i in todo_for(user=user) if i.area == area}


def test_incident_clocks_overdue_and_about_to_fall_due(world):
    now = timezone.now()
    IncidentFactory(school=world.a, discovered_at=now - datetime.timedelta(hours=3))  # both late
    IncidentFactory(
        school=world.a, discovered_at=now - datetime.timedelta(minutes=10)
    )  # phone soon
    IncidentFactory(
        school=world.a, discovered_at=now - datetime.timedelta(minutes=100)
    )  # phone late
    IncidentFactory(school=world.b, discovered_at=now - datetime.timedelta(hours=3))  # other school
    items = _items(world.leader, "值班与事件")
    late, soon = items["事件报告已超过时限"], items["事件报告即将到时限"]
    assert (late.count, late.severity) == (2, CRITICAL)
    # 100 minutes: the written clock (2 h) ends in 20 minutes; 10 minutes: the phone clock.
    assert (soon.count, soon.severity) == (2, OVERDUE)
    client = Client()
    client.force_login(world.leader)
    for item in (late, soon):
        html = client.get(item.url).content.decode()
        assert html.count("/admin/duty/incidents/") >= item.count


def test_no_incident_todo_for_who_does_not_handle_incidents(world):
    IncidentFactory(school=world.a, discovered_at=timezone.now() - datetime.timedelta(hours=3))
    assert _items(world.class_teacher, "值班与事件") == {}


def test_reports_to_send_late_and_due(world):
    make_campaign(days_left=5, schools=[world.a], title="春季报告")
    make_campaign(days_left=-2, schools=[world.a], title="秋季报告")
    make_campaign(days_left=5, schools=[world.b], title="乙校报告")
    items = _items(world.school_admin, "督导与报告")
    assert items["报告已逾期未提交"].count == 1
    assert items["报告已逾期未提交"].severity == OVERDUE
    assert items["待提交的报告"].count == 1
    assert items["待提交的报告"].severity == DUE
    assert items["待提交的报告"].detail.startswith("最近截止：")
