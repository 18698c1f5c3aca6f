"""Screening results: entry by hand and the all-or-nothing import; each result may open a
warning (``cases``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from schools.models import Student

from ..models import (
    Instrument,
    ScreeningResult,
    ScreeningRound,
)
from ..selectors import round_target_students
from .cases import _warnings_for_results
from .common import (
    STUDENT_NUMBER_HEADERS,
    ScreeningError,
    _cell_date,
    _cell_text,
)
from .consent import _consent_problem, _consented_ids
from .instruments import InstrumentKey


@transaction.atomic
def result_save(
    *,
    round: ScreeningRound,
    instrument: Instrument,
    student: Student,
    answers: list[int] | None = None,
    total: Decimal | None = None,
    taken_on: datetime.date | None = None,
    user=None,
    note: str = "",
) -> ScreeningResult:
    """Enter one result: checked, scored and levelled; warnings opened as the level calls for."""
    taken_on = taken_on or timezone.localdate()
    errors = []
    if not round.instruments.filter(pk=instrument.pk).exists():
        errors.append("量表：本批次不使用该量表。")
    if not round_target_students(round=round).filter(pk=student.pk).exists():
        errors.append("学生：不在本批次的目标年级或班级中。")
    consented = _consented_ids(round=round, student_ids=[student.pk])
    problem = _consent_problem(
        round=round, student=student, taken_on=taken_on, consented_ids=consented
    )
    missing = []
    if problem:
        errors.append(f"学生：{problem}，不能保存结果。")
        if round.basis == ScreeningRound.Basis.CONSENT:
            missing.append(student.pk)
    if ScreeningResult.objects.filter(round=round, instrument=instrument, student=student).exists():
        errors.append("学生：本批次该量表已有结果。")
    if errors:
        raise ScreeningError(errors, consent_missing=missing)
    key = InstrumentKey.load(instrument)
    scored = key.score_answers(list(answers)) if answers is not None else key.score_total(total)
    result = ScreeningResult.objects.create(
        round=round,
        instrument=instrument,
        student=student,
        school_id=student.school_id,
        taken_on=taken_on,
        answers=list(answers or []),
        total=scored.total,
        subscale_scores=scored.subscales,
        band=scored.band,
        level=scored.level,
        critical=scored.critical,
        source=ScreeningResult.Source.ENTRY,
        note=note,
        entered_by=user,
    )
    _warnings_for_results(results=[result], students={student.pk: student})
    return result


# --- import ----------------------------------------------------------------------------------

TOTAL_HEADERS = {"总分", "total"}
DATE_HEADERS = {"测评日期", "日期", "date"}


def _item_number(header: str) -> int | None:
    text = header.strip().lower()
    for prefix in ("第", "q", "item", "题"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = text.removesuffix("题").strip()
    return int(text) if text.isdigit() else None


@transaction.atomic
def results_import(
    *,
    round: ScreeningRound,
    instrument: Instrument,
    rows: list[list],
    user=None,
    default_date: datetime.date | None = None,
) -> list[ScreeningResult]:
    """Import a table (header row first) all-or-nothing, in a bounded number of queries.

    Columns: 学号; either 第1题…第N题 (item answers) or 总分; optionally 测评日期.
    """
    default_date = default_date or timezone.localdate()
    if not rows:
        raise ScreeningError(["文件是空的。"])
    header = [_cell_text(h) for h in rows[0]]
    errors: list[str] = []

    def col_name(index):
        return (
            f"“{header[index]}”列" if index < len(header) and header[index] else f"第{index + 1}列"
        )

    number_col = next((i for i, h in enumerate(header) if h in STUDENT_NUMBER_HEADERS), None)
    total_col = next((i for i, h in enumerate(header) if h in TOTAL_HEADERS), None)
    date_col = next((i for i, h in enumerate(header) if h in DATE_HEADERS), None)
    if number_col is None:
        raise ScreeningError(["第1行：缺少“学号”列。"])
    if not round.instruments.filter(pk=instrument.pk).exists():
        raise ScreeningError(["本批次不使用该量表。"])
    key = InstrumentKey.load(instrument)
    item_numbers = [number for number, *_ in key.items]
    item_cols = {}
    for index, text in enumerate(header):
        number = _item_number(text) if index not in (number_col, total_col, date_col) else None
        if number is not None:
            item_cols[number] = index
    use_items = bool(item_cols)
    if use_items:
        missing = [n for n in item_numbers if n not in item_cols]
        if missing:
            raise ScreeningError(
                [
                    f"第1行：缺少第{'、'.join(str(n) for n in missing)}题的列（共{len(item_numbers)}题）。"
                ]
            )
    elif total_col is None:
        raise ScreeningError(["第1行：既没有各题作答列（第1题…），也没有“总分”列。"])

    students = {
        s.student_number: s
        for s in Student.objects.filter(school_id=round.school_id).only(
            "pk", "student_number", "birth_date", "school_id", "school_class_id"
        )
    }
    target_ids = set(round_target_students(round=round).values_list("pk", flat=True))
    consented = _consented_ids(round=round)
    consent_missing = []
    already = set(
        ScreeningResult.objects.filter(round=round, instrument=instrument).values_list(
            "student_id", flat=True
        )
    )
    low, high = key.total_range
    seen: dict[str, int] = {}
    pending = []
    for row_number, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(header) - len(row))
        if all(_cell_text(c) == "" for c in cells):
            continue
        row_errors = []
        number = _cell_text(cells[number_col])
        student = students.get(number)
        if not number:
            row_errors.append(f"第{row_number}行{col_name(number_col)}：学号为空。")
        elif number in seen:
            row_errors.append(
                f"第{row_number}行{col_name(number_col)}：学号 {number} 与第{seen[number]}行重复。"
            )
        elif student is None:
            row_errors.append(f"第{row_number}行{col_name(number_col)}：本校没有学号 {number}。")
        elif student.pk not in target_ids:
            row_errors.append(
                f"第{row_number}行{col_name(number_col)}：学号 {number} 的学生不在本批次的目标年级或班级中。"
            )
        elif student.pk in already:
            row_errors.append(
                f"第{row_number}行{col_name(number_col)}：学号 {number} 在本批次已有该量表的结果。"
            )
        if number:
            seen.setdefault(number, row_number)
        taken_on = default_date
        if date_col is not None and _cell_text(cells[date_col]):
            try:
                taken_on = _cell_date(cells[date_col])
            except ValueError:
                row_errors.append(
                    f"第{row_number}行{col_name(date_col)}：日期“{_cell_text(cells[date_col])}”无法识别，应写作 2026-03-15。"
                )
        answers, total = None, None
        if use_items:
            answers = []
            for item_number, _sub, scores, _crit in key.items:
                col = item_cols[item_number]
                text = _cell_text(cells[col])
                try:
                    value = int(text)
                except ValueError:
                    value = None
                if value is None or value not in scores:
                    row_errors.append(
                        f"第{row_number}行{col_name(col)}：答案“{text}”超出范围（应为 {min(scores)}–{max(scores)} 的整数）。"
                    )
                answers.append(value)
        else:
            text = _cell_text(cells[total_col])
            try:
                total = Decimal(text)
            except ArithmeticError:
                total = None
            if total is None or not low <= total <= high:
                row_errors.append(
                    f"第{row_number}行{col_name(total_col)}：总分“{text}”超出范围（{low}–{high}）。"
                )
        if student is not None and not row_errors:
            problem = _consent_problem(
                round=round, student=student, taken_on=taken_on, consented_ids=consented
            )
            if problem:
                row_errors.append(
                    f"第{row_number}行{col_name(number_col)}：学号 {number} {problem}。"
                )
                if round.basis == ScreeningRound.Basis.CONSENT:
                    consent_missing.append(student.pk)
        if row_errors:
            errors.extend(row_errors)
            continue
        pending.append((student, taken_on, answers, total))
    if errors:
        raise ScreeningError(errors, consent_missing=consent_missing)
    if not pending:
        raise ScreeningError(["文件中没有数据行。"])

    results = []
    for student, taken_on, answers, total in pending:
        scored = key.score_answers(answers) if answers is not None else key.score_total(total)
        results.append(
            ScreeningResult(
                round=round,
                instrument=instrument,
                student_id=student.pk,
                school_id=round.school_id,
                taken_on=taken_on,
                answers=answers or [],
                total=scored.total,
                subscale_scores=scored.subscales,
                band=scored.band,
                level=scored.level,
                critical=scored.critical,
                source=ScreeningResult.Source.IMPORT,
                entered_by=user,
            )
        )
    ScreeningResult.objects.bulk_create(results, batch_size=1000)
    if not all(r.pk for r in results):  # backends that don't return ids on bulk insert
        ids = dict(
            ScreeningResult.objects.filter(round=round, instrument=instrument).values_list(
                "student_id", "pk"
            )
        )
        for r in results:
            r.pk = r.id = ids[r.student_id]
    _warnings_for_results(results=results, students={s.pk: s for s, *_ in pending})
    return results
