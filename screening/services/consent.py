"""Guardian consent (知情同意): recording, withdrawing, the bulk form and the consent import."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from schools.models import Student

from ..models import (
    GuardianConsent,
    ScreeningRound,
)
from ..selectors import CONSENT_AGE, round_target_students
from .common import (
    STUDENT_NUMBER_HEADERS,
    ScreeningError,
    _cell_date,
    _cell_text,
    _today,
)


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
