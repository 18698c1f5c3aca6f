import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from courses.models import HoursEntry, TrainingFormat
from courses.training import reports
from courses.training import selectors as sel
from courses.training.admin import XLSX_HEADERS
from schools.vocab import Role
from tests.exports import download_response, export_job
from tests.factories import SchoolFactory, make_member

from .factories import make_module, make_session, set_targets

pytestmark = pytest.mark.django_db


def _credit(teacher, session, hours=None):
    school = teacher.memberships.first().school
    return HoursEntry.objects.create(
        teacher=teacher,
        school=school,
        hours=hours or session.module.hours,
        source=HoursEntry.Source.SESSION,
        module=session.module,
        session=session,
    )


@pytest.fixture
def city(home):
    set_targets(psych_teacher=24, class_teacher=12, teacher=6)
    a, b = SchoolFactory(name="甲校"), SchoolFactory(name="乙校")
    module = make_module(home, fmt=TrainingFormat.WORKSHOP, hours="4")
    s1, s2 = make_session(module), make_session(module, days=-10)
    ta1 = make_member(Role.TEACHER, school=a)
    ta2 = make_member(Role.PSYCH_TEACHER, school=a)
    tb = make_member(Role.TEACHER, school=b)
    for t in (ta1, ta2, tb):
        _credit(t, s1)
    _credit(ta1, s2)
    return {
        "a": a,
        "b": b,
        "ta1": ta1,
        "ta2": ta2,
        "tb": tb,
        "admin_a": make_member(Role.SCHOOL_ADMIN, school=a),
        "leader_a": make_member(Role.SCHOOL_LEADER, school=a),
        "bureau": make_member(Role.BUREAU_ADMIN),
        "auditor": make_member(Role.BUREAU_AUDITOR),
        "module": module,
    }


def test_school_report_figures(city):
    report = reports.school_hours_report(school=city["a"], year=sel.current_year())
    rows = {r.user_id: r for r in report["rows"]}
    assert rows[city["ta1"].pk].hours == Decimal("8") and not rows[city["ta1"].pk].below
    assert rows[city["ta2"].pk].hours == Decimal("4") and rows[city["ta2"].pk].below
    assert rows[city["ta2"].pk].target == Decimal("24")
    assert city["tb"].pk not in rows
    below = reports.school_hours_report(school=city["a"], year=sel.current_year(), below_only=True)
    assert [r.user_id for r in below["rows"]] == [city["ta2"].pk]
    psych = reports.school_hours_report(
        school=city["a"], year=sel.current_year(), role=Role.PSYCH_TEACHER
    )
    assert [r.user_id for r in psych["rows"]] == [city["ta2"].pk]
    last_year = reports.school_hours_report(school=city["a"], year=sel.current_year() - 1)
    assert all(r.hours == 0 for r in last_year["rows"])


def test_school_report_scope(client, city):
    client.force_login(city["admin_a"])
    own = client.get("/admin/training/reports/school/")
    assert own.status_code == 200 and city["ta1"].real_name in own.content.decode()
    assert city["tb"].real_name not in own.content.decode()
    assert client.get(f"/admin/training/reports/school/?school={city['b'].pk}").status_code == 404
    assert client.get("/admin/training/reports/city/").status_code == 403
    client.force_login(city["leader_a"])
    assert client.get(f"/admin/training/reports/school/?school={city['a'].pk}").status_code == 200
    assert client.get(f"/admin/training/reports/school/?school={city['b'].pk}").status_code == 404
    for role in (Role.CLASS_TEACHER, Role.PSYCH_TEACHER, Role.GRADE_LEADER):
        extra = {"grade": 21} if role == Role.GRADE_LEADER else {}
        client.force_login(make_member(role, school=city["a"], **extra))
        assert client.get("/admin/training/reports/school/").status_code == 403, role
        assert client.get("/admin/training/reports/city/").status_code == 403, role
        assert client.get("/admin/training/ledger/").status_code == 403, role
    client.force_login(city["ta1"])  # a plain teacher has no back office at all
    assert client.get("/admin/training/reports/school/").status_code in (302, 403)
    client.force_login(city["auditor"])
    assert client.get(f"/admin/training/reports/school/?school={city['b'].pk}").status_code == 200


def test_ledger_scope(client, city):
    client.force_login(city["admin_a"])
    body = client.get("/admin/training/ledger/").content.decode()
    assert city["ta1"].real_name in body and city["tb"].real_name not in body
    entry_b = HoursEntry.objects.get(teacher=city["tb"])
    response = client.post(f"/admin/training/ledger/{entry_b.pk}/reverse/", {"reason": "越权"})
    assert response.status_code == 404
    assert not HoursEntry.objects.filter(reverses=entry_b).exists()


def test_xlsx_export_matches_page(client, city):
    client.force_login(city["admin_a"])
    # The old link opens the export's start form with the page's filters.
    old_link = client.get("/admin/training/reports/school/?export=xlsx&role=teacher")
    assert old_link["Location"] == "/admin/exports/new/training-school-report/?role=teacher"
    page = client.get("/admin/training/reports/school/").content.decode()
    assert f"/admin/exports/new/training-school-report/?school={city['a'].pk}" in page
    response = download_response(client, export_job(client, "training-school-report"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[1]) == XLSX_HEADERS
    report = reports.school_hours_report(school=city["a"], year=sel.current_year())
    exported = {row[1]: row for row in rows[2:]}
    assert len(exported) == len(report["rows"]) == 4
    for r in report["rows"]:
        row = exported[r.username]
        assert row[0] == r.name
        assert Decimal(str(row[3])) == r.hours
        expected = "未达标" if r.below else ("达标" if r.target is not None else None)
        assert row[6] == expected
    page = client.get("/admin/training/reports/school/").content.decode()
    for r in report["rows"]:
        assert f"<td>{r.hours}</td>" in page


def test_bureau_report_and_chart(client, city):
    client.force_login(city["bureau"])
    response = client.get("/admin/training/reports/city/")
    body = response.content.decode()
    assert response.status_code == 200 and "<svg" in body and "甲校" in body and "乙校" in body
    report = reports.bureau_hours_report(user=city["bureau"], year=sel.current_year())
    by_name = {r.school.name: r for r in report["rows"]}
    # 甲校: ta1 8h (≥6 ✓), ta2 4h (<24 ✗); admin and leader have no target this year.
    assert by_name["甲校"].staff == 4 and by_name["甲校"].hours == Decimal("12")
    assert (by_name["甲校"].meeting, by_name["甲校"].with_target, by_name["甲校"].share) == (
        1,
        2,
        50,
    )
    assert (by_name["乙校"].staff, by_name["乙校"].share) == (1, 0)
    assert {r.school.name for r in report["below"]} == {"甲校", "乙校"}
    assert "50%" in body


def _populate(home, *, schools, teachers_per_school):
    set_targets(psych_teacher=24, class_teacher=12, teacher=6)
    module = make_module(home, fmt=TrainingFormat.LECTURE, hours="2")
    session = make_session(module)
    created = []
    for _ in range(schools):
        school = SchoolFactory()
        created.append(school)
        for i in range(teachers_per_school):
            role = Role.CLASS_TEACHER if i % 3 == 0 else Role.TEACHER
            _credit(make_member(role, school=school), session)
    return created


def _count(django_assert_max_num_queries, client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_school_export_query_count_does_not_grow(home):
    """The background export's own queries do not grow with the school's staff."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courses.training.exports import SCHOOL_REPORT

    small = _populate(home, schools=1, teachers_per_school=5)[0]
    large = _populate(home, schools=1, teachers_per_school=50)[0]
    auditor = make_member(Role.BUREAU_AUDITOR)

    def cost(school):
        with CaptureQueriesContext(connection) as ctx:
            table = SCHOOL_REPORT.build(user=auditor, params={"school": school.pk})
            rows = list(table.rows)
        return len(ctx.captured_queries), len(rows)

    cost(small)  # warm caches
    (n_small, rows_small), (n_large, rows_large) = cost(small), cost(large)
    assert rows_large > rows_small and n_small == n_large
    assert n_large <= 8  # the school, then the report's own four (reports.school_hours_report)


def test_school_report_query_count_does_not_grow(client, home, django_assert_max_num_queries):
    small = _populate(home, schools=1, teachers_per_school=5)[0]
    large = _populate(home, schools=1, teachers_per_school=50)[0]
    auditor = make_member(Role.BUREAU_AUDITOR)
    client.force_login(auditor)
    client.get(f"/admin/training/reports/school/?school={small.pk}")  # warm caches
    n_small = _count(
        django_assert_max_num_queries,
        client,
        f"/admin/training/reports/school/?school={small.pk}",
    )
    n_large = _count(
        django_assert_max_num_queries,
        client,
        f"/admin/training/reports/school/?school={large.pk}",
    )
    assert n_small == n_large
    # The admin shell (menus of every app) is part of the count; the equality is the guard.
    # 28 before the menus and school lists shared the per-request memos.
    assert n_large <= 25


def test_bureau_report_query_count_does_not_grow(client, home):
    auditor = make_member(Role.BUREAU_AUDITOR)
    client.force_login(auditor)
    _populate(home, schools=3, teachers_per_school=5)
    client.get("/admin/training/reports/city/")
    n_small = _count(None, client, "/admin/training/reports/city/")
    _populate(home, schools=9, teachers_per_school=5)
    assert (
        reports.bureau_hours_report(user=auditor, year=sel.current_year())["rows"].__len__() == 12
    )
    client.get("/admin/training/reports/city/")  # publishing purged the cached menus: warm again
    n_large = _count(None, client, "/admin/training/reports/city/")
    assert n_small == n_large
    # The admin shell (menus of every app) is part of the count; the equality is the guard.
    # 21 before the menus and school lists shared the per-request memos.
    assert n_large <= 18


def test_a_denied_report_is_a_logged_no_store_back_office_page(client, city):
    from tests.forbidden import logged_forbidden

    teacher = make_member(Role.CLASS_TEACHER, school=city["a"])
    client.force_login(teacher)
    line = logged_forbidden(client, "/admin/training/reports/city/", user=teacher)
    assert (line.action, line.object_type) == ("training-admin-denied", "courses.training")


# --- any period, the city export, spreadsheets people can filter --------------------------


def _saved_name(response) -> str:
    from urllib.parse import unquote

    return unquote(response["Content-Disposition"].split("filename*=UTF-8''", 1)[1])


def test_report_periods_school_year_term_and_custom():
    import datetime

    assert reports.period_of_school_year(2025).first == datetime.date(2025, 9, 1)
    assert reports.period_of_school_year(2025).last == datetime.date(2026, 8, 31)
    term1, term2 = reports.period_of_term(2025, 1), reports.period_of_term(2025, 2)
    assert (term1.first, term1.last) == (datetime.date(2025, 9, 1), datetime.date(2026, 1, 19))
    assert (term2.first, term2.last) == (datetime.date(2026, 2, 21), datetime.date(2026, 7, 9))
    period, errors = reports.report_period_from(
        {"period": "custom", "start": "2026-03-01", "end": "2026-04-15"}
    )
    assert not errors and period.label == "2026-03-01 至 2026-04-15" and period.prorated
    assert not reports.period_of_school_year(2025).prorated
    # No period asked: the current school year, the period targets are set for.
    assert reports.report_period_from({})[0].kind == "school_year"
    _period, errors = reports.report_period_from(
        {"period": "custom", "start": "2026-05-01", "end": "2026-04-15"}
    )
    assert errors == ["开始日期不能晚于结束日期。"]
    _period, errors = reports.report_period_from({"period": "custom", "start": "昨天", "end": ""})
    assert errors[0].startswith("开始日期无效") and errors[1].startswith("结束日期无效")


def test_custom_period_counts_only_its_days(client, city):
    import datetime

    HoursEntry.objects.create(
        teacher=city["ta1"],
        school=city["a"],
        hours=Decimal("4"),
        source=HoursEntry.Source.SESSION,
        module=city["module"],
        session=make_session(city["module"], days=-400),
        credited_on=datetime.date(2024, 3, 5),
    )
    client.force_login(city["admin_a"])
    page = client.get(
        "/admin/training/reports/school/",
        {"period": "custom", "start": "2024-03-01", "end": "2024-03-31"},
    ).content.decode()
    assert "2024-03-01 至 2024-03-31" in page
    # No targets for the 2023—2024 school year: nothing judged.
    assert "本时段的目标按其占所在学年的天数折算" in page and "未达标</span>" not in page
    report = reports.school_hours_report(
        school=city["a"],
        period=reports.report_period_from(
            {"period": "custom", "start": "2024-03-01", "end": "2024-03-31"}
        )[0],
    )
    assert {r.username: r.hours for r in report["rows"]}[city["ta1"].username] == Decimal("4")
    assert report["total_hours"] == Decimal("4")
    bad = client.get(
        "/admin/training/reports/school/", {"period": "custom", "start": "x", "end": "2024-03-31"}
    ).content.decode()
    assert "开始日期无效" in bad


def test_school_export_is_named_in_chinese_with_frozen_header_and_filter(client, city):
    client.force_login(city["admin_a"])
    from schools.calendar import SchoolYear

    year = sel.current_year()
    response = download_response(client, export_job(client, "training-school-report"))
    assert _saved_name(response) == f"培训学时-甲校-{SchoolYear(year).plain_label}.xlsx"
    sheet = load_workbook(io.BytesIO(response.body)).active
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:G{sheet.max_row}"


def test_city_export_has_every_school_and_the_city_total(client, city):
    client.force_login(city["bureau"])
    job = export_job(
        client, "training-city-report", {"period": "school_year", "school_year": "2025"}
    )
    response = download_response(client, job)
    assert _saved_name(response) == "培训学时-全市-2025-2026学年.xlsx"
    sheet = load_workbook(io.BytesIO(response.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "全市教师培训学时（2025-2026学年）"
    assert list(rows[1]) == [
        "学校代码",
        "学校",
        "教职工（人）",
        "期间学时",
        "人均学时",
        "达标人数",
        "有目标人数",
        "达标率（%）",
    ]
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == f"A2:H{sheet.max_row}"
    report = reports.bureau_hours_report(
        user=city["bureau"], period=reports.period_of_school_year(2025)
    )
    assert [r[1] for r in rows[2:-1]] == [r.school.name for r in report["rows"]]
    assert rows[-1][1] == "全市合计" and rows[-1][2] == report["total_staff"]
    assert Decimal(str(rows[-1][3])) == report["total_hours"]


def test_city_export_is_the_bureaus_only(client, city):
    client.force_login(city["admin_a"])
    response = client.get("/admin/training/reports/city/", {"export": "xlsx"})
    assert response.status_code == 403
    assert "Content-Disposition" not in response
    assert client.get("/admin/exports/new/training-city-report/").status_code == 403


def test_ledger_of_a_school_holds_only_hours_it_credited(city):
    """A teacher who moved from 乙校 to 甲校 keeps 乙校's lines at 乙校: 甲校's admin neither
    lists nor reverses them (issue 12, item 13)."""
    from django.test import Client

    from schools.models import Membership

    mover = city["tb"]
    earned_at_b = HoursEntry.objects.get(teacher=mover)
    Membership.objects.filter(user=mover).update(active_to=earned_at_b.credited_on)
    Membership.objects.create(
        user=mover, school=city["a"], role=Role.TEACHER, active_from=earned_at_b.credited_on
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(city["admin_a"])
    body = client.get("/admin/training/ledger/").content.decode()
    assert f"/admin/training/ledger/{earned_at_b.pk}/reverse/" not in body
    assert earned_at_b not in reports.ledger_for(user=city["admin_a"])
    assert earned_at_b not in reports.ledger_reversible_by(user=city["admin_a"])
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/admin/training/ledger/{earned_at_b.pk}/reverse/",
        {"reason": "越权", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 404
    assert not HoursEntry.objects.filter(reverses=earned_at_b).exists()
    # 乙校's own admin still reads and may reverse what 乙校 credited.
    admin_b = make_member(Role.SCHOOL_ADMIN, school=city["b"])
    assert earned_at_b in reports.ledger_reversible_by(user=admin_b)


def test_hours_and_targets_are_compared_over_the_same_school_year(home):
    """Targets are per school year: hours of the school year (from 1 September, across the
    new calendar year) against that school year's target — not against a calendar-year one."""
    import datetime

    from courses.report_figures import training_hours, training_hours_target
    from schools.calendar import Period, SchoolYear

    school = SchoolFactory()
    teacher = make_member(Role.TEACHER, school=school)
    teacher.memberships.update(active_from=datetime.date(2025, 1, 1))
    module = make_module(home, fmt=TrainingFormat.WORKSHOP, hours="4")
    set_targets(year=2025, teacher=10)  # the 2025—2026 school year
    set_targets(year=2026, teacher=30)  # the 2026—2027 school year
    for day, hours in [
        (datetime.date(2025, 8, 31), "5"),  # the school year before
        (datetime.date(2025, 10, 1), "4"),
        (datetime.date(2026, 3, 1), "3"),
        (datetime.date(2026, 9, 1), "7"),  # the next school year
    ]:
        HoursEntry.objects.create(
            teacher=teacher,
            school=school,
            hours=Decimal(hours),
            source=HoursEntry.Source.SESSION,
            module=module,
            session=make_session(module),
            credited_on=day,
        )
    period = reports.period_of_school_year(2025)
    report = reports.school_hours_report(school=school, period=period)
    [row] = report["rows"]
    assert (row.hours, row.target, row.below) == (Decimal("7"), Decimal("10"), True)
    year = SchoolYear(2025)
    dashboard = Period(year.start, year.end)
    assert training_hours(schools=[school], period=dashboard) == {school.pk: 7.0}
    assert training_hours_target(schools=[school], period=dashboard) == {school.pk: 10.0}
    # The autumn term: its share of the school year's target (141 of 365 days of 10 hours).
    term = reports.period_of_term(2025, 1)
    days = (term.last - term.first).days + 1
    [row] = reports.school_hours_report(school=school, period=term)["rows"]
    assert row.hours == Decimal("4")
    assert row.target == (Decimal(10) * days / 365).quantize(Decimal("0.1")) == Decimal("3.9")
    assert not row.below
