"""Roster: rotation → month, import all-or-nothing, calendar, phone list, dashboard."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from duty.models import DutyAssignment, DutyRole, DutyRotationSlot
from duty.selectors import duty_phone_list
from duty.services import roster_generate_month, roster_import
from portal import spreadsheets
from schools.vocab import Grade, Role
from tests.factories import SchoolFactory, UserFactory, make_member

from .factories import DutyAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_staff():
    school = SchoolFactory(name="城东中学")
    leader = make_member(
        Role.SCHOOL_LEADER,
        school=school,
        user=UserFactory(username="wang", real_name="王校长", phone="13900000001"),
    )
    cadre = make_member(
        Role.GRADE_LEADER,
        school=school,
        grade=Grade.J1,
        user=UserFactory(username="li", real_name="李主任", phone="13900000002"),
    )
    admin = make_member(
        Role.SCHOOL_ADMIN,
        school=school,
        user=UserFactory(username="zhao", real_name="赵主任", phone="13900000003"),
    )
    return school, leader, cadre, admin


def csv_bytes(rows):
    return ("\n".join(",".join(r) for r in rows)).encode("utf-8")


HEADER = ["日期", "值班类别", "账号", "姓名", "值班电话"]


def test_import_csv_writes_all_rows(school_staff):
    school, *_ = school_staff
    content = csv_bytes(
        [
            HEADER,
            ["2025-03-03", "带班领导", "wang", "王校长", ""],
            ["2025-03-03", "值班干部", "li", "李主任", "13900000002"],
        ]
    )
    assert roster_import(school=school, content=content, filename="roster.csv") == 2
    leader_row = DutyAssignment.objects.get(duty_role=DutyRole.LEADER)
    assert leader_row.phone == "13900000001"  # from the staff record
    assert DutyAssignment.objects.get(duty_role=DutyRole.CADRE).phone == "13900000002"


def test_import_refuses_ineligible_duty_and_a_phone_other_than_the_staff_record(school_staff):
    """领导带班 is a school leader's, 中层干部值班 a middle-level cadre's; the phone is the staff
    record's, one number everywhere."""
    school, *_ = school_staff
    make_member(Role.TEACHER, school=school, user=UserFactory(username="qian", real_name="钱老师"))
    make_member(
        Role.GRADE_LEADER,
        school=school,
        grade=Grade.J1,
        user=UserFactory(username="nophone", real_name="孙组长", phone=""),
    )
    content = csv_bytes(
        [
            HEADER,
            ["2025-03-03", "带班领导", "zhao", "", ""],  # school admin: a cadre, not a leader
            ["2025-03-04", "值班干部", "qian", "", ""],  # a plain teacher
            ["2025-03-05", "值班干部", "li", "", "0571-8888"],  # not the staff record's
            ["2025-03-06", "值班干部", "nophone", "", ""],
        ]
    )
    with pytest.raises(spreadsheets.ImportRejected) as exc:
        roster_import(school=school, content=content, filename="roster.csv")
    messages = exc.value.messages
    assert (
        "第 2 行“值班类别”：带班领导须由学校领导担任，赵主任（zhao）在城东中学没有这样的岗位。"
        in messages
    )
    assert any(m.startswith("第 3 行“值班类别”：值班干部须由中层干部") for m in messages)
    assert any(
        m.startswith("第 4 行“值班电话”：与 李主任 教职工档案中的手机号码") for m in messages
    )
    assert any(
        m.startswith("第 5 行“账号”：孙组长 没有在教职工档案中登记手机号码") for m in messages
    )
    assert not DutyAssignment.objects.exists()


def test_import_xlsx_with_real_dates(school_staff):
    school, *_ = school_staff
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([datetime.datetime(2025, 3, 4), "带班领导", "wang", "王校长", None])
    buf = io.BytesIO()
    book.save(buf)
    assert roster_import(school=school, content=buf.getvalue(), filename="值班表.xlsx") == 1
    assert DutyAssignment.objects.get().date == datetime.date(2025, 3, 4)


def test_bad_import_writes_nothing_and_names_row_and_column(school_staff):
    school, *_ = school_staff
    outsider = make_member(
        Role.SCHOOL_LEADER,
        school=SchoolFactory(),
        user=UserFactory(username="outsider", real_name="外校人员"),
    )
    assert outsider
    DutyAssignmentFactory(school=school, date=datetime.date(2025, 3, 3), person=school_staff[3])
    content = csv_bytes(
        [
            HEADER,
            ["2025-03-03", "带班领导", "wang", "王校长", ""],  # fine
            ["2025-03-32", "值班干部", "li", "", ""],
            ["2025-03-05", "校长", "li", "", ""],
            ["2025-03-06", "值班干部", "nobody", "", ""],
            ["2025-03-07", "值班干部", "outsider", "", "13000000000"],
            ["2025-03-03", "带班领导", "sun", "", ""],
        ]
    )
    make_member(
        Role.SCHOOL_LEADER,
        school=school,
        user=UserFactory(username="sun", real_name="孙校长", phone="13900000009"),
    )
    with pytest.raises(spreadsheets.ImportRejected) as exc:
        roster_import(school=school, content=content, filename="roster.csv")
    messages = exc.value.messages
    assert (
        spreadsheets.cell_message(
            row=3,
            column="日期",
            reason=spreadsheets.REASON_DATE.format(
                value="2025-03-32", example=spreadsheets.DATE_EXAMPLE
            ),
        )
        in messages
    )
    assert "第 4 行“值班类别”：无法识别“校长”，应为“带班领导”或“值班干部”。" in messages
    assert "第 5 行“账号”：找不到账号“nobody”。" in messages
    assert "第 6 行“账号”：外校人员（outsider）不是城东中学的在岗教职工。" in messages
    assert any(
        m.startswith("第 7 行“值班类别”：2025-03-03 已在第 2 行安排带班领导") for m in messages
    )
    # The existing row is untouched and nothing was added.
    assert DutyAssignment.objects.count() == 1


def test_import_missing_columns_and_wrong_type(school_staff):
    school, *_ = school_staff
    with pytest.raises(spreadsheets.ImportRejected) as exc:
        roster_import(school=school, content=csv_bytes([["日期", "姓名"]]), filename="a.csv")
    assert exc.value.messages == [spreadsheets.MSG_MISSING_COLUMNS.format(columns="值班类别、账号")]
    with pytest.raises(spreadsheets.ImportRejected):
        roster_import(school=school, content=b"x", filename="a.pdf")


def test_import_view_shows_errors_and_writes_nothing(client, school_staff):
    school, leader, *_ = school_staff
    client.force_login(leader)
    upload = SimpleUploadedFile(
        "r.csv", csv_bytes([HEADER, ["2025-03-03", "带班领导", "nobody", "", ""]])
    )
    response = client.post("/admin/duty/roster/import/", {"school": school.pk, "file": upload})
    assert response.status_code == 400
    assert "第 2 行“账号”：找不到账号“nobody”。" in response.content.decode()
    assert not DutyAssignment.objects.exists()
    upload = SimpleUploadedFile(
        "r.csv", csv_bytes([HEADER, ["2025-03-03", "带班领导", "wang", "", ""]])
    )
    response = client.post("/admin/duty/roster/import/", {"school": school.pk, "file": upload})
    assert response.status_code == 302
    assert DutyAssignment.objects.count() == 1


def test_import_for_another_school_is_not_offered(client, school_staff):
    _school, leader, *_ = school_staff
    other = SchoolFactory()
    client.force_login(leader)
    upload = SimpleUploadedFile("r.csv", csv_bytes([HEADER]))
    response = client.post("/admin/duty/roster/import/", {"school": other.pk, "file": upload})
    assert response.status_code == 400
    assert not DutyAssignment.objects.exists()


def test_generate_month_from_weekly_rotation(school_staff):
    school, leader, cadre, admin = school_staff
    for weekday in range(7):
        DutyRotationSlot.objects.create(
            school=school,
            weekday=weekday,
            duty_role=DutyRole.LEADER,
            person=leader,
        )
    DutyRotationSlot.objects.create(
        school=school, weekday=0, duty_role=DutyRole.CADRE, person=cadre
    )
    DutyAssignmentFactory(school=school, date=datetime.date(2025, 3, 1), person=cadre)  # kept
    result = roster_generate_month(school=school, year=2025, month=3)
    assert result == {"created": 30 + 5, "days": 30, "kept": 1}  # March 2025 has five Mondays
    assert DutyAssignment.objects.get(date=datetime.date(2025, 3, 1)).person == cadre
    assert DutyAssignment.objects.get(date=datetime.date(2025, 3, 8)).person == leader  # Saturday
    assert (
        DutyAssignment.objects.get(date=datetime.date(2025, 3, 3), duty_role=DutyRole.CADRE).phone
        == "13900000002"  # the staff record's
    )
    # Running again changes nothing.
    assert roster_generate_month(school=school, year=2025, month=3)["created"] == 0


def test_generate_refuses_a_person_no_longer_at_the_school(school_staff):
    school, leader, *_ = school_staff
    leader.memberships.update(active_to=datetime.date(2025, 3, 15))
    DutyRotationSlot.objects.create(
        school=school, weekday=0, duty_role=DutyRole.LEADER, person=leader
    )
    with pytest.raises(ValidationError) as exc:
        roster_generate_month(school=school, year=2025, month=3)
    assert "2025-03-17：王校长 当天不是城东中学的在岗教职工。" in exc.value.messages
    assert not DutyAssignment.objects.exists()


def test_roster_row_for_a_person_of_another_school_is_refused_in_the_form(client, school_staff):
    school, leader, *_ = school_staff
    outsider = make_member(Role.TEACHER, school=SchoolFactory())
    client.force_login(leader)
    response = client.post(
        "/admin/duty/roster/rows/new/",
        {
            "school": school.pk,
            "date": "2025-03-03",
            "duty_role": "cadre",
            "person": outsider.pk,
        },
    )
    assert response.status_code == 200  # form redisplayed
    assert not DutyAssignment.objects.exists()


def test_roster_row_form_saves_with_phone_from_user(client, school_staff):
    school, leader, cadre, _ = school_staff
    client.force_login(leader)
    response = client.post(
        "/admin/duty/roster/rows/new/",
        {
            "school": school.pk,
            "date": "2025-03-03",
            "duty_role": "cadre",
            "person": cadre.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DutyAssignment.objects.get().phone == "13900000002"


def test_calendar_shows_the_month(client, school_staff):
    school, leader, *_ = school_staff
    DutyAssignmentFactory(school=school, person=leader, date=datetime.date(2025, 3, 10))
    client.force_login(leader)
    response = client.get(f"/admin/duty/roster/calendar/?school={school.pk}&month=2025-03")
    assert response.status_code == 200
    body = response.content.decode()
    assert "2025年3月" in body and "带班领导：王校长 13900000001" in body


def test_calendar_of_another_school_is_404(client, school_staff):
    _school, leader, *_ = school_staff
    other = SchoolFactory()
    client.force_login(leader)
    assert client.get(f"/admin/duty/roster/calendar/?school={other.pk}").status_code == 404


def test_phone_list_for_the_bureau(client, school_staff, django_assert_max_num_queries):
    school, leader, cadre, _ = school_staff
    empty_school = SchoolFactory(name="西山小学")
    today = datetime.date(2025, 3, 10)
    DutyAssignmentFactory(school=school, person=leader, date=today)
    DutyAssignmentFactory(school=school, person=cadre, date=today, duty_role=DutyRole.CADRE)
    bureau = make_member(Role.BUREAU_AUDITOR)
    rows = duty_phone_list(user=bureau, day=today)
    by_name = {r["school"].name: r for r in rows}
    assert by_name["城东中学"]["leader"].person == leader
    assert [c.person for c in by_name["城东中学"]["cadres"]] == [cadre]
    assert by_name[empty_school.name]["leader"] is None
    client.force_login(bureau)
    response = client.get("/admin/duty/roster/phone-list/")
    assert response.status_code == 200
    assert "未安排" in response.content.decode()
    client.force_login(leader)
    assert client.get("/admin/duty/roster/phone-list/").status_code == 403


def test_dashboard_shows_todays_duty(client, school_staff):
    from django.utils import timezone

    school, leader, *_ = school_staff
    DutyAssignmentFactory(school=school, person=leader, date=timezone.localdate())
    client.force_login(leader)
    body = client.get("/admin/").content.decode()
    # The phone is the staff record's (one number everywhere).
    assert "今日值班" in body and "带班领导 王校长（13900000001）" in body


def test_roster_listing_and_phone_list_query_counts_do_not_grow(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bureau = make_member(Role.BUREAU_ADMIN)
    client.force_login(bureau)

    def add(n):
        for _ in range(n):
            school = SchoolFactory()
            person = make_member(Role.SCHOOL_LEADER, school=school)
            DutyAssignmentFactory(school=school, person=person, date=datetime.date.today())

    add(3)
    client.get("/admin/duty/roster/rows/")
    counts = {}
    for url in ("/admin/duty/roster/rows/", "/admin/duty/roster/phone-list/"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx)
    add(12)
    for url, n in counts.items():
        with django_assert_num_queries(n):
            client.get(url)
