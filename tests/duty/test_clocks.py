"""The 30-minute and 2-hour clocks, at their exact boundaries (Asia/Shanghai, stored in UTC)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from duty.models import EntryKind, IncidentEntry, IncidentStatus
from duty.selectors import incident_clocks
from duty.services import incident_create, incident_entry_add
from schools.vocab import Role
from tests.factories import SchoolFactory, StudentFactory, make_member

from .factories import IncidentFactory, at

pytestmark = pytest.mark.django_db


def clocks(incident, now):
    return {c.kind: c for c in incident_clocks(incident=incident, now=now)}


def test_discovery_is_stored_in_utc_and_clocks_fall_due_at_30_minutes_and_2_hours():
    incident = IncidentFactory(discovered_at=at(10, 0))
    incident.refresh_from_db()
    assert incident.discovered_at.utcoffset() == datetime.timedelta(0)
    assert incident.discovered_at.hour == 2  # 10:00 in Shanghai is 02:00 UTC
    c = clocks(incident, at(10, 0))
    assert c["phone"].due_at == at(10, 30)
    assert c["written"].due_at == at(12, 0)


@pytest.mark.parametrize(
    ("now", "phone_state", "written_state"),
    [
        (at(10, 29, 59), "pending", "pending"),
        (at(10, 30, 0), "pending", "pending"),  # exactly 30 minutes: due, not yet overdue
        (at(10, 30, 1), "overdue", "pending"),
        (at(12, 0, 0), "overdue", "pending"),  # exactly 2 hours
        (at(12, 0, 1), "overdue", "overdue"),
    ],
)
def test_clock_boundaries(now, phone_state, written_state):
    incident = IncidentFactory(discovered_at=at(10, 0))
    c = clocks(incident, now)
    assert c["phone"].state == phone_state
    assert c["written"].state == written_state


def test_clock_text_shows_time_left_or_overdue():
    incident = IncidentFactory(discovered_at=at(10, 0))
    assert clocks(incident, at(10, 18))["phone"].text == "剩余 12 分钟"
    assert clocks(incident, at(11, 35))["phone"].text == "已逾期 1 小时 5 分钟"
    assert clocks(incident, at(11, 35))["written"].text == "剩余 25 分钟"


def test_report_at_exactly_due_time_is_on_time_and_a_minute_later_is_late():
    leader = make_member(Role.SCHOOL_LEADER)
    school = leader.memberships.get().school
    on_time = IncidentFactory(school=school, discovered_at=at(10, 0))
    late = IncidentFactory(school=school, discovered_at=at(10, 0))
    for incident, when in ((on_time, at(10, 30)), (late, at(10, 31))):
        incident_entry_add(
            incident=incident,
            user=leader,
            kind=EntryKind.PHONE,
            happened_at=when,
            caller="王校长",
            callee="市局值班室李老师",
            content="电话报告首报情况。",
            now=at(10, 40),
        )
    assert clocks(on_time, at(13, 0))["phone"].state == "done"
    assert clocks(late, at(13, 0))["phone"].state == "done_late"
    assert "超时 1 分钟" in clocks(late, at(13, 0))["phone"].text


def test_late_entry_keeps_both_the_stated_and_the_server_time():
    leader = make_member(Role.SCHOOL_LEADER)
    incident = IncidentFactory(school=leader.memberships.get().school, discovered_at=at(10, 0))
    entry = incident_entry_add(
        incident=incident,
        user=leader,
        kind=EntryKind.PHONE,
        happened_at=at(10, 20),
        caller="王校长",
        callee="市局李老师",
        content="首报。",
        now=at(11, 5),
    )
    entry.refresh_from_db()
    assert entry.happened_at == at(10, 20)
    assert entry.entered_at == at(11, 5)
    assert entry.is_late_entry
    # The clock counts the stated time (reported on time) and shows when it was entered.
    clock = clocks(incident, at(11, 10))["phone"]
    assert clock.state == "done" and clock.entered_at == at(11, 5)


def test_server_times_are_not_editable():
    for model, field in ((IncidentEntry, "entered_at"),):
        assert not model._meta.get_field(field).editable
    from duty.models import IncidentReport

    for field in ("created_at", "closed_at", "version", "updated_at"):
        assert not IncidentReport._meta.get_field(field).editable


def test_server_times_survive_an_edit(client):
    from duty.services import incident_update

    leader = make_member(Role.SCHOOL_LEADER)
    incident = IncidentFactory(school=leader.memberships.get().school)
    created = incident.created_at
    incident_update(
        incident_id=incident.pk,
        user=leader,
        expected_version=1,
        data={"place": "教学楼二楼", "created_at": at(8, 0)},
        now=at(11, 0),
    )
    incident.refresh_from_db()
    assert incident.place == "教学楼二楼"
    assert incident.created_at == created


@pytest.mark.parametrize(
    ("occurred", "discovered", "field", "message"),
    [
        (at(9, 0), at(12, 0), "discovered_at", "发现时间不能晚于当前时间。"),
        (at(9, 0), at(8, 0), "discovered_at", "发现时间不能早于发生时间。"),
    ],
)
def test_bad_incident_times_are_refused_and_nothing_is_written(
    occurred, discovered, field, message
):
    from duty.models import IncidentReport

    teacher = make_member(Role.TEACHER)
    with pytest.raises(ValidationError) as exc:
        incident_create(
            user=teacher,
            school=teacher.memberships.get().school,
            category="accident",
            occurred_at=occurred,
            discovered_at=discovered,
            place="操场",
            first_facts="摔倒。",
            now=at(11, 0),
        )
    assert exc.value.message_dict[field] == [message]
    assert not IncidentReport.objects.exists()


def test_student_of_another_school_cannot_be_named():
    from duty.models import IncidentReport

    teacher = make_member(Role.TEACHER)
    other = StudentFactory(school_class__school=SchoolFactory())
    with pytest.raises(ValidationError) as exc:
        incident_create(
            user=teacher,
            school=teacher.memberships.get().school,
            category="bullying",
            occurred_at=at(9, 0),
            discovered_at=at(9, 30),
            place="宿舍",
            first_facts="同学反映被起绰号。",
            student_numbers=[other.student_number],
            now=at(11, 0),
        )
    assert other.student_number in exc.value.message_dict["student_numbers"][0]
    assert not IncidentReport.objects.exists()


def test_final_report_before_written_report_is_refused():
    leader = make_member(Role.SCHOOL_LEADER)
    incident = IncidentFactory(school=leader.memberships.get().school)
    with pytest.raises(ValidationError) as exc:
        incident_entry_add(
            incident=incident,
            user=leader,
            kind=EntryKind.FINAL,
            happened_at=at(11, 0),
            content="处置完毕。",
            now=at(11, 0),
        )
    assert exc.value.message_dict["kind"] == ["书面报告尚未登记，不能提交终结报告。"]
    assert not incident.entries.exists()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN


def test_entry_in_the_future_or_before_discovery_is_refused():
    leader = make_member(Role.SCHOOL_LEADER)
    incident = IncidentFactory(school=leader.memberships.get().school, discovered_at=at(10, 0))
    for when, message in (
        (at(12, 0), "报告时间不能晚于当前时间。"),
        (at(9, 0), "报告时间不能早于事件发现时间。"),
    ):
        with pytest.raises(ValidationError) as exc:
            incident_entry_add(
                incident=incident,
                user=leader,
                kind=EntryKind.FOLLOW_UP,
                happened_at=when,
                content="续报。",
                now=at(11, 0),
            )
        assert exc.value.message_dict["happened_at"] == [message]
    assert not incident.entries.exists()


def test_full_lifecycle_closes_the_incident():
    leader = make_member(Role.SCHOOL_LEADER)
    incident = IncidentFactory(school=leader.memberships.get().school, discovered_at=at(10, 0))
    steps = [
        (EntryKind.PHONE, at(10, 20), {"caller": "王校长", "callee": "市局李老师"}),
        (EntryKind.WRITTEN, at(11, 40), {}),
        (EntryKind.FOLLOW_UP, at(15, 0), {}),
        (EntryKind.FINAL, at(17, 0), {}),
    ]
    for kind, when, extra in steps:
        incident_entry_add(
            incident=incident,
            user=leader,
            kind=kind,
            happened_at=when,
            content="报告。",
            now=when,
            **extra,
        )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert incident.closed_at == at(17, 0)
    with pytest.raises(ValidationError):
        incident_entry_add(
            incident=incident,
            user=leader,
            kind=EntryKind.FOLLOW_UP,
            happened_at=at(17, 5),
            content="x",
            now=at(17, 5),
        )
