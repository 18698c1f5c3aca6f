"""Guardian consent in the back office (R-13, R-25): the list, per-student and bulk recording,
withdrawal, import (all-or-nothing with row/column messages), and its effect on entry."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from portal import spreadsheets
from portal.spreadsheets import ImportRejected
from schools.models import AccessLog
from schools.vocab import Grade
from screening.models import GuardianConsent, ScreeningResult, ScreeningRound
from screening.services import (
    ScreeningError,
    consent_bulk,
    consent_record,
    consent_withdraw,
    consents_import,
    result_save,
)
from tests.factories import SchoolClassFactory, StudentFactory

from .factories import make_round, phq9

TODAY = datetime.date(2026, 11, 20)
YOUNG = datetime.date(2013, 6, 1)  # 13 when the round starts


@pytest.fixture
def consent_round(world):
    return make_round(world.a, basis=ScreeningRound.Basis.CONSENT)


@pytest.fixture
def young(world):
    """Three under-14 students in 七年级（1）班 and two in 七年级（2）班."""
    return {
        "a7_1": StudentFactory.create_batch(3, school_class=world.a7_1, birth_date=YOUNG),
        "a7_2": StudentFactory.create_batch(2, school_class=world.a7_2, birth_date=YOUNG),
    }


def _lines(before):
    return list(AccessLog.objects.filter(pk__gt=before).order_by("pk"))


def _last():
    last = AccessLog.objects.order_by("-pk").first()
    return last.pk if last else 0


# --- services ------------------------------------------------------------------------------------


def test_only_a_standing_consent_lets_a_result_in(world, consent_round, young):
    student = young["a7_1"][0]

    def enter():
        return result_save(
            round=consent_round,
            instrument=phq9(),
            student=student,
            answers=[0] * 9,
            taken_on=TODAY,
        )

    consent_record(
        round=consent_round,
        student=student,
        status=GuardianConsent.Status.REFUSED,
        decided_on=TODAY,
        guardian_name="林国华",
        relationship=GuardianConsent.Relationship.FATHER,
        method=GuardianConsent.Method.PAPER,
        user=world.psych,
    )
    with pytest.raises(ScreeningError) as exc:
        enter()
    assert exc.value.consent_missing == [student.pk]
    consent = consent_record(
        round=consent_round, student=student, decided_on=TODAY, user=world.psych
    )
    assert consent.status == GuardianConsent.Status.GIVEN and consent.recorded_by == world.psych
    consent_withdraw(round=consent_round, student=student, user=world.psych)
    with pytest.raises(ScreeningError, match="已撤回"):
        enter()
    consent_record(round=consent_round, student=student, decided_on=TODAY, user=world.psych)
    enter()
    assert ScreeningResult.objects.filter(student=student).count() == 1
    assert GuardianConsent.objects.count() == 1  # one row per round and student


def test_recording_is_refused_on_a_statutory_round_outside_the_targets_and_in_the_future(
    world, consent_round
):
    with pytest.raises(ScreeningError, match="无需登记同意"):
        consent_record(round=world.round, student=world.own, decided_on=TODAY, user=world.psych)
    with pytest.raises(ScreeningError, match="不在本批次的目标"):
        consent_record(
            round=consent_round, student=world.other_school, decided_on=TODAY, user=world.psych
        )
    with pytest.raises(ScreeningError, match="监护人表态日期：不能晚于今天"):
        consent_record(
            round=consent_round,
            student=world.own,
            decided_on=datetime.date.today() + datetime.timedelta(days=2),
            user=world.psych,
        )
    with pytest.raises(ScreeningError, match="没有可撤回"):
        consent_withdraw(round=consent_round, student=world.own, user=world.psych)
    assert not GuardianConsent.objects.exists()


def test_bulk_is_all_or_nothing(world, consent_round, young):
    ids = [s.pk for s in young["a7_1"]]
    with pytest.raises(ScreeningError, match="1 名勾选的学生不在本批次"):
        consent_bulk(
            round=consent_round,
            student_ids=[*ids, world.other_school.pk],
            status="given",
            decided_on=TODAY,
            user=world.psych,
        )
    assert not GuardianConsent.objects.exists()
    assert (
        consent_bulk(
            round=consent_round,
            student_ids=ids,
            status="given",
            decided_on=TODAY,
            method="paper",
            user=world.psych,
        )
        == 3
    )
    assert set(GuardianConsent.objects.values_list("student_id", "status", "method")) == {
        (pk, "given", "paper") for pk in ids
    }


# --- import --------------------------------------------------------------------------------------


def test_import_writes_every_row_with_guardian_and_method(world, consent_round, young):
    a, b, c = young["a7_1"]
    rows = [
        ["学号", "同意情况", "监护人姓名", "与学生关系", "获取方式", "监护人表态日期"],
        [a.student_number, "同意", "陈美玲", "母亲", "纸质回执", "2026-09-20"],
        [b.student_number, "不同意", "王建军", "爷爷", "电话", None],
        [c.student_number, "同意", "", "", "", ""],
    ]
    assert (
        consents_import(round=consent_round, rows=rows, user=world.psych, default_date=TODAY) == 3
    )
    got = {
        g.student_id: (g.status, g.guardian_name, g.relationship, g.method, g.decided_on)
        for g in GuardianConsent.objects.all()
    }
    assert got == {
        a.pk: ("given", "陈美玲", "mother", "paper", datetime.date(2026, 9, 20)),
        b.pk: ("refused", "王建军", "grandparent", "phone", TODAY),
        c.pk: ("given", "", "", "", TODAY),
    }


def test_import_errors_name_row_and_column_and_write_nothing(world, consent_round, young):
    a, b, c = young["a7_1"]
    rows = [
        ["学号", "同意情况", "与学生关系", "获取方式", "监护人表态日期"],
        [a.student_number, "同意", "母亲", "纸质回执", "2026-09-20"],  # fine
        ["88888888", "同意", "", "", ""],  # unknown number
        [b.student_number, "也许", "", "", ""],  # bad status
        [a.student_number, "同意", "", "", ""],  # duplicate of row 2
        [world.other_school.student_number, "同意", "", "", ""],  # another school's student
        [c.student_number, "同意", "舅舅", "", ""],  # unknown relationship
        [world.other_grade.student_number, "同意", "", "飞鸽传书", "9月20日"],  # two errors
    ]
    with pytest.raises(ImportRejected) as exc:
        consents_import(round=consent_round, rows=rows, user=world.psych, default_date=TODAY)
    errors = exc.value.errors
    assert "第 3 行“学号”：本校没有学号 88888888。" in errors
    assert any(e.startswith("第 4 行“同意情况”：无法识别“也许”") for e in errors)
    assert any(e.startswith("第 5 行“学号”") and "与第 2 行重复" in e for e in errors)
    assert any(e.startswith("第 6 行“学号”：本校没有学号") for e in errors)
    assert any(e.startswith("第 7 行“与学生关系”：无法识别“舅舅”") for e in errors)
    assert any(e.startswith("第 8 行“获取方式”：无法识别“飞鸽传书”") for e in errors)
    assert any(e.startswith("第 8 行“监护人表态日期”：无法识别“9月20日”") for e in errors)
    assert len(errors) == 7
    assert not GuardianConsent.objects.exists()


def test_import_missing_columns_and_statutory_round(world, consent_round):
    with pytest.raises(ImportRejected) as exc:
        consents_import(
            round=consent_round, rows=[["学号"], [world.own.student_number]], user=world.psych
        )
    assert exc.value.errors == [spreadsheets.MSG_MISSING_COLUMNS.format(columns="同意情况")]
    with pytest.raises(ImportRejected, match="无需登记同意"):
        consents_import(
            round=world.round,
            rows=[["学号", "同意情况"], [world.own.student_number, "同意"]],
            user=world.psych,
        )


@pytest.mark.parametrize("size", [5, 60])
def test_import_query_count_is_bounded(world, consent_round, size, django_assert_max_num_queries):
    klass = SchoolClassFactory(school=world.a, grade=Grade.J1, name="七年级（8）班")
    students = StudentFactory.create_batch(size, school_class=klass, birth_date=YOUNG)
    # half already recorded (updated), half new (created)
    consent_bulk(
        round=consent_round,
        student_ids=[s.pk for s in students[::2]],
        status="refused",
        decided_on=TODAY,
        user=world.psych,
    )
    rows = [["学号", "同意情况"]] + [[s.student_number, "同意"] for s in students]
    with django_assert_max_num_queries(12):
        consents_import(round=consent_round, rows=rows, user=world.psych, default_date=TODAY)
    assert GuardianConsent.objects.filter(status="given").count() == size


# --- screens -------------------------------------------------------------------------------------


def test_list_shows_status_guardian_and_recorder_and_logs_one_line(
    client, world, consent_round, young
):
    a = young["a7_1"][0]
    consent_record(
        round=consent_round,
        student=a,
        decided_on=TODAY,
        guardian_name="陈美玲",
        relationship="mother",
        method="online",
        user=world.psych,
    )
    client.force_login(world.psych)
    url = reverse("screening:round_consent", args=[consent_round.pk])
    before = _last()
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    row = body.split(a.name, 1)[1].split("</tr>", 1)[0]
    assert "已同意" in row and "陈美玲<br><small>母亲</small>" in row and "家校平台在线确认" in row
    assert world.psych.real_name in row
    assert "需要同意 5 人：已同意 1，不同意 0，已撤回 0，未登记 4" in body
    [line] = _lines(before)
    assert (line.action, line.object_type, line.object_id, line.allowed) == (
        "list",
        "screening.consent",
        str(consent_round.pk),
        True,
    )
    # the class filter narrows the checklist to one class
    body = client.get(url, {"class": world.a7_2.pk}).content.decode()
    assert young["a7_2"][0].name in body and a.name not in body
    body = client.get(url, {"state": "none"}).content.decode()
    assert a.name not in body and young["a7_1"][1].name in body


def test_bulk_checklist_for_a_class(client, world, consent_round, young):
    client.force_login(world.psych)
    url = reverse("screening:round_consent", args=[consent_round.pk]) + f"?class={world.a7_2.pk}"
    ids = [s.pk for s in young["a7_2"]]
    before = _last()
    response = client.post(
        url, {"students": ids, "status": "given", "decided_on": "2026-09-18", "method": "paper"}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert set(GuardianConsent.objects.values_list("student_id", flat=True)) == set(ids)
    [line] = _lines(before)
    assert (line.action, line.allowed) == ("consent-bulk", True)
    response = client.post(url, {"status": "given", "decided_on": "2026-09-18"})
    assert "请至少勾选一名学生" in response.content.decode()


def test_per_student_record_and_withdraw(client, world, consent_round, young):
    student = young["a7_1"][0]
    client.force_login(world.psych)
    url = reverse("screening:consent_student", args=[consent_round.pk, student.pk])
    assert "未登记" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "status": "given",
            "decided_on": "2026-09-19",
            "guardian_name": "林国华",
            "relationship": "father",
            "method": "in_person",
            "note": "家长会当面签字",
        },
    )
    assert response.status_code == 302
    consent = GuardianConsent.objects.get()
    assert (consent.guardian_name, consent.relationship, consent.method) == (
        "林国华",
        "father",
        "in_person",
    )
    before = _last()
    client.post(url, {"withdraw": "1"})
    consent.refresh_from_db()
    assert consent.status == GuardianConsent.Status.WITHDRAWN
    [line] = _lines(before)
    assert (line.action, line.object_id) == ("consent-withdraw", str(student.pk))
    body = client.get(url).content.decode()
    assert "已撤回同意" in body and "林国华（父亲）" in body


def test_import_screen_lists_errors_and_writes_nothing(client, world, consent_round, young):
    a = young["a7_1"][0]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([["学号", "同意情况"], [a.student_number, "同意"], ["77777777", "同意"]])
    upload = io.BytesIO(buffer.getvalue().encode("utf-8-sig"))
    upload.name = "同意书回执.csv"
    client.force_login(world.psych)
    url = reverse("screening:consent_import", args=[consent_round.pk])
    response = client.post(url, {"file": upload, "decided_on": "2026-09-20"})
    body = response.content.decode()
    assert response.status_code == 200 and "第 3 行“学号”：本校没有学号 77777777。" in body
    assert not GuardianConsent.objects.exists()
    book = Workbook()
    book.active.append(["学号", "同意情况", "获取方式"])
    book.active.append([a.student_number, "同意", "在线"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "回执.xlsx"
    response = client.post(url, {"file": data, "decided_on": "2026-09-20"})
    assert response.status_code == 302
    assert GuardianConsent.objects.get().method == GuardianConsent.Method.ONLINE


def test_entry_refusal_links_to_the_consent_screen(client, world, consent_round, young):
    student = young["a7_1"][0]
    client.force_login(world.psych)
    url = reverse("screening:result_enter", args=[consent_round.pk])
    data = {"instrument": phq9().pk, "student_number": student.student_number}
    data.update({f"item_{n}": "0" for n in range(1, 10)})
    body = client.post(url, data).content.decode()
    assert "没有该生监护人有效的知情同意" in body
    assert reverse("screening:consent_student", args=[consent_round.pk, student.pk]) in body
    assert not ScreeningResult.objects.exists()


def test_class_teacher_cannot_record_consent(client, world, consent_round, young):
    client.force_login(world.class_teacher)
    before = _last()
    response = client.post(
        reverse("screening:round_consent", args=[consent_round.pk]),
        {"students": [young["a7_1"][0].pk], "status": "given", "decided_on": "2026-09-18"},
    )
    # Recording consent is the psychology teacher's capability: the one 403 page.
    assert response.status_code == 403 and not GuardianConsent.objects.exists()
    [line] = _lines(before)
    assert line.allowed is False


def test_list_query_count_is_constant_in_class_size(client, world, consent_round):
    client.force_login(world.psych)
    url = reverse("screening:round_consent", args=[consent_round.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    StudentFactory.create_batch(2, school_class=world.a7_2, birth_date=YOUNG)
    count()  # the first request fills the per-site caches (menus, the editor guide's address)
    small = count()
    for s in StudentFactory.create_batch(15, school_class=world.a7_2, birth_date=YOUNG):
        consent_record(round=consent_round, student=s, decided_on=TODAY, user=world.psych)
    assert count() == small
