"""Guardian consent (知情同意): recording, withdrawing, the bulk form and the consent import."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from portal import spreadsheets
from portal.spreadsheets import Column, ImportRejected, Table
from schools.models import Student

from ..models import (
    GuardianConsent,
    ScreeningRound,
)
from ..selectors import CONSENT_AGE, round_target_students
from .common import (
    STUDENT_NUMBER_COLUMN,
    STUDENT_NUMBER_HEADERS,
    ScreeningError,
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


NOT_CONSENT_BASIS = (
    "本批次的测评依据不是“监护人知情同意”，无需登记同意；如需更改，请先编辑批次的依据。"
)


def _consent_basis_check(round: ScreeningRound) -> None:
    if round.basis != ScreeningRound.Basis.CONSENT:
        raise ScreeningError([NOT_CONSENT_BASIS])


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


def _words_parser(words: dict, options: list[str]):
    """A cell parser for one of ``words`` ({value: spellings})."""
    return spreadsheets.choice(
        {word: value for value, spellings in words.items() for word in sorted(spellings)},
        options=options,
    )


def _consent_column(key: str, name: str, **kwargs) -> Column:
    return Column(name, aliases=tuple(sorted(CONSENT_HEADERS[key] - {name})), key=key, **kwargs)


CONSENT_SCHEMA = spreadsheets.Schema(
    [
        STUDENT_NUMBER_COLUMN,
        _consent_column(
            "status",
            "同意情况",
            blank_ok=False,
            parse=_words_parser(CONSENT_STATUS_WORDS, ["同意", "不同意", "撤回"]),
        ),
        _consent_column("guardian_name", "监护人姓名", required=False),
        _consent_column(
            "relationship",
            "与学生关系",
            required=False,
            parse=_words_parser(
                RELATIONSHIP_WORDS, ["父亲", "母亲", "祖父母/外祖父母", "其他监护人"]
            ),
        ),
        _consent_column(
            "method",
            "获取方式",
            required=False,
            parse=_words_parser(METHOD_WORDS, ["纸质回执", "在线", "电话", "当面"]),
        ),
        _consent_column("decided_on", "监护人表态日期", required=False, parse=spreadsheets.date),
        _consent_column("note", "备注", required=False),
    ]
)


@transaction.atomic
def consents_import(
    *,
    round: ScreeningRound,
    rows: Table | list[list],
    user,
    default_date: datetime.date | None = None,
) -> int:
    """Import guardians' decisions from a table (a read file, or rows with the header first),
    all or nothing: ``spreadsheets.ImportRejected`` naming every bad row and column.

    Columns: 学号 and 同意情况 (同意 / 不同意 / 撤回); optionally 监护人姓名, 与学生关系,
    获取方式, 监护人表态日期, 备注. A fixed number of queries however many rows.
    """
    if round.basis != ScreeningRound.Basis.CONSENT:
        raise ImportRejected(NOT_CONSENT_BASIS)
    today = _today()
    default_date = default_date or today
    table = rows if isinstance(rows, Table) else spreadsheets.table_from_rows(rows)
    students = dict(
        Student.objects.filter(school_id=round.school_id).values_list("student_number", "pk")
    )
    target_ids = set(round_target_students(round=round).values_list("pk", flat=True))
    seen: dict[str, int] = {}

    def check(row_number, row):
        number = row["student_number"]
        student_id = students.get(number)
        if number in seen:
            row.error("学号", f"学号 {number} 与第 {seen[number]} 行重复。")
        elif student_id is None:
            row.error("学号", f"本校没有学号 {number}。")
        elif student_id not in target_ids:
            row.error("学号", f"学号 {number} 的学生不在本批次的目标年级或班级中。")
        if number:
            seen.setdefault(number, row_number)
        entry = ConsentEntry(
            status=row["status"] or GuardianConsent.Status.GIVEN,
            decided_on=row["decided_on"] or default_date,
            guardian_name=row["guardian_name"],
            relationship=row["relationship"] or "",
            method=row["method"] or "",
            note=row["note"][:200],
        )
        # The same rules as the form; each problem is told under its column.
        for column, message in entry.problems(today=today):
            row.error(column, message)
        return student_id, entry

    def write(checked):
        return _consents_write(round=round, entries=dict(checked), user=user)

    # The whole import is one transaction already.
    return spreadsheets.rows_run(table, CONSENT_SCHEMA, check, write=write, atomic=False)
