"""Who sees what (design.md's role table, R-16, R-25): allowed AND denied, one log line each."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import AccessLog
from schools.vocab import Role
from screening.models import ScreeningResult, ScreeningRound, Warning
from screening.services import case_member_add, concern_raise, referral_record, result_save
from tests.exports import download, export_job
from tests.factories import StudentFactory, make_member

from .factories import answers_for, make_round, phq9

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def records(world):
    """own: PHQ-9 16 (重点关注) + a class teacher's concern; same_grade: mild; other_grade: 一般关注."""
    key = result_save(
        round=world.round,
        instrument=phq9(),
        student=world.own,
        answers=answers_for(16),
        taken_on=TODAY,
    )
    result_save(
        round=world.round,
        instrument=phq9(),
        student=world.same_grade,
        answers=answers_for(6),
        taken_on=TODAY,
    )
    result_save(
        round=world.round,
        instrument=phq9(),
        student=world.other_grade,
        answers=answers_for(11),
        taken_on=TODAY,
    )
    round_b = make_round(world.b)
    result_save(
        round=round_b,
        instrument=phq9(),
        student=world.other_school,
        answers=answers_for(21),
        taken_on=TODAY,
    )
    # The concern is about another student of the class teacher's class (a concern about
    # ``own`` would merge into own's open 重点关注 warning: one open warning per student).
    world.own2 = StudentFactory(school_class=world.a7_1, name="林小帆")
    concern = concern_raise(
        student=world.own2,
        level="general",
        concern="最近常独自坐在走廊，午饭几乎不吃。",
        user=world.class_teacher,
    )
    referral_record(
        student=world.own,
        institution="市第三人民医院心理科",
        referred_on=TODAY,
        reason="持续情绪低落",
    )
    # A plain teacher in same_grade's temporary counselling group.
    world.case_teacher = make_member(Role.TEACHER, world.a)
    case_member_add(student=world.same_grade, member=world.case_teacher, user=world.psych)
    return {
        "key_warning": Warning.objects.get(result=key),
        "concern": concern,
        "grade8_warning": Warning.objects.get(student=world.other_grade),
        "round_b": round_b,
        "consent_a": make_round(world.a, basis=ScreeningRound.Basis.CONSENT),
        "consent_b": make_round(world.b, basis=ScreeningRound.Basis.CONSENT),
    }


def _get(client, user, url):
    client.force_login(user)
    before = AccessLog.objects.count()
    response = client.get(url)
    lines = list(AccessLog.objects.order_by("-pk")[: AccessLog.objects.count() - before])
    return response, lines


ROLES = [
    "psych",
    "leader",
    "school_admin",
    "grade_leader",
    "class_teacher",
    "psych_b",
    "bureau_admin",
    "auditor",
    "case_teacher",
]


def _urls(world, records):
    return {
        "archive_own": reverse("screening:archive", args=[world.own.pk]),
        "archive_mild": reverse("screening:archive", args=[world.same_grade.pk]),
        "archive_other_school": reverse("screening:archive", args=[world.other_school.pk]),
        "round_results": reverse("screening:round_results", args=[world.round.pk]),
        "round_export": reverse("screening:round_export", args=[world.round.pk]),
        "round_import": reverse("screening:round_import", args=[world.round.pk]),
        "result_enter": reverse("screening:result_enter", args=[world.round.pk]),
        "warnings": reverse("screening:warnings"),
        "warning_key": reverse("screening:warning_detail", args=[records["key_warning"].pk]),
        "warning_concern": reverse("screening:warning_detail", args=[records["concern"].pk]),
        "warning_grade8": reverse("screening:warning_detail", args=[records["grade8_warning"].pk]),
        "my_class": reverse("screening:my_class"),
        "figures": reverse("screening:figures"),
        "access_log": reverse("screening:access_log"),
        # guardian consent: a round of the own school, a student of the own class and of
        # another class, the import, and another school's round
        "consent_round": reverse("screening:round_consent", args=[records["consent_a"].pk]),
        "consent_own_class": reverse(
            "screening:consent_student", args=[records["consent_a"].pk, world.own.pk]
        ),
        "consent_own_school": reverse(
            "screening:consent_student", args=[records["consent_a"].pk, world.same_grade.pk]
        ),
        "consent_import": reverse("screening:consent_import", args=[records["consent_a"].pk]),
        "consent_other_school": reverse("screening:round_consent", args=[records["consent_b"].pk]),
        "consent_other_school_student": reverse(
            "screening:consent_student", args=[records["consent_b"].pk, world.other_school.pk]
        ),
    }


# role → {url: expected status}; anything not listed is a denial (403 or 404).
ALLOWED = {
    "psych": {
        "archive_own",
        "archive_mild",
        "round_results",
        "round_export",
        "round_import",
        "result_enter",
        "warnings",
        "warning_key",
        "warning_concern",
        "warning_grade8",
        "figures",
        "consent_round",
        "consent_own_class",
        "consent_own_school",
        "consent_import",
    },
    "leader": {"archive_own", "warnings", "warning_key", "figures", "access_log"},
    "school_admin": {"figures"},
    "grade_leader": {"warnings", "warning_key", "warning_concern"},
    "class_teacher": {"warnings", "warning_concern", "my_class"},
    "psych_b": {
        "archive_other_school",
        "warnings",
        "figures",
        "consent_other_school",
        "consent_other_school_student",
    },
    "bureau_admin": {"figures", "access_log"},
    "auditor": {"figures", "access_log"},
    "case_teacher": {"archive_mild", "warnings"},
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_with_one_log_line_per_access(client, world, records, role):
    user = getattr(world, role)
    for name, url in _urls(world, records).items():
        response, lines = _get(client, user, url)
        allowed = name in ALLOWED[role]
        assert response.status_code == (200 if allowed else response.status_code), (role, name)
        if allowed:
            assert response.status_code == 200, (role, name, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, name, response.status_code)
            body = response.content.decode()
            for student in (world.own, world.same_grade, world.other_grade, world.other_school):
                assert student.name not in body, (role, name)
        assert len(lines) == 1, (role, name, [(x.action, x.allowed) for x in lines])
        assert lines[0].allowed is allowed and lines[0].user == user, (role, name)
        assert "no-store" in response.get("Cache-Control", ""), (role, name)


@pytest.mark.parametrize("role", ROLES)
def test_the_old_figures_export_link_is_the_bureaus_only(client, world, records, role):
    """The export is a background job now (``screening.exports``): the old link opens its
    start form for the bureau; anyone else gets the one 403 page and one denial line."""
    user = getattr(world, role)
    response, lines = _get(client, user, reverse("screening:figures_export"))
    if role in ("bureau_admin", "auditor"):
        assert response.status_code == 302
        assert response["Location"] == reverse("exports_admin:start", args=["screening-figures"])
        assert lines == []
    else:
        assert response.status_code == 403
        assert [(x.action, x.allowed, x.user) for x in lines] == [("export-denied", False, user)]


def test_archive_log_line_names_student_school_and_ip(client, world, records):
    response, lines = _get(client, world.psych, reverse("screening:archive", args=[world.own.pk]))
    assert response.status_code == 200
    line = lines[0]
    assert (line.action, line.object_type, line.object_id, line.school) == (
        "view",
        "screening.archive",
        str(world.own.pk),
        world.a,
    )
    assert line.ip == "127.0.0.1"


def test_psychology_teacher_archive_shows_results_chart_and_referral(client, world, records):
    client.force_login(world.psych)
    body = client.get(reverse("screening:archive", args=[world.own.pk])).content.decode()
    assert world.own.name in body and "中重度" in body and "<svg" in body
    assert "市第三人民医院心理科" in body


def test_class_teacher_sees_follow_up_flag_never_scores(client, world, records):
    client.force_login(world.class_teacher)
    body = client.get(reverse("screening:my_class")).content.decode()
    assert world.own.name in body and "需要跟进" in body
    assert world.same_grade.name not in body  # another class
    for leak in ("中重度", "重点关注", "得分", "PHQ"):
        assert leak not in body, leak
    body = client.get(reverse("screening:warnings")).content.decode()
    assert "教师关注" in body and "筛查分级" not in body


def test_grade_leader_sees_own_grade_warnings_without_scores(client, world, records):
    client.force_login(world.grade_leader)
    body = client.get(reverse("screening:warnings")).content.decode()
    assert world.own.name in body and world.other_grade.name not in body
    body = client.get(
        reverse("screening:warning_detail", args=[records["key_warning"].pk])
    ).content.decode()
    assert "重点关注" in body and "中重度" not in body and "打开档案" not in body


def test_school_leader_sees_key_and_crisis_only(client, world, records):
    client.force_login(world.leader)
    body = client.get(reverse("screening:warnings") + "?status=all").content.decode()
    assert (
        body.count("重点关注") >= 1
        and "教师关注" not in body
        and world.other_grade.name not in body
    )


def test_case_group_member_sees_that_case_only_until_removed(client, world, records):
    from screening.services import case_member_add, case_member_remove

    helper = world.grade_leader
    case_member_add(student=world.same_grade, member=helper, user=world.psych)
    client.force_login(helper)
    assert client.get(reverse("screening:archive", args=[world.same_grade.pk])).status_code == 200
    assert client.get(reverse("screening:archive", args=[world.own.pk])).status_code == 404
    case_member_remove(student=world.same_grade, member=helper)
    # Out of every group, a grade leader holds no archive capability at all: the one 403 page.
    assert client.get(reverse("screening:archive", args=[world.same_grade.pk])).status_code == 403


def test_class_teacher_raises_concern_for_own_class_only(client, world, records):
    client.force_login(world.class_teacher)
    url = reverse("screening:concern")
    response = client.post(
        url, {"student": world.same_grade.pk, "level": "key", "concern": "课间哭泣"}
    )
    assert response.status_code == 200 and not Warning.objects.filter(concern="课间哭泣").exists()
    response = client.post(url, {"student": world.own.pk, "level": "key", "concern": "课间哭泣"})
    assert response.status_code == 302
    # own already has an open 重点关注 warning: the concern is merged into it, not a duplicate.
    warning = Warning.objects.get(student=world.own)
    merged = warning.actions.get(kind="merged")
    assert merged.by == world.class_teacher and merged.source == Warning.Source.CONCERN
    assert "课间哭泣" in merged.text
    client.force_login(world.grade_leader)
    assert (
        "课间哭泣"
        in client.get(reverse("screening:warning_detail", args=[warning.pk])).content.decode()
    )


def test_bureau_figures_suppress_small_cells_and_never_name_students(client, world, records):
    for _ in range(5):
        student = StudentFactory(school_class=world.b7_1)
        concern_raise(
            student=student, level="general", concern="注意力明显下降", user=world.psych_b
        )
    client.force_login(world.bureau_admin)
    body = client.get(reverse("screening:figures")).content.decode()
    assert "&lt;5" in body
    row_b = body.split(world.b.name, 1)[1].split("</tr>", 1)[0]
    # 5 general warnings and 1 crisis at school B: the 1 shows as <5 and, the row total (6)
    # being shown, the 5 is hidden too — else 6 − 5 would give the crisis count back.
    assert row_b == "</td><td>*</td><td>0</td><td>&lt;5</td><td>6</td>"
    for student in (world.own, world.other_school):
        assert student.name not in body and student.student_number not in body


def test_bureau_export_is_aggregate_and_suppressed_like_the_dashboard(client, world, records):
    """No row per student leaves the school: counts per school × 学段 by level, and four crisis
    students at one school show as “<5”, never 4 (issue 12, item 6)."""
    import io

    from openpyxl import load_workbook

    for _ in range(3):  # 4 crisis students at school B in all
        result_save(
            round=records["round_b"],
            instrument=phq9(),
            student=StudentFactory(school_class=world.b7_1),
            answers=answers_for(21),
            taken_on=TODAY,
        )
    assert ScreeningResult.objects.filter(school=world.b, level="crisis").count() == 4
    client.force_login(world.auditor)
    # The old link opens the start form; the export is built by a background job.
    assert client.get(reverse("screening:figures_export"))["Location"] == (
        reverse("exports_admin:start", args=["screening-figures"])
    )
    data = download(client, export_job(client, "screening-figures"))
    rows = list(load_workbook(io.BytesIO(data))["测评汇总"].iter_rows(values_only=True))
    assert rows[0] == (
        "学校代码",
        "学校",
        "学段",
        "未达预警",
        "一般关注",
        "重点关注",
        "危机",
        "测评人数",
    )
    by_school = {row[1]: row for row in rows[1:]}
    assert set(by_school) == {world.a.name, world.b.name, "合计"}
    assert by_school[world.b.name][2] == "初中"
    assert by_school[world.b.name][6] == "<5"
    assert 4 not in by_school[world.b.name]
    flat = " ".join(str(c) for row in rows for c in row)
    for student in (world.own, world.other_school):
        assert student.name not in flat and student.student_number not in flat
    assert "2026-11-20" not in flat and "21" not in by_school[world.b.name]
    assert AccessLog.objects.filter(
        user=world.auditor, action="export-aggregate", object_type="screening.figures"
    ).exists()


def test_psychology_teacher_export_is_own_school_and_logged(client, world, records):
    import io

    from openpyxl import load_workbook

    response, lines = _get(
        client, world.psych, reverse("screening:round_export", args=[world.round.pk])
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    names = {row[1] for row in rows[1:]}
    assert names == {world.own.name, world.same_grade.name, world.other_grade.name}
    assert lines[0].action == "export"


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_round_results_list_query_count_is_constant(client, world):
    client.force_login(world.psych)
    url = reverse("screening:round_results", args=[world.round.pk])
    StudentFactory.create_batch(2, school_class=world.a7_2)
    for s in world.a7_2.students.all():
        result_save(
            round=world.round, instrument=phq9(), student=s, answers=answers_for(3), taken_on=TODAY
        )
    _queries(client, url)  # warm the process-wide caches (content types) first
    small = _queries(client, url)
    for s in StudentFactory.create_batch(12, school_class=world.a7_2):
        result_save(
            round=world.round, instrument=phq9(), student=s, answers=answers_for(12), taken_on=TODAY
        )
    assert _queries(client, url) == small


def test_archive_page_query_count_is_constant_in_history_length(client, world):
    from screening.services import archive_entry_add

    client.force_login(world.psych)
    url = reverse("screening:archive", args=[world.own.pk])

    def add_round(n):
        rnd = make_round(world.a)
        rnd.name = f"第{n}次筛查"
        rnd.save()
        result_save(
            round=rnd,
            instrument=phq9(),
            student=world.own,
            answers=answers_for(n % 20 + 5),
            taken_on=TODAY - datetime.timedelta(days=40 * n),
        )
        archive_entry_add(
            student=world.own, kind="talk", on=TODAY, summary=f"第{n}次谈心", user=world.psych
        )
        referral_record(student=world.own, institution=f"医院{n}", referred_on=TODAY, reason="复查")

    add_round(9)  # a score that opens a warning: the short history already has one
    _queries(client, url)  # warm the process-wide caches (content types) first
    small = _queries(client, url)
    for n in range(1, 9):
        add_round(n)
    assert _queries(client, url) == small
