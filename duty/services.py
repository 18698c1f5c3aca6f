"""Writes for the duty app: roster import and generation, incidents and their reports,
optimistic concurrency, reminders. Every write is validated first and runs in a transaction,
so bad input leaves nothing half-written."""

import calendar
import datetime
import logging
import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal import spreadsheets
from portal.spreadsheets import Column
from schools.models import Membership, Student

from .models import (
    ATTACHMENT_KINDS,
    DutyAssignment,
    DutyRole,
    DutyRotationSlot,
    EntryKind,
    IncidentEntry,
    IncidentReport,
    IncidentRevision,
    IncidentStatus,
)
from .selectors import (
    duty_eligibility_error,
    duty_phone_missing,
)

log = logging.getLogger(__name__)

# A stated time may be this much ahead of the server clock (clock skew of a phone).
FUTURE_TOLERANCE = datetime.timedelta(minutes=2)


# --- roster --------------------------------------------------------------------------------


ROLE_WORDS = {
    "带班领导": DutyRole.LEADER,
    "领导": DutyRole.LEADER,
    "leader": DutyRole.LEADER,
    "值班干部": DutyRole.CADRE,
    "中层干部": DutyRole.CADRE,
    "干部": DutyRole.CADRE,
    "cadre": DutyRole.CADRE,
}
# The model's field names are given to their columns (its validation errors are told there).
ROSTER_SCHEMA = spreadsheets.Schema(
    [
        Column("日期", blank_ok=False, parse=spreadsheets.date, fields=("date",)),
        Column(
            "值班类别",
            blank_ok=False,
            parse=spreadsheets.choice(ROLE_WORDS, options=["带班领导", "值班干部"]),
            fields=("duty_role",),
        ),
        Column("账号", blank_ok=False, fields=("person",)),
        Column("姓名", required=False),
        # Optional, and only checked: the number is the staff record's (one number everywhere).
        Column("值班电话", required=False),
    ]
)


def roster_import(*, school, content, filename: str) -> int:
    """Import a school's roster. Every row is checked first; one bad row → nothing written
    (``spreadsheets.ImportRejected`` naming every bad row and column).

    The duty of each date in the file is replaced by the file's rows. Returns rows written.
    """
    from django.contrib.auth import get_user_model

    table = spreadsheets.table_read(name=filename, data=content)
    usernames = set(ROSTER_SCHEMA.column_texts(table, "账号"))
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    members = {}
    for m in Membership.objects.filter(school=school, user__in=users.values()):
        members.setdefault(m.user_id, []).append(m)
    seen: dict[tuple, int] = {}
    leaders: dict[datetime.date, int] = {}

    def check(number, row):
        day, role, username = row["日期"], row["值班类别"], row["账号"]
        user = users.get(username)
        if username and user is None:
            row.error("账号", f"找不到账号“{username}”。")
        elif user is not None and day is not None:
            problem = duty_eligibility_error(
                person=user,
                school=school,
                day=day,
                duty_role=role,
                memberships=members.get(user.pk, []),
                label=f"{user}（{username}）",
            )
            if problem:
                field, message = problem
                row.error("账号" if field == "person" else "值班类别", message)
        if user is not None:
            missing = duty_phone_missing(person=user)
            if missing:
                row.error("账号", missing)
            elif row["值班电话"] and row["值班电话"] != user.phone:
                row.error(
                    "值班电话",
                    f"与 {user} 教职工档案中的手机号码（{user.phone}）不一致；"
                    "值班电话取自教职工档案，如需更改请修改档案，或留空此列。",
                )
        if user is None or day is None or role is None:
            return None
        if (day, user.pk) in seen:
            row.error("账号", f"{user} 在 {day:%Y-%m-%d} 已在第 {seen[day, user.pk]} 行安排过。")
        seen.setdefault((day, user.pk), number)
        if role == DutyRole.LEADER:
            if day in leaders:
                row.error(
                    "值班类别",
                    f"{day:%Y-%m-%d} 已在第 {leaders[day]} 行安排带班领导，每天只能有一位。",
                )
            leaders.setdefault(day, number)
        assignment = DutyAssignment(school=school, date=day, duty_role=role, person=user)
        if row.ok:
            assignment.full_clean(
                exclude=["school", "person"], validate_unique=False, validate_constraints=False
            )
        return assignment

    def write(rows):
        DutyAssignment.objects.filter(school=school, date__in={r.date for r in rows}).delete()
        DutyAssignment.objects.bulk_create(rows)
        return len(rows)

    return spreadsheets.rows_run(table, ROSTER_SCHEMA, check, write=write)


def roster_generate_month(
    *, school, year: int, month: int, replace: bool = False, from_day: datetime.date | None = None
) -> dict:
    """Fill a month from the school's weekly rotation.

    Days that already have duty rows are kept unless ``replace``. A rotation person who is not
    a member of the school on a day is an error, and then nothing is written.
    """
    slots = list(DutyRotationSlot.objects.filter(school=school).select_related("person"))
    if not slots:
        raise ValidationError("该校还没有每周轮值表，请先在“每周轮值表”中安排。")
    days = [
        datetime.date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if from_day is None or datetime.date(year, month, d) >= from_day
    ]
    existing = set(
        DutyAssignment.objects.filter(school=school, date__in=days).values_list("date", flat=True)
    )
    memberships = {}
    for m in Membership.objects.filter(school=school, user__in=[s.person_id for s in slots]):
        memberships.setdefault(m.user_id, []).append(m)
    errors, rows = [], []
    for day in days:
        if day in existing and not replace:
            continue
        for slot in (s for s in slots if s.weekday == day.weekday()):
            problem = duty_eligibility_error(
                person=slot.person,
                school=school,
                day=day,
                duty_role=slot.duty_role,
                memberships=memberships.get(slot.person_id, []),
                when="当天",
            )
            if problem:
                errors.append(f"{day:%Y-%m-%d}：{problem[1]}")
                continue
            missing = duty_phone_missing(person=slot.person)
            if missing:
                errors.append(f"{slot.get_weekday_display()}：{missing}")
                continue
            rows.append(
                DutyAssignment(
                    school=school, date=day, duty_role=slot.duty_role, person=slot.person
                )
            )
    if errors:
        raise ValidationError(sorted(set(errors)))
    with transaction.atomic():
        if replace:
            DutyAssignment.objects.filter(school=school, date__in=days).delete()
        DutyAssignment.objects.bulk_create(rows)
    filled = {r.date for r in rows}
    return {"created": len(rows), "days": len(filled), "kept": len(existing) if not replace else 0}


def roster_row_check(
    *, school, person, day, duty_role, exclude_pk=None, dated: bool = True
) -> None:
    """The checks for one roster row typed into a form: the person works at the school that
    day and holds a post eligible for the duty, and has a mobile on their staff record."""
    errors = {}
    if school and person and day:
        problem = duty_eligibility_error(person=person, school=school, day=day, duty_role=duty_role)
        if problem:
            errors["person"] = problem[1]
        else:
            missing = duty_phone_missing(person=person)
            if missing:
                errors["person"] = missing
    if dated and school and day and duty_role == DutyRole.LEADER:
        others = DutyAssignment.objects.filter(school=school, date=day, duty_role=DutyRole.LEADER)
        if exclude_pk:
            others = others.exclude(pk=exclude_pk)
        if others.exists():
            errors["duty_role"] = f"{day:%Y-%m-%d} 已有带班领导，每天只能有一位。"
    if errors:
        raise ValidationError(errors)


def rotation_slot_add(*, by, school, weekday: int, duty_role: str, person) -> DutyRotationSlot:
    """Add one line to a school's weekly rotation, with the checks of the back-office form:
    ``by`` arranges duty at the school and ``person`` works there today in a post eligible
    for the duty, with a mobile on their staff record."""
    from .selectors import roster_schools_managed_by

    if not roster_schools_managed_by(user=by).filter(pk=school.pk).exists():
        raise ValidationError({"school": "您不能为这所学校安排值班。"})
    roster_row_check(school=school, person=person, day=timezone.localdate(), duty_role=duty_role)
    slot = DutyRotationSlot(school=school, weekday=weekday, duty_role=duty_role, person=person)
    slot.full_clean()
    slot.save()
    return slot


# --- incidents -----------------------------------------------------------------------------


def _students_from_numbers(*, school, numbers) -> list[Student]:
    wanted = [n.strip() for n in numbers if n and n.strip()]
    found = {
        s.student_number: s
        for s in Student.objects.filter(school=school, student_number__in=wanted)
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        raise ValidationError(
            {"student_numbers": f"本校没有学号为 {'、'.join(missing)} 的学生，请核对。"}
        )
    return [found[n] for n in dict.fromkeys(wanted)]


def _check_times(
    *, occurred_at, discovered_at, now, parents_contacted_at=None, leader_arrived_at=None
) -> None:
    errors = {}
    for field, value, label in (
        ("parents_contacted_at", parents_contacted_at, "联系家长时间"),
        ("leader_arrived_at", leader_arrived_at, "带班领导到场时间"),
    ):
        if value and value > now + FUTURE_TOLERANCE:
            errors[field] = f"{label}不能晚于当前时间。"
        elif value and occurred_at and value < occurred_at:
            errors[field] = f"{label}不能早于事件发生时间。"
    if discovered_at and discovered_at > now + FUTURE_TOLERANCE:
        errors["discovered_at"] = "发现时间不能晚于当前时间。"
    if occurred_at and occurred_at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = "发生时间不能晚于当前时间。"
    if occurred_at and discovered_at and discovered_at < occurred_at:
        errors["discovered_at"] = "发现时间不能早于发生时间。"
    if errors:
        raise ValidationError(errors)


def _check_police(*, police_involved: bool, police_guidance: str) -> None:
    if (police_guidance or "").strip() and not police_involved:
        raise ValidationError(
            {
                "police_involved": "已填写公安指导意见，请勾选“公安介入”；没有公安介入请清空指导意见。"
            }
        )


def incident_create(
    *,
    user,
    school,
    category: str,
    occurred_at,
    discovered_at,
    place: str,
    first_facts: str,
    student_numbers=(),
    public_opinion_note: str = "",
    parents_contacted_at=None,
    leader_arrived_at=None,
    police_involved: bool = False,
    police_guidance: str = "",
    now=None,
) -> IncidentReport:
    """File an incident. The clocks start at ``discovered_at``; ``created_at`` is the server's."""
    from .selectors import incident_schools_reportable_by

    now = now or timezone.now()
    if not incident_schools_reportable_by(user=user).filter(pk=school.pk).exists():
        raise ValidationError({"school": "只能为本校登记事件。"})
    _check_times(
        occurred_at=occurred_at,
        discovered_at=discovered_at,
        now=now,
        parents_contacted_at=parents_contacted_at,
        leader_arrived_at=leader_arrived_at,
    )
    _check_police(police_involved=police_involved, police_guidance=police_guidance)
    students = _students_from_numbers(school=school, numbers=student_numbers)
    incident = IncidentReport(
        school=school,
        category=category,
        occurred_at=occurred_at,
        discovered_at=discovered_at,
        place=place,
        first_facts=first_facts,
        reporter=user,
        public_opinion_note=public_opinion_note,
        parents_contacted_at=parents_contacted_at,
        leader_arrived_at=leader_arrived_at,
        police_involved=police_involved,
        police_guidance=police_guidance.strip(),
        created_at=now,
        updated_at=now,
        updated_by=user,
    )
    incident.full_clean(exclude=["students"])
    with transaction.atomic():
        incident.save()
        incident.students.set(students)
    return incident


class IncidentConflict(Exception):
    """Someone else saved the incident after the user opened it."""

    def __init__(self, *, current, revisions):
        self.current = current
        self.revisions = list(revisions)
        names = "、".join(sorted({str(r.changed_by) for r in self.revisions})) or "其他用户"
        super().__init__(
            f"保存失败：在您打开此报告之后，{names} 已修改并保存了它。为避免覆盖对方的修改，"
            "您的修改没有保存。请查看下方列出的变更，在最新版本上重新修改。"
        )


EDITABLE_FIELDS = (
    "category",
    "occurred_at",
    "discovered_at",
    "place",
    "first_facts",
    "public_opinion_note",
    "parents_contacted_at",
    "leader_arrived_at",
    "police_involved",
    "police_guidance",
)


def _display(incident, field, value):
    if value is None or value == "":
        return "（空）"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if field == "category":
        return dict(IncidentReport._meta.get_field("category").choices).get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    return text if len(text) <= 80 else text[:80] + "…"


def incident_update(
    *, incident_id: int, user, expected_version: int, data: dict, student_numbers=None, now=None
) -> IncidentReport:
    """Save an edit unless someone saved in between (then ``IncidentConflict``, nothing saved).

    The check and the write are one conditional UPDATE on ``version``, so two concurrent saves
    can never both succeed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = IncidentReport.objects.select_related("school").get(pk=incident_id)
        if current.version != expected_version:
            raise IncidentConflict(
                current=current,
                revisions=current.revisions.filter(version__gt=expected_version).select_related(
                    "changed_by"
                ),
            )
        if current.status == IncidentStatus.CLOSED:
            raise ValidationError("事件已结案，报告内容不能再修改。")
        values = {f: data.get(f, getattr(current, f)) for f in EDITABLE_FIELDS}
        _check_times(
            occurred_at=values["occurred_at"],
            discovered_at=values["discovered_at"],
            now=now,
            parents_contacted_at=values["parents_contacted_at"],
            leader_arrived_at=values["leader_arrived_at"],
        )
        _check_police(
            police_involved=values["police_involved"], police_guidance=values["police_guidance"]
        )
        changes = []
        for field in EDITABLE_FIELDS:
            old, new = getattr(current, field), values[field]
            if old != new:
                changes.append(
                    {
                        "field": str(IncidentReport._meta.get_field(field).verbose_name),
                        "old": _display(current, field, old),
                        "new": _display(current, field, new),
                    }
                )
        students = None
        if student_numbers is not None:
            students = _students_from_numbers(school=current.school, numbers=student_numbers)
            old_ids = set(current.students.values_list("pk", flat=True))
            if old_ids != {s.pk for s in students}:
                changes.append(
                    {"field": "涉及学生", "old": f"{len(old_ids)} 名", "new": f"{len(students)} 名"}
                )
        for field, value in values.items():
            setattr(current, field, value)
        current.full_clean(exclude=["students"])
        if not changes:
            return current
        updated = IncidentReport.objects.filter(pk=incident_id, version=expected_version).update(
            **values, version=F("version") + 1, updated_at=now, updated_by=user
        )
        if updated != 1:  # lost the race between the read and the write
            current.refresh_from_db()
            raise IncidentConflict(
                current=current,
                revisions=current.revisions.filter(version__gt=expected_version).select_related(
                    "changed_by"
                ),
            )
        if students is not None:
            current.students.set(students)
        IncidentRevision.objects.create(
            incident=current,
            version=expected_version + 1,
            changed_at=now,
            changed_by=user,
            changes=changes,
        )
    current.refresh_from_db()
    return current


def incident_entry_add(
    *,
    incident,
    user,
    kind: str,
    happened_at,
    content: str,
    caller: str = "",
    callee: str = "",
    attachment=None,
    now=None,
) -> IncidentEntry:
    """Add a report to the timeline. ``entered_at`` is the server's time; ``happened_at`` the
    user's. A final report closes the incident. The written and the final report may carry
    an attachment (stored privately, see ``IncidentEntry.attachment``)."""
    now = now or timezone.now()
    errors = {}
    if incident.status == IncidentStatus.CLOSED:
        raise ValidationError("事件已结案，不能再添加报告。")
    if happened_at is None:
        errors["happened_at"] = "请填写报告时间。"
    elif happened_at > now + FUTURE_TOLERANCE:
        errors["happened_at"] = "报告时间不能晚于当前时间。"
    elif happened_at < incident.discovered_at:
        errors["happened_at"] = "报告时间不能早于事件发现时间。"
    if not content.strip():
        errors["content"] = "请填写报告内容。"
    if kind == EntryKind.PHONE:
        if not caller.strip():
            errors["caller"] = "请填写打电话报告的人。"
        if not callee.strip():
            errors["callee"] = "请填写市局接报人。"
    existing = set(incident.entries.values_list("kind", flat=True))
    if kind in (EntryKind.PHONE, EntryKind.WRITTEN, EntryKind.FINAL) and kind in existing:
        errors["kind"] = f"该事件已有{EntryKind(kind).label}；补充情况请用“续报”。"
    if kind == EntryKind.FINAL and EntryKind.WRITTEN not in existing:
        errors["kind"] = "书面报告尚未登记，不能提交终结报告。"
    if attachment is not None:
        problem = attachment_problem(kind=kind, attachment=attachment)
        if problem:
            errors["attachment"] = problem
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = IncidentEntry.objects.create(
            incident=incident,
            kind=kind,
            happened_at=happened_at,
            entered_at=now,
            entered_by=user,
            caller=caller.strip(),
            callee=callee.strip(),
            content=content.strip(),
        )
        if attachment is not None:
            name = os.path.basename(attachment.name)[:200]
            entry.attachment_name = name
            entry.attachment.save(name, attachment, save=False)
            entry.save(update_fields=["attachment", "attachment_name"])
        if kind == EntryKind.FINAL:
            IncidentReport.objects.filter(pk=incident.pk).update(
                status=IncidentStatus.CLOSED,
                closed_at=now,
                version=F("version") + 1,
                updated_at=now,
                updated_by=user,
            )
            incident.refresh_from_db()
    return entry


ATTACHMENT_TYPES = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx")
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def attachment_problem(*, kind: str, attachment) -> str | None:
    """Why an entry's attachment is refused, or None."""
    if kind not in ATTACHMENT_KINDS:
        return "只有书面报告和终结报告可以附加文件。"
    from portal.storage import upload_problem
    from portal.uploads import attached_file_problem

    problem = attached_file_problem(
        upload=attachment,
        kinds=ATTACHMENT_TYPES,
        max_bytes=ATTACHMENT_MAX_BYTES,
        described="PDF、图片（JPG、PNG）、Word 或 Excel",
    )
    if problem:
        return problem

    return upload_problem(folder="duty")


# --- safety checks: ``duty.safety`` (checks, their checklists, overdue fixes) -------------

# --- reminders: ``duty.reminders`` ------------------------------------------------------------
from .reminders import notice_mark_read, reminders_send  # noqa: E402, F401
from .safety import safety_check_add, safety_check_check  # noqa: E402, F401
