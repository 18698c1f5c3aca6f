"""Staff and student imports from .xlsx / .csv: all rows or none.

A file is read by ``portal.spreadsheets`` (``table_read``) and run through its row runner
(``rows_run``) against the column schemas below: every row is checked against the school and
the rest of the file before anything is written. Any problem → ``spreadsheets.ImportRejected``
holding every message ("第 N 行“列”：原因"; the header is row 1), and nothing is written.
Classes named in a student file must already exist (an unknown class is an error, never
silently created: a typo would otherwise make a new class).
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from portal import spreadsheets
from portal.spreadsheets import Column, ImportRejected, Table

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
PROGRESS_EVERY = spreadsheets.PROGRESS_EVERY
# Files with more staff rows than this are imported by a background task with a progress page.
STAFF_INLINE_ROWS = 300

_GENDERS = {label: value for value, label in Gender.choices} | {"男性": "M", "女性": "F"}
_ROLES = {label: value for value, label in Role.choices} | ROLE_ALIASES
_EMPLOYMENT = {label: value for value, label in PsychEmployment.choices}

STUDENT_SCHEMA = spreadsheets.Schema(
    [
        Column("学号", blank_ok=False, max_length=30),
        Column("姓名", blank_ok=False, max_length=50),
        Column("性别", blank_ok=False, parse=spreadsheets.choice(_GENDERS, options=["男", "女"])),
        Column("出生日期", blank_ok=False, parse=spreadsheets.date),
        Column("年级", required=False),
        Column("班级", blank_ok=False),
        Column("监护人", required=False, max_length=50),
        Column("监护人电话", required=False, parse=spreadsheets.phone),
    ]
)
STAFF_SCHEMA = spreadsheets.Schema(
    [
        Column("用户名", blank_ok=False),
        Column("姓名", blank_ok=False, max_length=50),
        # The staff record's contacts: the one mobile duty lists and reminders use, and the
        # address notifications are mailed to.
        Column("手机", required=False, parse=spreadsheets.phone),
        Column("邮箱", required=False, parse=spreadsheets.email, max_length=254),
        Column("角色"),
        Column("分管年级", required=False),
        Column("专兼职", required=False),
    ]
)
STUDENT_COLUMNS = STUDENT_SCHEMA.names
STAFF_COLUMNS = STAFF_SCHEMA.names

KINDS = {
    "students": ("学生", STUDENT_COLUMNS),
    "staff": ("教职工", STAFF_COLUMNS),
}

# The one reader (``spreadsheets.table_read``), under the name the import pages call.
table_read = spreadsheets.table_read
# The old name of the one error type (the same class), kept for the callers that import it.
ImportFailed = ImportRejected


@dataclass
class ImportResult:
    count: int
    # New staff accounts (username, name, user id): each gets a first-login link.
    new_accounts: list[tuple[str, str, int]] = field(default_factory=list)


# --- students -----------------------------------------------------------------------------------


def student_import(*, by, school, table: Table) -> ImportResult:
    """Create the students in ``table`` at ``school``; all or none."""
    from .selectors import student_schools_managed_by

    if not student_schools_managed_by(user=by).filter(pk=school.pk).exists():
        raise ImportRejected(["您不能向这所学校导入学生：学生名册由本校学校管理员维护。"])
    classes = {c.name: c for c in SchoolClass.objects.filter(school=school)}
    existing = set(
        Student.objects.filter(
            school=school, student_number__in=STUDENT_SCHEMA.column_texts(table, "学号")
        ).values_list("student_number", flat=True)
    )
    seen: dict[str, int] = {}
    today = datetime.date.today()

    def check(number, row):
        sn = row["学号"]
        if sn in seen:
            row.error("学号", f"与第 {seen[sn]} 行重复。")
        elif sn in existing:
            row.error("学号", "本校已有该学号的学生。")
        elif sn:
            seen[sn] = number
        born = row["出生日期"]
        if born is not None and (born >= today or born.year < 1990):
            row.error("出生日期", "日期不合理。")
        school_class = classes.get(row["班级"])
        if row["班级"] and school_class is None:
            row.error("班级", f"本校没有名为“{row['班级']}”的班级，请先在“班级”中建立。")
        grade_text = row["年级"]
        if grade_text:
            grade = grade_from_label(grade_text)
            if grade is None:
                row.error("年级", f"无法识别的年级“{grade_text}”。")
            elif school_class is not None and grade != school_class.grade:
                row.error("年级", f"与班级“{school_class.name}”的年级不一致。")
        return Student(
            school=school,
            school_class=school_class,
            student_number=sn,
            name=row["姓名"],
            gender=row["性别"],
            birth_date=born,
            guardian_name=row["监护人"],
            guardian_phone=row["监护人电话"] or "",
        )

    students = spreadsheets.rows_run(
        table,
        STUDENT_SCHEMA,
        check,
        no_rows="文件中没有学生数据。",
        write=lambda students: _students_write(students, by=by),
    )
    return ImportResult(count=len(students))


def _students_write(students: list[Student], *, by) -> list[Student]:
    from .services import students_enrolled

    created = Student.objects.bulk_create(students, batch_size=500)
    students_enrolled(students=created, by=by)
    return created


# --- staff --------------------------------------------------------------------------------------


def staff_import_check(*, by, school, table: Table, progress=None) -> list[dict]:
    """Check every row of a staff file against the school and the rest of the file; writes
    nothing and takes no lock. The planned rows, or ImportRejected naming row and column.
    ``progress(rows_checked)`` is called every :data:`PROGRESS_EVERY` rows."""
    STAFF_SCHEMA.bind(table.headers)
    if not table.rows:
        raise ImportRejected(["文件中没有教职工数据。"])
    try:
        staff_role_check(by=by, school=school, role=DEFAULT_STAFF_ROLE)
    except ValidationError:
        raise ImportRejected(["您不能向这所学校导入教职工。"]) from None
    User = get_user_model()
    username_field = User._meta.get_field("username")
    seen: dict[tuple, int] = {}
    active = set(
        Membership.objects.active().filter(school=school).values_list("user__username", "role")
    )

    def check(number, row):
        username = row["用户名"]
        if username:
            try:
                username_field.run_validators(username)
            except ValidationError:
                row.error("用户名", "只能包含字母、数字和 @/./+/-/_，且不超过 150 个字符。")
        role_text = row["角色"]
        role = _ROLES.get(role_text)
        if role is None:
            row.error("角色", f"无法识别的角色“{role_text}”。")
        elif role in BUREAU_ROLES:
            row.error("角色", "不能通过学校导入设置市局角色。")
        grade = None
        grade_text = row["分管年级"]
        if role in GRADE_ROLES:
            grade = grade_from_label(grade_text) if grade_text else None
            if not grade_text:
                row.error("分管年级", "年级组长必须填写分管年级。")
            elif grade is None:
                row.error("分管年级", f"无法识别的年级“{grade_text}”。")
            elif grade not in school.grades:
                row.error("分管年级", "该年级不属于这所学校的学段。")
        employment = ""
        if role in PSYCH_ROLES:
            employment = _EMPLOYMENT.get(row["专兼职"], "")
            if not employment:
                row.error("专兼职", "心理健康教育教师必须填写“专职”或“兼职”。")
        if username and role:
            key = (username, role)
            if key in seen:
                row.error("角色", f"与第 {seen[key]} 行重复（同一用户、同一角色）。")
            elif key in active:
                row.error("角色", f"用户“{username}”在本校已有此角色。")
            seen[key] = number
        return dict(
            row=number,
            username=username,
            real_name=row["姓名"],
            phone=row["手机"] or "",
            email=row["邮箱"] or "",
            role=role,
            grade=grade,
            psych_employment=employment,
        )

    return spreadsheets.rows_run(
        table, STAFF_SCHEMA, check, progress=progress, progress_every=PROGRESS_EVERY
    )


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
    username meanwhile, or a database too busy to wait for → ImportRejected, nothing written.
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
            raise ImportRejected([BUSY]) from None
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
            email=p["email"],
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
                    raise ImportRejected(
                        spreadsheets.cell_message(
                            row=p["row"],
                            column="角色",
                            reason=f"用户“{p['username']}”在本校已有此角色。",
                        )
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
            # Existing accounts (few): fill empty name/phone/e-mail, recompute their groups.
            for name, user in sorted(existing.items()):
                first = first_of[name]
                changed = []
                if first["real_name"] and not user.real_name:
                    user.real_name = first["real_name"]
                    changed.append("real_name")
                if first["phone"] and not user.phone:
                    user.phone = first["phone"]
                    changed.append("phone")
                if first["email"] and not user.email:
                    user.email = first["email"]
                    changed.append("email")
                if changed:
                    user.save(update_fields=changed)
                membership_sync_groups(user=user)
    except IntegrityError:
        raise ImportRejected([CLASHED]) from None
    except OperationalError as exc:
        if _contended(exc):
            raise ImportRejected([BUSY]) from None
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
    except ImportRejected as failed:
        failed_with(failed.errors)
        return
    except Exception:
        # Never a progress page stuck at "writing": the job says it failed (nothing was
        # written: the write is one transaction), the task backend keeps the traceback.
        failed_with(spreadsheets.errors_capped([spreadsheets.MSG_UNEXPECTED]))
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
