"""Writes for screening: instruments, results (entry and import), warnings, archives, referrals.

Every write validates first and writes inside a transaction; bad input raises
``ScreeningError`` with Chinese messages naming the row and column, and nothing is written.
Nothing here logs student data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal import spreadsheets
from schools import access
from schools.imports import ImportFailed, date_parse, rows_read
from schools.models import Membership, Student

from .models import (
    LEVEL_RANK,
    Archive,
    ArchiveEntry,
    AttentionCategory,
    CaseMember,
    CutOff,
    GuardianConsent,
    Instrument,
    InstrumentItem,
    Referral,
    ReturnPlan,
    ScreeningResult,
    ScreeningRound,
    SupportPlan,
    Warning,
    WarningLevel,
)
from .selectors import CONSENT_AGE, round_target_students

TWO_PLACES = Decimal("0.01")


class ScreeningError(Exception):
    """Refused input. ``errors`` is a list of Chinese messages, each naming row/field."""

    def __init__(self, errors, *, consent_missing=()):
        self.errors = spreadsheets.errors_capped(
            list(errors) if isinstance(errors, (list, tuple)) else [errors]
        )
        # Students refused for want of a guardian's consent (the screen links to it).
        self.consent_missing = list(consent_missing)
        super().__init__("；".join(self.errors))


# --- instruments -------------------------------------------------------------------------


def options_parse(text: str) -> list[tuple[int, str]]:
    """``"0=完全不会\\n1=好几天"`` → [(0, "完全不会"), (1, "好几天")]; ValueError on bad lines."""
    options = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        score, sep, label = line.replace("＝", "=").partition("=")
        try:
            value = int(score.strip())
        except ValueError:
            raise ValueError(f"第{number}行“{line}”应写作“分值=选项文字”，分值为整数") from None
        if not sep or not label.strip():
            raise ValueError(f"第{number}行“{line}”缺少选项文字")
        options.append((value, label.strip()))
    return options


def instrument_check(*, scoring: str, items: list[dict], cutoffs: list[dict]) -> list[str]:
    """Consistency of an instrument; [] when it may be saved.

    ``items``: dicts with number, options (text), is_critical, critical_min_score.
    ``cutoffs``: dicts with min_score, max_score, label.
    """
    errors: list[str] = []
    if not items:
        errors.append("量表至少需要一道题目。")
    seen_numbers = set()
    lows, highs = [], []
    for item in items:
        number = item.get("number")
        where = f"第{number}题"
        if number in seen_numbers:
            errors.append(f"{where}：题号重复。")
        seen_numbers.add(number)
        try:
            options = options_parse(item.get("options") or "")
        except ValueError as exc:
            errors.append(f"{where}选项：{exc}。")
            continue
        if not options:
            errors.append(f"{where}：没有选项，至少需要两个选项。")
            continue
        if len(options) < 2:
            errors.append(f"{where}：至少需要两个选项。")
        scores = [score for score, _ in options]
        if len(set(scores)) != len(scores):
            errors.append(f"{where}：选项分值重复。")
        lows.append(min(scores))
        highs.append(max(scores))
        if item.get("is_critical"):
            threshold = item.get("critical_min_score")
            if threshold is None:
                errors.append(f"{where}：关键题需要填写阈值。")
            elif not min(scores) < threshold <= max(scores):
                errors.append(
                    f"{where}：关键题阈值 {threshold} 不在该题可能得分 {min(scores)}–{max(scores)} 内。"
                )
    if errors or not items:
        return errors
    if scoring == Instrument.Scoring.MEAN:
        low = (Decimal(sum(lows)) / len(lows)).quantize(TWO_PLACES)
        high = (Decimal(sum(highs)) / len(highs)).quantize(TWO_PLACES)
        step = TWO_PLACES
    else:
        low, high, step = Decimal(sum(lows)), Decimal(sum(highs)), Decimal(1)
    if not cutoffs:
        errors.append("量表至少需要一个分界（得分到级别的对应）。")
        return errors
    bands = sorted(cutoffs, key=lambda c: Decimal(c["min_score"]))
    for band in bands:
        lo, hi = Decimal(band["min_score"]), Decimal(band["max_score"])
        name = f"分界“{band.get('label') or ''}”（{lo}–{hi}）"
        if lo > hi:
            errors.append(f"{name}：下限大于上限。")
        if lo < low or hi > high:
            errors.append(f"{name}：超出可能得分范围 {low}–{high}。")
    if errors:
        return errors
    if Decimal(bands[0]["min_score"]) != low:
        errors.append(f"分界没有覆盖最低分 {low}。")
    if Decimal(bands[-1]["max_score"]) != high:
        errors.append(f"分界没有覆盖最高分 {high}。")
    for before, after in zip(bands, bands[1:], strict=False):
        gap = Decimal(after["min_score"]) - Decimal(before["max_score"])
        if gap <= 0:
            errors.append(f"分界“{before.get('label')}”与“{after.get('label')}”重叠。")
        elif gap > step:
            errors.append(f"分界“{before.get('label')}”与“{after.get('label')}”之间有空档。")
    return errors


@transaction.atomic
def instrument_save(*, spec: dict, school=None) -> Instrument:
    """Create or replace (by code, version, school) an instrument from a plain spec.

    Refuses an inconsistent spec. Used by the built-in loader, demo and tests.
    """
    items = spec["items"]
    cutoffs = spec["cutoffs"]
    errors = instrument_check(scoring=spec["scoring"], items=items, cutoffs=cutoffs)
    if errors:
        raise ScreeningError(errors)
    instrument, _ = Instrument.objects.update_or_create(
        code=spec["code"],
        version=spec.get("version", "1"),
        school=school,
        defaults={
            "name": spec["name"],
            "kind": spec.get("kind", Instrument.Kind.SCHOOL),
            "instructions": spec.get("instructions", ""),
            "scoring": spec["scoring"],
            "licence_note": spec.get("licence_note", ""),
        },
    )
    if instrument.results.exists():
        return instrument  # a version in use is frozen; change it by adding a new version
    InstrumentItem.objects.filter(instrument=instrument).delete()
    CutOff.objects.filter(instrument=instrument).delete()
    InstrumentItem.objects.bulk_create(
        InstrumentItem(
            instrument=instrument,
            sort_order=index,
            number=item["number"],
            text=item.get("text", ""),
            subscale=item.get("subscale", ""),
            options=item["options"],
            is_critical=item.get("is_critical", False),
            critical_min_score=item.get("critical_min_score"),
        )
        for index, item in enumerate(items)
    )
    CutOff.objects.bulk_create(
        CutOff(
            instrument=instrument,
            sort_order=index,
            min_score=Decimal(band["min_score"]),
            max_score=Decimal(band["max_score"]),
            label=band["label"],
            level=band.get("level", ""),
        )
        for index, band in enumerate(cutoffs)
    )
    return instrument


def builtin_instruments_ensure() -> list[Instrument]:
    """PHQ-9, GAD-7 and the licensed skeletons exist (idempotent)."""
    from .instruments import BUILTIN_SPECS

    return [instrument_save(spec=spec) for spec in BUILTIN_SPECS]


# --- scoring -------------------------------------------------------------------------------


@dataclass
class Scored:
    total: Decimal
    subscales: dict
    band: str
    level: str
    critical: bool


@dataclass
class InstrumentKey:
    """An instrument loaded once (2 queries) for scoring any number of answers."""

    instrument: Instrument
    items: list = field(default_factory=list)  # [(number, subscale, {score}, critical_min)]
    bands: list = field(default_factory=list)  # [(min, max, label, level)]

    @classmethod
    def load(cls, instrument: Instrument) -> InstrumentKey:
        key = cls(instrument=instrument)
        for item in InstrumentItem.objects.filter(instrument=instrument).order_by("number"):
            scores = {score for score, _ in options_parse(item.options)}
            critical = item.critical_min_score if item.is_critical else None
            key.items.append((item.number, item.subscale, scores, critical))
        key.bands = [
            (c.min_score, c.max_score, c.label, c.level)
            for c in CutOff.objects.filter(instrument=instrument).order_by("min_score")
        ]
        return key

    @property
    def total_range(self) -> tuple[Decimal, Decimal]:
        lows = [min(s) for _, _, s, _ in self.items]
        highs = [max(s) for _, _, s, _ in self.items]
        if self.instrument.scoring == Instrument.Scoring.MEAN:
            return (
                (Decimal(sum(lows)) / len(lows)).quantize(TWO_PLACES),
                (Decimal(sum(highs)) / len(highs)).quantize(TWO_PLACES),
            )
        return Decimal(sum(lows)), Decimal(sum(highs))

    def band_of(self, total: Decimal) -> tuple[str, str]:
        for low, high, label, level in self.bands:
            if low <= total <= high:
                return label, level
        # Between two mean bands (e.g. 1.995): the higher band, to err on the side of care.
        for low, _high, label, level in self.bands:
            if total < low:
                return label, level
        raise ScreeningError([f"得分 {total} 超出量表可能得分范围。"])

    def _aggregate(self, values):
        if self.instrument.scoring == Instrument.Scoring.MEAN:
            return (Decimal(sum(values)) / len(values)).quantize(TWO_PLACES, ROUND_HALF_UP)
        return Decimal(sum(values))

    def score_answers(self, answers: list) -> Scored:
        """Score a full answer list (one int per item, in item order)."""
        if len(answers) != len(self.items):
            raise ScreeningError([f"作答题数 {len(answers)} 与量表题数 {len(self.items)} 不一致。"])
        by_subscale: dict[str, list[int]] = {}
        critical = False
        for (number, subscale, scores, critical_min), answer in zip(
            self.items, answers, strict=True
        ):
            if answer not in scores:
                raise ScreeningError(
                    [f"第{number}题：答案“{answer}”不在选项分值 {sorted(scores)} 之中。"]
                )
            if critical_min is not None and answer >= critical_min:
                critical = True
            if subscale:
                by_subscale.setdefault(subscale, []).append(answer)
        total = self._aggregate(answers)
        band, level = self.band_of(total)
        subscales = {name: str(self._aggregate(vals)) for name, vals in by_subscale.items()}
        if critical:
            level = WarningLevel.CRISIS
        return Scored(total, subscales, band, level, critical)

    def score_total(self, total: Decimal) -> Scored:
        """Score a total reported by an outside system (no item answers, no critical item)."""
        low, high = self.total_range
        if not low <= total <= high:
            raise ScreeningError([f"总分 {total} 超出范围（{low}–{high}）。"])
        band, level = self.band_of(total)
        return Scored(total, {}, band, level, False)


def result_score(*, instrument: Instrument, answers: list[int]) -> Scored:
    return InstrumentKey.load(instrument).score_answers(answers)


# --- rounds and results --------------------------------------------------------------------


def _consent_problem(*, round, student, taken_on, consented_ids) -> str | None:
    """The under-14 rule: None when a result may be kept, else the reason."""
    if student.age_on(taken_on) >= CONSENT_AGE:
        return None
    if not round.basis:
        return "未满14周岁，本批次尚未登记测评依据（监护人同意或法定职责）"
    if round.basis == ScreeningRound.Basis.CONSENT and student.pk not in consented_ids:
        return "未满14周岁，本批次没有该生监护人有效的知情同意（未登记、不同意或已撤回）"
    return None


def _consented_ids(*, round, student_ids=None) -> set[int]:
    """Students of the round whose guardian's consent is on file now (given, not withdrawn)."""
    qs = GuardianConsent.objects.filter(round=round, status=GuardianConsent.Status.GIVEN)
    if student_ids is not None:
        qs = qs.filter(student_id__in=student_ids)
    return set(qs.values_list("student_id", flat=True))


def _consent_basis_check(round: ScreeningRound) -> None:
    if round.basis != ScreeningRound.Basis.CONSENT:
        raise ScreeningError(
            ["本批次的测评依据不是“监护人知情同意”，无需登记同意；如需更改，请先编辑批次的依据。"]
        )


@dataclass
class ConsentEntry:
    """One guardian's decision, as entered or imported."""

    status: str
    decided_on: datetime.date
    guardian_name: str = ""
    relationship: str = ""
    method: str = ""
    note: str = ""

    def problems(self, *, today) -> list[str]:
        """Field messages (without the row/field prefix the caller adds)."""
        out = []
        if self.status not in GuardianConsent.Status.values:
            out.append(("同意情况", "请选择已同意、不同意或已撤回同意"))
        if self.relationship and self.relationship not in GuardianConsent.Relationship.values:
            out.append(("与学生关系", "无效的关系"))
        if self.method and self.method not in GuardianConsent.Method.values:
            out.append(("获取方式", "无效的获取方式"))
        if self.decided_on is None:
            out.append(("监护人表态日期", "不能为空"))
        elif self.decided_on > today:
            out.append(("监护人表态日期", "不能晚于今天"))
        if len(self.guardian_name) > 50:
            out.append(("监护人姓名", "不能超过50个字"))
        return out


def _consents_write(*, round, entries: dict[int, ConsentEntry], user) -> int:
    """Write decisions for many students in a fixed number of queries (already validated)."""
    now = timezone.now()
    existing = {
        c.student_id: c
        for c in GuardianConsent.objects.filter(round=round, student_id__in=list(entries))
    }
    changed, new = [], []
    for student_id, entry in entries.items():
        consent = existing.get(student_id) or GuardianConsent(round=round, student_id=student_id)
        for name in ("status", "decided_on", "guardian_name", "relationship", "method", "note"):
            setattr(consent, name, getattr(entry, name))
        consent.recorded_by = user
        consent.recorded_at = now
        (changed if consent.pk else new).append(consent)
    GuardianConsent.objects.bulk_create(new, batch_size=500)
    GuardianConsent.objects.bulk_update(
        changed,
        [
            "status",
            "decided_on",
            "guardian_name",
            "relationship",
            "method",
            "note",
            "recorded_by",
            "recorded_at",
        ],
        batch_size=500,
    )
    return len(entries)


@transaction.atomic
def consent_record(
    *,
    round: ScreeningRound,
    student: Student,
    decided_on: datetime.date,
    user,
    status: str = GuardianConsent.Status.GIVEN,
    guardian_name: str = "",
    relationship: str = "",
    method: str = "",
    note: str = "",
) -> GuardianConsent:
    """Record (or change) one guardian's decision for a consent-basis round."""
    _consent_basis_check(round)
    entry = ConsentEntry(
        status=status,
        decided_on=decided_on,
        guardian_name=guardian_name.strip(),
        relationship=relationship,
        method=method,
        note=note.strip(),
    )
    errors = [f"{field}：{message}。" for field, message in entry.problems(today=_today())]
    if not round_target_students(round=round).filter(pk=student.pk).exists():
        errors.append("学生：不在本批次的目标年级或班级中。")
    if errors:
        raise ScreeningError(errors)
    _consents_write(round=round, entries={student.pk: entry}, user=user)
    return GuardianConsent.objects.get(round=round, student=student)


@transaction.atomic
def consent_withdraw(
    *, round: ScreeningRound, student: Student, user, on: datetime.date | None = None
) -> GuardianConsent:
    """The guardian withdraws a consent given earlier: later results are refused again.

    Results entered while the consent stood are kept (they were lawfully collected)."""
    _consent_basis_check(round)
    consent = GuardianConsent.objects.filter(
        round=round, student=student, status=GuardianConsent.Status.GIVEN
    ).first()
    if consent is None:
        raise ScreeningError(["同意情况：该生没有可撤回的同意记录。"])
    consent.status = GuardianConsent.Status.WITHDRAWN
    consent.decided_on = on or _today()
    consent.recorded_by = user
    consent.recorded_at = timezone.now()
    consent.save()
    return consent


@transaction.atomic
def consent_bulk(
    *,
    round: ScreeningRound,
    student_ids,
    status: str,
    decided_on: datetime.date,
    user,
    method: str = "",
) -> int:
    """The same decision for the ticked students (a class's returned slips). All or none."""
    _consent_basis_check(round)
    entry = ConsentEntry(status=status, decided_on=decided_on, method=method)
    errors = [f"{field}：{message}。" for field, message in entry.problems(today=_today())]
    try:
        wanted = {int(pk) for pk in student_ids}
    except (TypeError, ValueError):
        wanted = set()
        errors.append("学生：名单无效，请重新勾选。")
    if not wanted and not errors:
        errors.append("学生：请至少勾选一名学生。")
    targets = set(
        round_target_students(round=round).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if wanted - targets:
        errors.append(f"学生：有 {len(wanted - targets)} 名勾选的学生不在本批次的目标范围内。")
    if errors:
        raise ScreeningError(errors)
    return _consents_write(round=round, entries=dict.fromkeys(targets, entry), user=user)


def _today() -> datetime.date:
    return timezone.localdate()


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

STUDENT_NUMBER_HEADERS = {"学号", "学籍号", "student_number"}
TOTAL_HEADERS = {"总分", "total"}
DATE_HEADERS = {"测评日期", "日期", "date"}


def _item_number(header: str) -> int | None:
    text = header.strip().lower()
    for prefix in ("第", "q", "item", "题"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = text.removesuffix("题").strip()
    return int(text) if text.isdigit() else None


def table_read(*, data, filename: str) -> list[list]:
    """Rows (header first) of an uploaded .xlsx or .csv; ScreeningError if unreadable."""
    try:
        return rows_read(name=filename, data=data)
    except ImportFailed as exc:
        raise ScreeningError(exc.errors) from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_date(value) -> datetime.date:
    day = date_parse(value)
    if day is None:
        raise ValueError(value)
    return day


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


# --- consent import ---------------------------------------------------------------------------

CONSENT_STATUS_WORDS = {
    GuardianConsent.Status.GIVEN: {"同意", "已同意", "是"},
    GuardianConsent.Status.REFUSED: {"不同意", "拒绝", "否"},
    GuardianConsent.Status.WITHDRAWN: {"撤回", "已撤回", "撤回同意", "已撤回同意"},
}
RELATIONSHIP_WORDS = {
    GuardianConsent.Relationship.FATHER: {"父亲", "爸爸", "父"},
    GuardianConsent.Relationship.MOTHER: {"母亲", "妈妈", "母"},
    GuardianConsent.Relationship.GRANDPARENT: {
        "祖父母/外祖父母",
        "祖父母",
        "外祖父母",
        "祖父",
        "祖母",
        "外祖父",
        "外祖母",
        "爷爷",
        "奶奶",
        "外公",
        "外婆",
    },
    GuardianConsent.Relationship.OTHER: {"其他监护人", "其他", "监护人"},
}
METHOD_WORDS = {
    GuardianConsent.Method.PAPER: {"纸质知情同意书回执", "纸质", "回执", "纸质回执", "同意书"},
    GuardianConsent.Method.ONLINE: {"家校平台在线确认", "在线", "线上", "家校平台"},
    GuardianConsent.Method.PHONE: {"电话确认（已记录）", "电话", "电话确认"},
    GuardianConsent.Method.IN_PERSON: {"到校当面签署", "当面", "到校", "当面签署"},
}
CONSENT_HEADERS = {
    "student_number": STUDENT_NUMBER_HEADERS,
    "status": {"同意情况", "状态", "是否同意"},
    "guardian_name": {"监护人姓名", "监护人"},
    "relationship": {"与学生关系", "关系"},
    "method": {"获取方式", "方式"},
    "decided_on": {"监护人表态日期", "同意日期", "日期"},
    "note": {"备注"},
}


def _word_value(words: dict, text: str) -> str | None:
    for value, options in words.items():
        if text in options:
            return value
    return None


@transaction.atomic
def consents_import(
    *, round: ScreeningRound, rows: list[list], user, default_date: datetime.date | None = None
) -> int:
    """Import guardians' decisions from a table (header first), all or nothing.

    Columns: 学号 and 同意情况 (同意 / 不同意 / 撤回); optionally 监护人姓名, 与学生关系,
    获取方式, 监护人表态日期, 备注. A fixed number of queries however many rows.
    """
    _consent_basis_check(round)
    today = _today()
    default_date = default_date or today
    if not rows:
        raise ScreeningError(["文件是空的。"])
    header = [_cell_text(h) for h in rows[0]]
    cols = {
        key: next((i for i, h in enumerate(header) if h in names), None)
        for key, names in CONSENT_HEADERS.items()
    }
    missing = [
        label
        for key, label in (("student_number", "学号"), ("status", "同意情况"))
        if cols[key] is None
    ]
    if missing:
        raise ScreeningError([f"第1行：缺少“{'”“'.join(missing)}”列。"])

    def col_name(key):
        return f"“{header[cols[key]]}”列"

    students = dict(
        Student.objects.filter(school_id=round.school_id).values_list("student_number", "pk")
    )
    target_ids = set(round_target_students(round=round).values_list("pk", flat=True))
    errors: list[str] = []
    seen: dict[str, int] = {}
    entries: dict[int, ConsentEntry] = {}
    for row_number, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(header) - len(row))
        if all(_cell_text(c) == "" for c in cells):
            continue

        def cell(key, cells=cells):
            return _cell_text(cells[cols[key]]) if cols[key] is not None else ""

        where = f"第{row_number}行"
        row_errors = []
        number = cell("student_number")
        student_id = students.get(number)
        if not number:
            row_errors.append(f"{where}{col_name('student_number')}：学号为空。")
        elif number in seen:
            row_errors.append(
                f"{where}{col_name('student_number')}：学号 {number} 与第{seen[number]}行重复。"
            )
        elif student_id is None:
            row_errors.append(f"{where}{col_name('student_number')}：本校没有学号 {number}。")
        elif student_id not in target_ids:
            row_errors.append(
                f"{where}{col_name('student_number')}：学号 {number} 的学生不在本批次的目标年级或班级中。"
            )
        if number:
            seen.setdefault(number, row_number)
        status_text = cell("status")
        status = _word_value(CONSENT_STATUS_WORDS, status_text)
        if status is None:
            row_errors.append(
                f"{where}{col_name('status')}：“{status_text}”无法识别，应为“同意”“不同意”或“撤回”。"
            )
        relationship = ""
        if cell("relationship"):
            relationship = _word_value(RELATIONSHIP_WORDS, cell("relationship")) or ""
            if not relationship:
                row_errors.append(
                    f"{where}{col_name('relationship')}：“{cell('relationship')}”无法识别，"
                    "应为父亲、母亲、祖父母/外祖父母或其他监护人。"
                )
        method = ""
        if cell("method"):
            method = _word_value(METHOD_WORDS, cell("method")) or ""
            if not method:
                row_errors.append(
                    f"{where}{col_name('method')}：“{cell('method')}”无法识别，"
                    "应为纸质回执、在线、电话或当面。"
                )
        decided_on = default_date
        if cell("decided_on"):
            try:
                decided_on = _cell_date(cells[cols["decided_on"]])
            except ValueError:
                decided_on = None
                row_errors.append(
                    f"{where}{col_name('decided_on')}：日期“{cell('decided_on')}”无法识别，应写作 2026-09-15。"
                )
        entry = ConsentEntry(
            status=status or GuardianConsent.Status.GIVEN,
            decided_on=decided_on or default_date,
            guardian_name=cell("guardian_name"),
            relationship=relationship,
            method=method,
            note=cell("note")[:200],
        )
        if decided_on is not None:
            for field_name, message in entry.problems(today=today):
                key = {"监护人表态日期": "decided_on", "监护人姓名": "guardian_name"}.get(
                    field_name
                )
                label = col_name(key) if key and cols[key] is not None else f"“{field_name}”"
                row_errors.append(f"{where}{label}：{message}。")
        if row_errors:
            errors.extend(row_errors)
            continue
        entries[student_id] = entry
    if errors:
        raise ScreeningError(errors)
    if not entries:
        raise ScreeningError(["文件中没有数据行。"])
    return _consents_write(round=round, entries=entries, user=user)


# --- warnings ----------------------------------------------------------------------------


def _warnings_for_results(*, results, students) -> list[Warning]:
    """Open warnings for levelled results, in bulk; a critical item opens 危机 and notifies."""
    levelled = [r for r in results if r.level]
    if not levelled:
        return []
    class_grades = dict(
        Student.objects.filter(pk__in=[r.student_id for r in levelled]).values_list(
            "pk", "school_class__grade"
        )
    )
    open_levels: dict[int, int] = {}
    for student_id, level in Warning.objects.filter(
        student_id__in=class_grades, status__in=[Warning.Status.OPEN, Warning.Status.FOLLOW_UP]
    ).values_list("student_id", "level"):
        open_levels[student_id] = max(open_levels.get(student_id, 0), LEVEL_RANK[level])
    new = []
    for result in levelled:
        rank = LEVEL_RANK[result.level]
        if not result.critical and open_levels.get(result.student_id, 0) >= rank:
            continue  # already followed at this level or higher
        open_levels[result.student_id] = max(open_levels.get(result.student_id, 0), rank)
        new.append(
            Warning(
                student_id=result.student_id,
                school_id=result.school_id,
                grade=class_grades[result.student_id],
                level=result.level,
                source=Warning.Source.CRITICAL if result.critical else Warning.Source.SCREENING,
                result=result,
                raised_by=result.entered_by,
            )
        )
    Warning.objects.bulk_create(new)
    critical_schools = {w.school_id for w in new if w.source == Warning.Source.CRITICAL}
    if critical_schools:
        transaction.on_commit(lambda: crisis_notify(school_ids=critical_schools))
    return new


def crisis_recipients(*, school_ids) -> list:
    """Psychology teachers and school leaders of these schools (active today)."""
    return [
        m.user
        for m in Membership.objects.active()
        .filter(
            school_id__in=school_ids,
            role__in=access.roles_holding("screening.warning.notified"),
        )
        .select_related("user")
    ]


def crisis_notify(*, school_ids) -> int:
    """E-mail the people who must act; the message names no student (they read it in the admin)."""
    sent = 0
    path = reverse("screening:warnings") + "?level=crisis"
    for user in crisis_recipients(school_ids=school_ids):
        if not user.email:
            continue
        send_mail(
            "【心育平台】新的危机预警",
            "您所在学校有一条新的“危机”级别心理预警，请立即登录后台查看并处置：\n"
            f"{path}\n\n为保护学生隐私，本邮件不包含学生信息。",
            None,
            [user.email],
        )
        sent += 1
    return sent


def concern_raise(*, student: Student, level: str, concern: str, user) -> Warning:
    """A teacher raises a concern about a student (their own class for a class teacher)."""
    if level not in WarningLevel.values:
        raise ScreeningError(["级别：请选择一般关注、重点关注或危机。"])
    if not concern.strip():
        raise ScreeningError(["关注事由：请写明观察到的情况。"])
    with transaction.atomic():
        warning = Warning.objects.create(
            student=student,
            school_id=student.school_id,
            grade=student.school_class.grade,
            level=level,
            source=Warning.Source.CONCERN,
            concern=concern.strip(),
            raised_by=user,
        )
        if level == WarningLevel.CRISIS:
            transaction.on_commit(lambda: crisis_notify(school_ids={student.school_id}))
    return warning


def warning_update(
    *, warning: Warning, status: str, owner=None, note: str = "", user=None
) -> Warning:
    if status not in Warning.Status.values:
        raise ScreeningError(["状态：无效的状态。"])
    warning.status = status
    if owner is not None:
        warning.owner = owner
    if note.strip():
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        who = getattr(user, "real_name", "") or getattr(user, "username", "")
        warning.notes = f"{warning.notes}\n[{stamp} {who}] {note.strip()}".strip()
    warning.closed_at = timezone.now() if status == Warning.Status.CLOSED else None
    warning.save()
    return warning


# --- archive -----------------------------------------------------------------------------------


def archive_ensure(*, student: Student, user=None) -> Archive:
    archive, _ = Archive.objects.get_or_create(
        student=student, defaults={"school_id": student.school_id, "opened_by": user}
    )
    return archive


def archive_entry_add(*, student, kind, on, summary, user) -> ArchiveEntry:
    if kind not in ArchiveEntry.Kind.values:
        raise ScreeningError(["类型：无效的记录类型。"])
    if not summary.strip():
        raise ScreeningError(["记录：内容不能为空。"])
    archive = archive_ensure(student=student, user=user)
    return ArchiveEntry.objects.create(
        archive=archive, kind=kind, on=on, summary=summary.strip(), by=user
    )


def attention_add(*, student, category, since, note="", user=None) -> AttentionCategory:
    if category not in AttentionCategory.Category.values:
        raise ScreeningError(["类别：无效的关注类别。"])
    archive = archive_ensure(student=student, user=user)
    return AttentionCategory.objects.create(
        archive=archive, category=category, since=since, note=note
    )


def plan_save(*, student, goals, actions, responsible, review_on, user=None) -> SupportPlan:
    errors = [
        f"{label}：不能为空。"
        for label, value in (("目标", goals), ("措施", actions), ("责任人", responsible))
        if not str(value).strip()
    ]
    if errors:
        raise ScreeningError(errors)
    archive = archive_ensure(student=student, user=user)
    plan, _ = SupportPlan.objects.update_or_create(
        archive=archive,
        defaults={
            "goals": goals,
            "actions": actions,
            "responsible": responsible,
            "review_on": review_on,
        },
    )
    return plan


def referral_record(*, student, user=None, **fields) -> Referral:
    if not fields.get("institution", "").strip():
        raise ScreeningError(["转介机构：不能为空。"])
    archive_ensure(student=student, user=user)
    return Referral.objects.create(
        student=student, school_id=student.school_id, created_by=user, **fields
    )


def return_plan_save(*, referral: Referral, returned_on, plan: str, **done) -> ReturnPlan:
    obj, _ = ReturnPlan.objects.update_or_create(
        referral=referral, defaults={"returned_on": returned_on, "plan": plan, **done}
    )
    return obj


@transaction.atomic
def case_member_add(*, student, member, user) -> CaseMember:
    """Add a member of the school's staff to the student's temporary counselling group; a plain
    teacher gains back-office access for it (``membership_sync_groups``)."""
    from schools.services import membership_sync_groups

    if not Membership.objects.active().filter(user=member, school_id=student.school_id).exists():
        raise ScreeningError(["用户名：这位教职工目前不在本校任职，不能加入临时辅导小组。"])
    existing = CaseMember.objects.filter(
        student=student, user=member, removed_at__isnull=True
    ).first()
    case = existing or CaseMember.objects.create(student=student, user=member, added_by=user)
    membership_sync_groups(user=member)
    return case


@transaction.atomic
def case_member_remove(*, student, member) -> int:
    """End a membership; the member loses the case, and the back office if it was their only
    reason to have it."""
    from schools.services import membership_sync_groups

    removed = CaseMember.objects.filter(
        student=student, user=member, removed_at__isnull=True
    ).update(removed_at=timezone.now())
    membership_sync_groups(user=member)
    return removed


# --- retention: a student's screening records, deleted with the student ----------------------

# What screening keeps about a student, in an order that deletes cleanly (warnings point at
# results; an archive takes its entries, categories and plan with it; a referral its return
# plan).
STUDENT_RECORDS = (
    ("转介", Referral),
    ("预警", Warning),
    ("测评结果", ScreeningResult),
    ("心理档案", Archive),
    ("知情同意", GuardianConsent),
    ("个案小组成员", CaseMember),
)


def student_records_count(*, student_ids) -> dict[str, int]:
    """How many screening records of each kind the students have (for a dry run)."""
    return {
        label: model.objects.filter(student_id__in=student_ids).count()
        for label, model in STUDENT_RECORDS
    }


def student_records_delete(*, student_ids) -> dict[str, int]:
    """Delete the students' screening records (the caller holds the transaction that also
    deletes the students). Returns how many of each kind went."""
    counts = {}
    for label, model in STUDENT_RECORDS:
        counts[label] = model.objects.filter(student_id__in=student_ids).count()
        model.objects.filter(student_id__in=student_ids).delete()
    return counts
