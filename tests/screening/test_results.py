"""Results: entry, import (all-or-nothing, row/column messages), warnings, under-14 rule."""

import datetime
import io

import pytest
from django.core import mail
from openpyxl import Workbook

from portal import spreadsheets
from portal.spreadsheets import ImportRejected
from schools.vocab import Grade
from screening.models import ScreeningResult, ScreeningRound, Warning, WarningLevel
from screening.services import (
    ScreeningError,
    consent_record,
    result_save,
    results_import,
)
from tests.factories import SchoolClassFactory, StudentFactory

from .factories import answers_for, gad7, make_round, phq9

TODAY = datetime.date(2026, 11, 20)
HEADER = ["学号"] + [f"第{n}题" for n in range(1, 10)]


def test_result_is_scored_and_levelled_on_save(world):
    result = result_save(
        round=world.round,
        instrument=phq9(),
        student=world.own,
        answers=answers_for(16),
        user=world.psych,
        taken_on=TODAY,
    )
    assert (result.total, result.band, result.level) == (16, "中重度", WarningLevel.KEY)
    warning = Warning.objects.get(student=world.own)
    assert (warning.level, warning.source, warning.grade) == (
        WarningLevel.KEY,
        Warning.Source.SCREENING,
        Grade.J1,
    )


def test_mild_result_opens_no_warning(world):
    result_save(
        round=world.round,
        instrument=phq9(),
        student=world.own,
        answers=answers_for(7),
        taken_on=TODAY,
    )
    assert not Warning.objects.exists()


def test_critical_item_opens_crisis_warning_and_notifies(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result_save(
            round=world.round,
            instrument=phq9(),
            student=world.own,
            answers=[0] * 8 + [2],
            taken_on=TODAY,
        )
    warning = Warning.objects.get(student=world.own)
    assert (warning.level, warning.source) == (WarningLevel.CRISIS, Warning.Source.CRITICAL)
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == ["leader@example.cn", "psych@example.cn"]
    assert (
        world.own.name not in mail.outbox[0].body
        and world.own.student_number not in mail.outbox[0].body
    )


def test_student_outside_round_refused(world):
    with pytest.raises(ScreeningError, match="不在本批次"):
        result_save(
            round=world.round,
            instrument=phq9(),
            student=world.other_school,
            answers=[0] * 9,
            taken_on=TODAY,
        )


# --- under-14 rule ------------------------------------------------------------------------------------


@pytest.fixture
def young(world):
    return StudentFactory(
        school_class=world.a7_1, birth_date=datetime.date(2013, 6, 1)
    )  # 13 on TODAY


def test_under_14_refused_without_recorded_basis(world, young):
    world.round.basis = ""
    world.round.save()
    with pytest.raises(ScreeningError, match="未满14周岁"):
        result_save(
            round=world.round, instrument=phq9(), student=young, answers=[0] * 9, taken_on=TODAY
        )
    assert not ScreeningResult.objects.exists()


def test_under_14_with_consent_basis_needs_that_guardians_consent(world, young):
    world.round.basis = ScreeningRound.Basis.CONSENT
    world.round.save()
    with pytest.raises(ScreeningError, match="监护人有效的知情同意"):
        result_save(
            round=world.round, instrument=phq9(), student=young, answers=[0] * 9, taken_on=TODAY
        )
    consent_record(round=world.round, student=young, decided_on=TODAY, user=world.psych)
    result_save(
        round=world.round, instrument=phq9(), student=young, answers=[0] * 9, taken_on=TODAY
    )
    assert ScreeningResult.objects.filter(student=young).count() == 1


def test_under_14_accepted_on_statutory_basis_and_14_year_olds_need_nothing(world, young):
    result_save(
        round=world.round, instrument=phq9(), student=young, answers=[0] * 9, taken_on=TODAY
    )
    world.round.basis = ""
    world.round.save()
    result_save(
        round=world.round, instrument=phq9(), student=world.own, answers=[0] * 9, taken_on=TODAY
    )  # 14
    assert ScreeningResult.objects.count() == 2


# --- import ------------------------------------------------------------------------------------------


def _csv(rows):
    return "\n".join(",".join(str(c) for c in row) for row in rows).encode("utf-8")


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_xlsx_item_answers(world):
    rows = [
        HEADER,
        [world.own.student_number] + answers_for(12),
        [world.same_grade.student_number] + [0] * 8 + [1],
        [world.other_grade.student_number] + answers_for(3),
    ]
    created = results_import(
        round=world.round,
        instrument=phq9(),
        rows=spreadsheets.table_read(name="结果.xlsx", data=_xlsx(rows)),
        default_date=TODAY,
    )
    assert len(created) == 3
    levels = dict(ScreeningResult.objects.values_list("student__name", "level"))
    assert levels == {"林小舟": "general", "周远帆": "crisis", "吴清禾": ""}
    assert Warning.objects.filter(source=Warning.Source.CRITICAL, student=world.same_grade).exists()


def test_import_csv_totals(world):
    rows = [["学号", "总分", "测评日期"], [world.own.student_number, 17, "2026/11/18"]]
    results_import(
        round=world.round,
        instrument=gad7(),
        rows=spreadsheets.table_read(name="gad.csv", data=_csv(rows)),
        default_date=TODAY,
    )
    result = ScreeningResult.objects.get()
    assert (result.total, result.band, result.taken_on) == (17, "重度", datetime.date(2026, 11, 18))


def test_import_bad_file_writes_nothing_and_names_rows_and_columns(world):
    young = StudentFactory(school_class=world.a7_1, birth_date=datetime.date(2013, 6, 1))
    world.round.basis = ScreeningRound.Basis.CONSENT
    world.round.save()
    rows = [
        HEADER,
        [world.own.student_number] + answers_for(5),  # fine
        ["99999999"] + [0] * 9,  # unknown number
        [world.same_grade.student_number] + [0, 0, 0, 5, 0, 0, 0, 0, 0],  # out of range at item 4
        [world.own.student_number] + [0] * 9,  # duplicate of row 2
        [world.other_school.student_number] + [0] * 9,  # other school: unknown here
        [young.student_number] + [0] * 9,  # under 14 without consent
    ]
    world.a8_1.grade  # noqa: B018
    with pytest.raises(ImportRejected) as exc:
        results_import(round=world.round, instrument=phq9(), rows=rows, default_date=TODAY)
    errors = exc.value.errors
    assert "第 3 行“学号”：本校没有学号 99999999。" in errors
    assert any(e.startswith("第 4 行“第4题”：答案“5”超出范围") for e in errors)
    assert any(e.startswith("第 5 行“学号”") and "与第 2 行重复" in e for e in errors)
    assert any(e.startswith("第 6 行“学号”：本校没有学号") for e in errors)
    assert any(e.startswith("第 7 行“学号”") and "知情同意" in e for e in errors)
    assert exc.value.payload["consent_missing"] == [young.pk]
    assert len(errors) == 5
    assert not ScreeningResult.objects.exists() and not Warning.objects.exists()


def test_import_student_outside_round_and_missing_columns(world):
    other_grade_round = make_round(world.a, grades=[Grade.J2])
    rows = [HEADER, [world.own.student_number] + [0] * 9]
    with pytest.raises(ImportRejected, match="第 2 行“学号”：学号 .*的学生不在本批次"):
        results_import(round=other_grade_round, instrument=phq9(), rows=rows, default_date=TODAY)
    with pytest.raises(ImportRejected) as exc:
        results_import(
            round=world.round,
            instrument=phq9(),
            rows=[HEADER[:-1], [world.own.student_number] + [0] * 8],
        )
    assert exc.value.errors == [spreadsheets.MSG_MISSING_COLUMNS.format(columns="第9题")]
    with pytest.raises(ImportRejected) as exc:
        results_import(round=world.round, instrument=phq9(), rows=[["姓名", "总分"], ["某某", 3]])
    assert exc.value.errors == [spreadsheets.MSG_MISSING_COLUMNS.format(columns="学号")]
    assert not ScreeningResult.objects.exists()


def test_import_refuses_second_result_in_same_round(world):
    rows = [HEADER, [world.own.student_number] + [0] * 9]
    results_import(round=world.round, instrument=phq9(), rows=rows, default_date=TODAY)
    with pytest.raises(ImportRejected, match="已有该量表的结果"):
        results_import(round=world.round, instrument=phq9(), rows=rows, default_date=TODAY)
    assert ScreeningResult.objects.count() == 1


@pytest.mark.parametrize("size", [10, 60])
def test_import_query_count_is_bounded(world, size, django_assert_max_num_queries):
    klass = SchoolClassFactory(school=world.a, grade=Grade.J1, name="七年级（9）班")
    students = StudentFactory.create_batch(size, school_class=klass)
    rows = [HEADER] + [
        [s.student_number] + answers_for(12 if i % 3 == 0 else 2) for i, s in enumerate(students)
    ]
    # Constant in the number of rows: the warnings step loads students, locks open warnings,
    # picks the default owner, inserts the warnings and tells the class and grade staff.
    rnd, instrument = world.round, phq9()
    with django_assert_max_num_queries(20):
        results_import(round=rnd, instrument=instrument, rows=rows, default_date=TODAY)
    assert ScreeningResult.objects.count() == size


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"x", "results.txt", "只支持 .xlsx 或 .csv"),
        (b"not a workbook", "results.xlsx", "无法读取该 Excel 文件"),
        (b"\xff\xfe\x00\x81\x30\x81", "results.csv", "无法识别文件编码"),
    ],
)
def test_unreadable_files_are_a_message_for_the_user(data, filename, message):
    with pytest.raises(ImportRejected, match=message):
        spreadsheets.table_read(name=filename, data=data)
