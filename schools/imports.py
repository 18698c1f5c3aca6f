"""Staff and student imports from .xlsx / .csv: all rows or none.

A file is read into rows of ``{header: text}``; every row is checked against the school and
the rest of the file before anything is written. Any problem → ``ImportFailed`` holding a list
of Chinese messages that name the spreadsheet row (the header is row 1) and the column, and
nothing is written. Classes named in a student file must already exist (an unknown class is an
error, never silently created: a typo would otherwise make a new class).
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import phone_validator
from portal import spreadsheets

from . import access
from .models import Membership, SchoolClass, Student
from .services import staff_role_check
from .vocab import (
    BUREAU_ROLES,
    DEFAULT_STAFF_ROLE,
    GRADE_ROLES,
    PSYCH_ROLES,
    ROLE_ALIASES,
    Gender,
    PsychEmployment,
    Role,
    grade_from_label,
)

MAX_ROWS = spreadsheets.MAX_ROWS
PROGRESS_EVERY = 250
# Files with more staff rows than this are imported by a background task with a progress page.
STAFF_INLINE_ROWS = 300

STUDENT_COLUMNS = ["学号", "姓名", "性别", "出生日期", "年级", "班级", "监护人", "监护人电话"]
STUDENT_REQUIRED = ["学号", "姓名", "性别", "出生日期", "班级"]
STAFF_COLUMNS = ["用户名", "姓名", "手机", "角色", "分管年级", "专兼职"]
STAFF_REQUIRED = ["用户名", "姓名", "角色"]

KINDS = {
    "students": ("学生", STUDENT_COLUMNS),
    "staff": ("教职工", STAFF_COLUMNS),
}


class ImportFailed(Exception):
    """Nothing was written; ``errors`` (at most 200 shown, ``errors.total`` in all) say why."""

    def __init__(self, errors: list[str]):
        self.errors = spreadsheets.errors_capped(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class Table:
    """A read file: its header row and its non-blank data rows with their row numbers."""

    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class ImportResult:
    count: int
    # New staff accounts (username, name, user id): each gets a first-login link.
    new_accounts: list[tuple[str, str, int]] = field(default_factory=list)


# --- reading files ----------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_read(*, name: str, data, max_rows: int = MAX_ROWS) -> list[list]:
    """The cells of an uploaded .xlsx or .csv (UTF-8 or GBK), header first, read by
    ``portal.spreadsheets`` with its hard limits; ImportFailed with the user's message."""
    try:
        return spreadsheets.rows_read(
            name=name, data=data, limits=spreadsheets.Limits(max_rows=max_rows)
        )
    except spreadsheets.SpreadsheetRejected as exc:
        raise ImportFailed(exc.errors) from None


def table_read(*, name: str, data) -> Table:
    """Read an uploaded .xlsx or .csv into its headers and ``[(row_number, {header: text})]``.

    Blank rows are skipped; row numbers are those the user sees in the spreadsheet.
    """
    raw = rows_read(name=name, data=data)
    if not raw:
        raise ImportFailed(["文件是空的。"])
    headers = [_cell_text(h) for h in raw[0]]
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue
        rows.append(
            (number, {h: (texts[i] if i < len(texts) else "") for i, h in enumerate(headers) if h})
        )
    return Table(headers=[h for h in headers if h], rows=rows)


def _check_headers(table: Table, required: list[str]) -> None:
    missing = [c for c in required if c not in table.headers]
    if missing:
        raise ImportFailed([f"缺少列：{'、'.join(missing)}（第 1 行应为表头）。"])


# --- parsing cells ------------------------------------------------------------------------------

_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]


def date_parse(value) -> datetime.date | None:
    """A date from a spreadsheet cell: a date/datetime cell, or text such as 2026-03-15,
    2026/3/15, 2026.03.15, 20260315 or 2026年3月15日. ``None`` if it is not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _cell_text(value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _phone_ok(text: str) -> bool:
    try:
        phone_validator(text)
    except ValidationError:
        return False
    return True


_GENDERS = {label: value for value, label in Gender.choices} | {"男性": "M", "女性": "F"}
_ROLES = {label: value for value, label in Role.choices} | ROLE_ALIASES
_EMPLOYMENT = {label: value for value, label in PsychEmployment.choices}


# --- students -----------------------------------------------------------------------------------


def student_import(*, by, school, table: Table) -> ImportResult:
    """Create the students in ``rows`` at ``school``; all or none."""
    from .selectors import student_schools_managed_by

    if not student_schools_managed_by(user=by).filter(pk=school.pk).exists():
        raise ImportFailed(["您不能向这所学校导入学生：学生名册由本校学校管理员维护。"])
    body = table.rows
    _check_headers(table, STUDENT_REQUIRED)
    if not body:
        raise ImportFailed(["文件中没有学生数据。"])
    classes = {c.name: c for c in SchoolClass.objects.filter(school=school)}
    existing = set(
        Student.objects.filter(
            school=school, student_number__in=[r.get("学号", "") for _, r in body]
        ).values_list("student_number", flat=True)
    )
    errors, seen, students = [], {}, []
    today = datetime.date.today()
    for number, row in body:

        def err(column, message, number=number):
            errors.append(f"第 {number} 行“{column}”：{message}")

        sn = row.get("学号", "")
        if not sn:
            err("学号", "不能为空。")
        elif len(sn) > 30:
            err("学号", "不能超过 30 个字符。")
        elif sn in seen:
            err("学号", f"与第 {seen[sn]} 行重复。")
        elif sn in existing:
            err("学号", "本校已有该学号的学生。")
        else:
            seen[sn] = number
        name = row.get("姓名", "")
        if not name:
            err("姓名", "不能为空。")
        elif len(name) > 50:
            err("姓名", "不能超过 50 个字符。")
        gender = _GENDERS.get(row.get("性别", ""))
        if gender is None:
            err("性别", "请填写“男”或“女”。")
        born = date_parse(row.get("出生日期", ""))
        if born is None:
            err("出生日期", "不是有效日期，请写成 2012-03-01 的格式。")
        elif born >= today or born.year < 1990:
            err("出生日期", "日期不合理。")
        school_class = classes.get(row.get("班级", ""))
        if school_class is None:
            err("班级", f"本校没有名为“{row.get('班级', '')}”的班级，请先在“班级”中建立。")
        grade_text = row.get("年级", "")
        if grade_text:
            grade = grade_from_label(grade_text)
            if grade is None:
                err("年级", f"无法识别的年级“{grade_text}”。")
            elif school_class is not None and grade != school_class.grade:
                err("年级", f"与班级“{school_class.name}”的年级不一致。")
        guardian = row.get("监护人", "")
        if len(guardian) > 50:
            err("监护人", "不能超过 50 个字符。")
        phone = row.get("监护人电话", "")
        if phone and not _phone_ok(phone):
            err("监护人电话", "不是有效的电话号码。")
        if not errors:
            students.append(
                Student(
                    school=school,
                    school_class=school_class,
                    student_number=sn,
                    name=name,
                    gender=gender,
                    birth_date=born,
                    guardian_name=guardian,
                    guardian_phone=phone,
                )
            )
    if errors:
        raise ImportFailed(errors)
    with transaction.atomic():
        Student.objects.bulk_create(students, batch_size=500)
    return ImportResult(count=len(students))


# --- staff --------------------------------------------------------------------------------------


def staff_import_check(*, by, school, table: Table, progress=None) -> list[dict]:
    """Check every row of a staff file against the school and the rest of the file; writes
    nothing and takes no lock. The planned rows, or ImportFailed naming row and column.
    ``progress(rows_checked)`` is called every :data:`PROGRESS_EVERY` rows."""
    body = table.rows
    _check_headers(table, STAFF_REQUIRED)
    if not body:
        raise ImportFailed(["文件中没有教职工数据。"])
    try:
        staff_role_check(by=by, school=school, role=DEFAULT_STAFF_ROLE)
    except ValidationError:
        raise ImportFailed(["您不能向这所学校导入教职工。"]) from None
    User = get_user_model()
    username_field = User._meta.get_field("username")
    errors, seen, planned = [], {}, []
    active = set(
        Membership.objects.active().filter(school=school).values_list("user__username", "role")
    )
    for index, (number, row) in enumerate(body, start=1):
        if progress and index % PROGRESS_EVERY == 0:
            progress(index)

        def err(column, message, number=number):
            errors.append(f"第 {number} 行“{column}”：{message}")

        username = row.get("用户名", "")
        if not username:
            err("用户名", "不能为空。")
        else:
            try:
                username_field.run_validators(username)
            except ValidationError:
                err("用户名", "只能包含字母、数字和 @/./+/-/_，且不超过 150 个字符。")
        name = row.get("姓名", "")
        if not name:
            err("姓名", "不能为空。")
        elif len(name) > 50:
            err("姓名", "不能超过 50 个字符。")
        phone = row.get("手机", "")
        if phone and not _phone_ok(phone):
            err("手机", "不是有效的电话号码。")
        role_text = row.get("角色", "")
        role = _ROLES.get(role_text)
        if role is None:
            err("角色", f"无法识别的角色“{role_text}”。")
        elif role in BUREAU_ROLES:
            err("角色", "不能通过学校导入设置市局角色。")
        grade = None
        grade_text = row.get("分管年级", "")
        if role in GRADE_ROLES:
            grade = grade_from_label(grade_text) if grade_text else None
            if not grade_text:
                err("分管年级", "年级组长必须填写分管年级。")
            elif grade is None:
                err("分管年级", f"无法识别的年级“{grade_text}”。")
            elif grade not in school.grades:
                err("分管年级", "该年级不属于这所学校的学段。")
        employment = ""
        emp_text = row.get("专兼职", "")
        if role in PSYCH_ROLES:
            employment = _EMPLOYMENT.get(emp_text, "")
            if not employment:
                err("专兼职", "心理健康教育教师必须填写“专职”或“兼职”。")
        if username and role:
            key = (username, role)
            if key in seen:
                err("角色", f"与第 {seen[key]} 行重复（同一用户、同一角色）。")
            elif key in active:
                err("角色", f"用户“{username}”在本校已有此角色。")
            seen[key] = number
        planned.append(
            dict(
                row=number,
                username=username,
                real_name=name,
                phone=phone,
                role=role,
                grade=grade,
                psych_employment=employment,
            )
        )
    if errors:
        raise ImportFailed(errors)
    return planned


CLASHED = (
    "导入时有人同时添加了相同的用户名或岗位（例如另一份名单正在导入），"
    "本次没有导入任何数据。请稍后重新上传这份文件。"
)
BUSY = (
    "数据库正忙（另一份名单或其他大批量操作正在写入），本次没有导入任何数据。"
    "请稍后重新上传这份文件。"
)
# PostgreSQL's SQLSTATEs of a transaction that lost to a concurrent one and may be retried:
# serialization failure, deadlock, lock not available.
_CONTENDED = {"40001", "40P01", "55P03"}


def _contended(exc) -> bool:
    """Whether a database error is another writer in the way (not a fault of the data)."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in _CONTENDED:
        return True
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


def _ensured(ensure):
    """Run a get-or-create helper; when a concurrent import created the same row first
    (a unique constraint refused ours), the second run finds it."""
    from django.db import IntegrityError

    try:
        return ensure()
    except IntegrityError:
        return ensure()


def staff_import_write(*, by, school, planned: list[dict]) -> ImportResult:
    """Write checked rows in one short transaction: no password is hashed (new accounts get
    an unusable password and a first-login link), users, roles and groups go in bulk, so the
    database's write lock is held for about a second even for thousands of rows. All or
    nothing.

    Concurrent imports: the school's row is locked first, so two imports into one school
    write one after the other (PostgreSQL; SQLite's write lock is taken at BEGIN) and the
    second is told row by row what the first already added. Accounts are inserted in
    username order, so imports into different schools cannot deadlock. Someone else taking a
    username meanwhile, or a database too busy to wait for → ImportFailed, nothing written.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import IntegrityError, OperationalError

    from .hooks import school_role_groups
    from .models import School
    from .services import (
        GROUP_BACK_OFFICE,
        membership_sync_groups,
        role_groups_ensure,
    )

    User = get_user_model()
    try:
        # Groups and the school's folder exist before the transaction (created at most once).
        back_office = _ensured(role_groups_ensure)[GROUP_BACK_OFFICE]
        # Other apps' groups for these roles at this school (resources: the school's
        # documents, for its admins and leaders), created before the transaction.
        roles_in_file = {p["role"] for p in planned}
        back_office_roles = access.roles_holding("portal.backoffice")
        more_groups = _ensured(lambda: school_role_groups(school=school, roles=roles_in_file))
    except OperationalError as exc:
        if _contended(exc):
            raise ImportFailed([BUSY]) from None
        raise
    # Everything that needs no database is built before the transaction, so the write lock is
    # held only for the inserts: an account for each username (its first row's name and
    # phone; no password, which is slow to make), a role for each row.
    first_of: dict[str, dict] = {}
    for p in planned:
        first_of.setdefault(p["username"], p)
    accounts = {
        name: User(
            username=name,
            real_name=p["real_name"],
            phone=p["phone"],
            password=make_password(None),  # unusable until the first-login link
        )
        for name, p in sorted(first_of.items())  # username order: no deadlocks
    }
    roles = [
        (
            p,
            Membership(
                school=school,
                role=p["role"],
                grade=p["grade"] if p["role"] in GRADE_ROLES else None,
                psych_employment=p["psych_employment"] if p["role"] in PSYCH_ROLES else "",
            ),
        )
        for p in planned
    ]
    try:
        with transaction.atomic():
            # One import at a time per school (waits here while another one writes).
            School.objects.select_for_update().filter(pk=school.pk).first()
            existing = {u.username: u for u in User.objects.filter(username__in=list(accounts))}
            new_users = {name: u for name, u in accounts.items() if name not in existing}
            User.objects.bulk_create(new_users.values(), batch_size=500)
            if new_users and any(u.pk is None for u in new_users.values()):
                ids = dict(
                    User.objects.filter(username__in=list(new_users)).values_list("username", "pk")
                )
                for name, user in new_users.items():
                    user.pk = user.id = ids[name]
            users = existing | new_users
            clash = Membership.objects.active().filter(
                school=school,
                user__in=list(existing.values()),
                role__in={p["role"] for p in planned},
            )
            clash_keys = set(clash.values_list("user__username", "role"))
            for p, membership in roles:
                if (p["username"], p["role"]) in clash_keys:
                    raise ImportFailed(
                        [f"第 {p['row']} 行“角色”：用户“{p['username']}”在本校已有此角色。"]
                    )
                membership.user_id = users[p["username"]].pk
            Membership.objects.bulk_create([m for _, m in roles], batch_size=500)
            # New accounts: their groups follow from the roles in this file alone.
            through = User.groups.through
            links = set()
            for p in planned:
                user = new_users.get(p["username"])
                if user is None:
                    continue
                if p["role"] in back_office_roles:
                    links.add((user.pk, back_office.pk))
                for group in more_groups.get(p["role"], ()):
                    links.add((user.pk, group.pk))
            through.objects.bulk_create(
                [through(user_id=u, group_id=g) for u, g in sorted(links)], batch_size=500
            )
            # Existing accounts (few): fill empty name/phone, recompute their groups.
            for name, user in sorted(existing.items()):
                first = first_of[name]
                changed = []
                if first["real_name"] and not user.real_name:
                    user.real_name = first["real_name"]
                    changed.append("real_name")
                if first["phone"] and not user.phone:
                    user.phone = first["phone"]
                    changed.append("phone")
                if changed:
                    user.save(update_fields=changed)
                membership_sync_groups(user=user)
    except IntegrityError:
        raise ImportFailed([CLASHED]) from None
    except OperationalError as exc:
        if _contended(exc):
            raise ImportFailed([BUSY]) from None
        raise
    return ImportResult(
        count=len(planned),
        new_accounts=[(u.username, u.real_name, u.pk) for u in new_users.values()],
    )


def staff_import(*, by, school, table: Table, progress=None) -> ImportResult:
    """Give the people in ``table`` their roles at ``school`` (creating accounts); all or
    none. Checked first without any lock, then written in one short transaction."""
    planned = staff_import_check(by=by, school=school, table=table, progress=progress)
    return staff_import_write(by=by, school=school, planned=planned)


# --- templates ----------------------------------------------------------------------------------

_EXAMPLES = {
    "students": [
        "20240001",
        "张小雨",
        "女",
        "2012-03-01",
        "七年级",
        "七年级（1）班",
        "张华",
        "13800000000",
    ],
    "staff": ["lihua", "李华", "13900000000", "心理健康教育教师", "", "专职"],
}


def template_xlsx(*, kind: str) -> bytes:
    """An .xlsx with the header row, and the allowed values on a second sheet."""
    label, columns = KINDS[kind]
    notes = [
        ["第一张表的第 1 行是表头，请勿修改；从第 2 行起每行一人。"],
        ["示例（请勿原样导入）：", *_EXAMPLES[kind]],
    ]
    if kind == "students":
        notes.append(["性别", "男 / 女"])
        notes.append(["出生日期", "2012-03-01 或 2012/3/1"])
        notes.append(["班级", "必须与系统中已建立的班级名称完全一致"])
        notes.append(["年级（可不填）", *[label for _, label in _grade_labels()]])
    else:
        notes.append(
            ["角色", *[label for value, label in Role.choices if value not in BUREAU_ROLES]]
        )
        notes.append(["分管年级", "仅年级组长填写，例如：七年级"])
        notes.append(["专兼职", "仅心理健康教育教师填写：专职 / 兼职"])
    return spreadsheets.xlsx_build(
        spreadsheets.Sheet(title=f"{label}名单", headers=columns, widths=[16] * len(columns)),
        spreadsheets.Sheet(title="填写说明", preface=notes),
    )


def template_csv(*, kind: str) -> bytes:
    """A UTF-8 (with BOM, so Excel opens it correctly) CSV with the header row."""
    _label, columns = KINDS[kind]
    return spreadsheets.csv_build(columns)


def _grade_labels():
    from .vocab import Grade

    return Grade.choices


# --- large staff files: a background task with progress ------------------------------------------


def staff_import_job_start(*, by, school, table: Table):
    """Queue a large staff import; returns the job (its page shows the progress)."""
    from .models import StaffImportJob
    from .tasks import staff_import_run

    job = StaffImportJob.objects.create(
        school=school,
        created_by=by,
        total=len(table.rows),
        headers=table.headers,
        rows=[[number, row] for number, row in table.rows],
    )
    staff_import_run.enqueue(job_id=job.pk)
    job.refresh_from_db()
    return job


def staff_import_job_run(*, job_id: int) -> None:
    """The task's work: check (progress saved every few hundred rows, each a tiny write of
    its own), then write everything in one short transaction. All or nothing."""
    from .models import StaffImportJob

    job = StaffImportJob.objects.select_related("school", "created_by").get(pk=job_id)
    if not job.running:
        return  # a task delivered twice does nothing the second time
    Status = StaffImportJob.Status

    def progress(checked: int) -> None:
        StaffImportJob.objects.filter(pk=job.pk).update(status=Status.CHECKING, checked=checked)

    table = Table(headers=job.headers, rows=[(number, row) for number, row in job.rows])

    def failed_with(errors) -> None:
        StaffImportJob.objects.filter(pk=job.pk).update(
            status=Status.FAILED, errors=list(errors), error_total=errors.total, rows=[]
        )

    try:
        progress(0)
        planned = staff_import_check(
            by=job.created_by, school=job.school, table=table, progress=progress
        )
        StaffImportJob.objects.filter(pk=job.pk).update(status=Status.WRITING, checked=job.total)
        result = staff_import_write(by=job.created_by, school=job.school, planned=planned)
    except ImportFailed as failed:
        failed_with(failed.errors)
        return
    except Exception:
        # Never a progress page stuck at "writing": the job says it failed (nothing was
        # written: the write is one transaction), the task backend keeps the traceback.
        failed_with(
            spreadsheets.errors_capped(
                [
                    "导入时出现意外错误，没有导入任何数据。请稍后重新上传；如果仍然失败，请联系系统管理员。"
                ]
            )
        )
        raise
    StaffImportJob.objects.filter(pk=job.pk).update(
        status=Status.DONE,
        checked=job.total,
        count=result.count,
        new_user_ids=[pk for _username, _name, pk in result.new_accounts],
        rows=[],
    )


def first_login_links(*, user_ids) -> list[tuple[str, str, str]]:
    """``(username, name, path)`` of a first-login link for each account that still has no
    password; the link lets its owner set one (valid for three days, and only until a
    password is set)."""
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.tokens import first_login_tokens

    User = get_user_model()
    links = []
    for user in User.objects.filter(pk__in=list(user_ids)).order_by("username"):
        if user.has_usable_password():
            continue
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = first_login_tokens.make_token(user)
        path = reverse("accounts:first_login", args=[uid, token])
        links.append((user.username, user.real_name, path))
    return links
