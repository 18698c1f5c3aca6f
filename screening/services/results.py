"""Screening results: entry by hand, the all-or-nothing import and corrections; each result
is a signal that may open or raise a warning (``warnings``). A totals-only import records
that the critical item was not checked (``critical_checked``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from oversight.snapshots import snapshots_refresh_later
from portal import spreadsheets
from portal.spreadsheets import Column, ImportRejected, Table
from schools.models import Student

from ..models import (
    Instrument,
    ScreeningResult,
    ScreeningRound,
    Warning,
    WarningAction,
)
from ..selectors import current_results, round_target_students
from .common import STUDENT_NUMBER_COLUMN, ScreeningError
from .consent import _consent_problem, _consented_ids
from .instruments import InstrumentKey
from .warnings import _warnings_for_results


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
    supersedes: ScreeningResult | None = None,
    correction_reason: str = "",
) -> ScreeningResult:
    """Enter one result: checked, scored and levelled; warnings opened as the level calls for
    (``result.signals``: what each signal did). With ``supersedes``: a correction of that one
    (``result_correct``)."""
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
    if (
        current_results()
        .filter(round=round, instrument=instrument, student=student)
        .exclude(pk=getattr(supersedes, "pk", None))
        .exists()
    ):
        errors.append("学生：本批次该量表已有结果（录错了请在结果列表中“更正”）。")
    if errors:
        raise ScreeningError(errors, consent_missing=missing)
    key = InstrumentKey.load(instrument)
    scored = key.score_answers(list(answers)) if answers is not None else key.score_total(total)
    if supersedes is not None:
        supersedes.superseded_at = timezone.now()
        supersedes.save(update_fields=["superseded_at"])
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
        critical_checked=answers is not None,
        source=ScreeningResult.Source.ENTRY,
        note=note,
        entered_by=user,
        supersedes=supersedes,
        correction_reason=correction_reason,
    )
    if supersedes is not None:
        _superseded_warnings_settle(old=supersedes, new=result, reason=correction_reason, user=user)
    result.signals = _warnings_for_results(results=[result])
    return result


def _superseded_warnings_settle(*, old, new, reason, user) -> None:
    """Warnings the superseded result fed: one it alone fed is closed with the correction's
    reason; one other signals fed too stays open, the correction in its history."""
    # PostgreSQL refuses FOR UPDATE with DISTINCT: the join finds the ids, the lock takes rows.
    fed_ids = (
        Warning.objects.filter(Q(result=old) | Q(actions__result=old))
        .exclude(status=Warning.Status.CLOSED)
        .values("pk")
    )
    fed = Warning.objects.select_for_update().filter(pk__in=fed_ids).order_by("pk")
    text = f"测评结果已更正（原得分 {old.total}，更正后 {new.total}）：{reason}"
    for warning in fed:
        others = warning.source == Warning.Source.CONCERN or (
            warning.result_id not in (None, old.pk)
        )
        others = others or (
            warning.actions.filter(kind=WarningAction.Kind.MERGED).exclude(result=old).exists()
        )
        if others:
            WarningAction.objects.create(
                warning=warning, kind=WarningAction.Kind.SUPERSEDED, by=user, text=text
            )
            continue
        now = timezone.now()
        WarningAction.objects.create(
            warning=warning,
            kind=WarningAction.Kind.SUPERSEDED,
            by=user,
            text=text + "。这条预警只由被更正的结果引起，随之结案。",
            old_value=warning.status,
            new_value=Warning.Status.CLOSED,
            at=now,
        )
        warning.status = Warning.Status.CLOSED
        warning.closed_at = now
        warning.outcome = f"结果更正：{reason}"
        warning.save(update_fields=["status", "closed_at", "outcome"])


def result_correct(
    *,
    result: ScreeningResult,
    reason: str,
    user=None,
    answers: list[int] | None = None,
    total: Decimal | None = None,
    taken_on: datetime.date | None = None,
) -> ScreeningResult:
    """Correct a mistyped result: a new result with the new values supersedes it, with the
    reason. The old one stays in history and no longer counts; a warning it alone opened is
    closed with the reason."""
    if not (reason or "").strip():
        raise ScreeningError(["更正原因：请写明为什么更正（例如“第5题录入错误”），不能为空。"])
    if result.superseded_at is not None:
        raise ScreeningError(["结果：这条结果已经被更正过，请更正最新的结果。"])
    if answers is None and total is None:
        raise ScreeningError(["得分：请填写更正后的各题作答或总分。"])
    return result_save(
        round=result.round,
        instrument=result.instrument,
        student=result.student,
        answers=answers,
        total=total,
        taken_on=taken_on or result.taken_on,
        user=user,
        note=result.note,
        supersedes=result,
        correction_reason=reason.strip(),
    )


# --- import ----------------------------------------------------------------------------------

TOTAL_HEADERS = {"总分", "total"}
DATE_HEADERS = {"测评日期", "日期", "date"}
NO_SCORE_COLUMNS = "第 1 行（表头）既没有各题作答列（第1题…），也没有“总分”列。"
NOT_IN_ROUND = "本批次不使用该量表。"


def _item_spellings(number: int) -> tuple[str, ...]:
    """How an item's column may be headed besides 第N题: N, 第N, N题, 题N, qN, itemN."""
    return (str(number), f"第{number}", f"{number}题", f"题{number}", f"q{number}", f"item{number}")


def _answer_parser(scores):
    low, high = min(scores), max(scores)

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value not in scores:
            raise ValueError(f"答案“{text}”超出范围（应为 {low}–{high} 的整数）。")
        return value

    return parse


def _total_parser(low, high):
    def parse(text: str) -> Decimal:
        try:
            total = spreadsheets.decimal(text)
        except ValueError:
            total = None
        if total is None or not low <= total <= high:
            raise ValueError(f"总分“{text}”超出范围（{low}–{high}）。")
        return total

    return parse


def _results_schema(key: InstrumentKey, *, use_items: bool | None) -> spreadsheets.Schema:
    """The columns of a results file: 学号, optionally 测评日期, then either every item's
    answer or 总分 (``use_items`` None: all of them optional, to see which the file has)."""
    low, high = key.total_range
    columns = [
        STUDENT_NUMBER_COLUMN,
        Column(
            "测评日期",
            aliases=tuple(sorted(DATE_HEADERS - {"测评日期"})),
            required=False,
            parse=spreadsheets.date,
        ),
    ]
    if use_items is not False:
        columns += [
            Column(
                f"第{number}题",
                aliases=_item_spellings(number),
                required=bool(use_items),
                blank_ok=False,
                parse=_answer_parser(scores),
            )
            for number, _sub, scores, _crit in key.items
        ]
    if not use_items:
        columns.append(
            Column(
                "总分",
                aliases=tuple(sorted(TOTAL_HEADERS - {"总分"})),
                required=use_items is False,
                blank_ok=False,
                parse=_total_parser(low, high),
            )
        )
    return spreadsheets.Schema(columns)


@transaction.atomic
def results_import(
    *,
    round: ScreeningRound,
    instrument: Instrument,
    rows: Table | list[list],
    user=None,
    default_date: datetime.date | None = None,
) -> list[ScreeningResult]:
    """Import a table (a read file, or rows with the header first) all-or-nothing, in a
    bounded number of queries; ``spreadsheets.ImportRejected`` naming every bad row and
    column otherwise (``payload["consent_missing"]``: students refused for want of consent).

    Columns: 学号; either 第1题…第N题 (item answers) or 总分; optionally 测评日期.
    """
    default_date = default_date or timezone.localdate()
    table = rows if isinstance(rows, Table) else spreadsheets.table_from_rows(rows)
    key = InstrumentKey.load(instrument)
    found = _results_schema(key, use_items=None).bind(table.headers)  # 学号 is there
    if not round.instruments.filter(pk=instrument.pk).exists():
        raise ImportRejected(NOT_IN_ROUND)
    use_items = any(f"第{number}题" in found for number, *_ in key.items)
    if not use_items and "总分" not in found:
        raise ImportRejected(NO_SCORE_COLUMNS)
    schema = _results_schema(key, use_items=use_items)

    students = {
        s.student_number: s
        for s in Student.objects.filter(school_id=round.school_id).only(
            "pk", "student_number", "birth_date", "school_id", "school_class_id"
        )
    }
    target_ids = set(round_target_students(round=round).values_list("pk", flat=True))
    consented = _consented_ids(round=round)
    consent_missing: list[int] = []
    already = set(
        current_results()
        .filter(round=round, instrument=instrument)
        .values_list("student_id", flat=True)
    )
    seen: dict[str, int] = {}

    def check(row_number, row):
        number = row["student_number"]
        student = students.get(number)
        if number in seen:
            row.error("学号", f"学号 {number} 与第 {seen[number]} 行重复。")
        elif student is None:
            row.error("学号", f"本校没有学号 {number}。")
        elif student.pk not in target_ids:
            row.error("学号", f"学号 {number} 的学生不在本批次的目标年级或班级中。")
        elif student.pk in already:
            row.error("学号", f"学号 {number} 在本批次已有该量表的结果。")
        if number:
            seen.setdefault(number, row_number)
        taken_on = row["测评日期"] or default_date
        answers = [row[f"第{n}题"] for n, *_ in key.items] if use_items else None
        total = None if use_items else row["总分"]
        if student is not None and row.ok:
            problem = _consent_problem(
                round=round, student=student, taken_on=taken_on, consented_ids=consented
            )
            if problem:
                row.error("学号", f"学号 {number} {problem}。")
                if round.basis == ScreeningRound.Basis.CONSENT:
                    consent_missing.append(student.pk)
        return student, taken_on, answers, total

    def write(pending):
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
                    critical_checked=use_items,
                    source=ScreeningResult.Source.IMPORT,
                    entered_by=user,
                )
            )
        ScreeningResult.objects.bulk_create(results, batch_size=1000)
        if not all(r.pk for r in results):  # backends that don't return ids on bulk insert
            ids = dict(
                current_results()
                .filter(round=round, instrument=instrument)
                .values_list("student_id", "pk")
            )
            for r in results:
                r.pk = r.id = ids[r.student_id]
        _warnings_for_results(results=results)
        snapshots_refresh_later()  # a province's kept coverage, once this import commits
        return results

    return spreadsheets.rows_run(
        table,
        schema,
        check,
        write=write,
        atomic=False,  # the whole import is one transaction already
        payload={"consent_missing": consent_missing},
    )
