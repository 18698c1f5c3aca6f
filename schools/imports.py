"""Staff and student imports from .xlsx / .csv: all rows or none.

A file is read into rows of ``{header: text}``; every row is checked against the school and
the rest of the file before anything is written. Any problem → ``ImportFailed`` holding a list
of Chinese messages that name the spreadsheet row (the header is row 1) and the column, and
nothing is written. Classes named in a student file must already exist (an unknown class is an
error, never silently created: a typo would otherwise make a new class).
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import phone_validator

from .models import Membership, SchoolClass, Student
from .services import staff_member_add, staff_role_check
from .vocab import BUREAU_ROLES, Gender, PsychEmployment, Role, grade_from_label

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

STUDENT_COLUMNS = ["学号", "姓名", "性别", "出生日期", "年级", "班级", "监护人", "监护人电话"]
STUDENT_REQUIRED = ["学号", "姓名", "性别", "出生日期", "班级"]
STAFF_COLUMNS = ["用户名", "姓名", "手机", "角色", "分管年级", "专兼职"]
STAFF_REQUIRED = ["用户名", "姓名", "角色"]

KINDS = {
    "students": ("学生", STUDENT_COLUMNS),
    "staff": ("教职工", STAFF_COLUMNS),
}


class ImportFailed(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Table:
    """A read file: its header row and its non-blank data rows with their row numbers."""

    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


@dataclass
class ImportResult:
    count: int
    # New staff accounts and their initial passwords, shown once to the importer.
    new_accounts: list[tuple[str, str, str]] = field(default_factory=list)


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


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, as Chinese Excel saves)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFailed(["无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件。"]) from None


def rows_read(*, name: str, data: bytes) -> list[list]:
    """The cells of an uploaded .xlsx (first sheet, typed values) or .csv (UTF-8 or GBK), row
    by row, header first; ImportFailed with a message for the user if it cannot be read."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return _xlsx_rows(data)
    if lower.endswith(".csv"):
        return list(csv.reader(io.StringIO(_decode(data))))
    raise ImportFailed(["只支持 .xlsx 或 .csv 文件。"])


def table_read(*, name: str, data: bytes) -> Table:
    """Read an uploaded .xlsx or .csv into its headers and ``[(row_number, {header: text})]``.

    Blank rows are skipped; row numbers are those the user sees in the spreadsheet.
    """
    if len(data) > MAX_BYTES:
        raise ImportFailed(["文件过大（上限 5 MB），请分批导入。"])
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
    if len(rows) > MAX_ROWS:
        raise ImportFailed([f"一次最多导入 {MAX_ROWS} 行，请分批导入。"])
    return Table(headers=[h for h in headers if h], rows=rows)


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the user's file problem
        raise ImportFailed(["无法读取该 Excel 文件，请确认是 .xlsx 格式。"]) from None
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


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
_ROLES = {label: value for value, label in Role.choices} | {"心理教师": Role.PSYCH_TEACHER}
_EMPLOYMENT = {label: value for value, label in PsychEmployment.choices}


# --- students -----------------------------------------------------------------------------------


def student_import(*, by, school, table: Table) -> ImportResult:
    """Create the students in ``rows`` at ``school``; all or none."""
    from .selectors import schools_managed_by

    if not schools_managed_by(user=by).filter(pk=school.pk).exists():
        raise ImportFailed(["您不能向这所学校导入学生。"])
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


def staff_import(*, by, school, table: Table) -> ImportResult:
    """Give the people in ``rows`` their roles at ``school`` (creating accounts); all or none."""
    body = table.rows
    _check_headers(table, STAFF_REQUIRED)
    if not body:
        raise ImportFailed(["文件中没有教职工数据。"])
    try:
        staff_role_check(by=by, school=school, role=Role.TEACHER)
    except ValidationError:
        raise ImportFailed(["您不能向这所学校导入教职工。"]) from None
    User = get_user_model()
    username_field = User._meta.get_field("username")
    errors, seen, planned = [], {}, []
    active = set(
        Membership.objects.active().filter(school=school).values_list("user__username", "role")
    )
    for number, row in body:

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
        if role == Role.GRADE_LEADER:
            grade = grade_from_label(grade_text) if grade_text else None
            if not grade_text:
                err("分管年级", "年级组长必须填写分管年级。")
            elif grade is None:
                err("分管年级", f"无法识别的年级“{grade_text}”。")
            elif grade not in school.grades:
                err("分管年级", "该年级不属于这所学校的学段。")
        employment = ""
        emp_text = row.get("专兼职", "")
        if role == Role.PSYCH_TEACHER:
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
    new_accounts = []
    with transaction.atomic():
        for (number, _row), item in zip(body, planned, strict=True):
            try:
                _membership, password = staff_member_add(by=by, school=school, **item)
            except ValidationError as exc:
                # The whole file rolls back with the atomic block.
                raise ImportFailed([f"第 {number} 行：{'；'.join(exc.messages)}"]) from None
            if password:
                new_accounts.append((item["username"], item["real_name"], password))
    return ImportResult(count=len(planned), new_accounts=new_accounts)


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
    from openpyxl import Workbook

    label, columns = KINDS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = f"{label}名单"
    sheet.append(columns)
    for index in range(len(columns)):
        sheet.column_dimensions[chr(ord("A") + index)].width = 16
    notes = book.create_sheet("填写说明")
    notes.append(["第一张表的第 1 行是表头，请勿修改；从第 2 行起每行一人。"])
    notes.append(["示例（请勿原样导入）：", *_EXAMPLES[kind]])
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
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(*, kind: str) -> bytes:
    """A UTF-8 (with BOM, so Excel opens it correctly) CSV with the header row."""
    _label, columns = KINDS[kind]
    out = io.StringIO()
    csv.writer(out).writerow(columns)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _grade_labels():
    from .vocab import Grade

    return Grade.choices
