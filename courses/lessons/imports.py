"""Lesson records from .xlsx / .csv: all rows or none (the ``portal.spreadsheets`` runner).

Columns (header in row 1): 班级, 授课日期, 课题, 课程, 授课教师, 课时, 备注. “课题” that is
exactly the title of a lesson page (课例) links the record to it; otherwise it is the school's
own topic. “授课教师” is a username or the full name of someone at the school; blank means
the person importing. Every row goes through ``lesson_record_check`` (the same rules as the
forms); any problem → ``spreadsheets.ImportRejected`` with messages naming the row and the
column.
"""

from __future__ import annotations

from portal import spreadsheets
from portal.spreadsheets import Column, ImportRejected, Table
from schools.models import SchoolClass
from schools.selectors import staff_users_at

from . import selectors as sel
from .services import lesson_record_check, lesson_records_add_many


def _periods(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError("应为 1 到 4 之间的整数。") from None


# The service's field names are given to their columns (its errors are told under them).
SCHEMA = spreadsheets.Schema(
    [
        Column("班级", blank_ok=False, fields=("school_class",)),
        Column("授课日期", blank_ok=False, parse=spreadsheets.date, fields=("taught_on",)),
        Column("课题", blank_ok=False, fields=("lesson", "topic")),
        Column("课程", required=False, fields=("curriculum",)),
        Column("授课教师", required=False, fields=("teacher",)),
        Column("课时", required=False, parse=_periods, default=1, fields=("periods",)),
        Column("备注", required=False, fields=("note",)),
    ]
)
COLUMNS = SCHEMA.names


def _unique_by_title(pages) -> dict[str, object]:
    """Title → page, for titles that name exactly one page."""
    seen: dict[str, list] = {}
    for page in pages:
        seen.setdefault(page.title, []).append(page)
    return {title: found[0] for title, found in seen.items() if len(found) == 1}


def lesson_import(*, by, school, table: Table) -> int:
    """Check every row, then create all the records at ``school`` in one transaction."""
    if school.pk not in sel.recorder_school_ids(user=by):
        raise ImportRejected(["您不能为这所学校导入授课记录。"])
    SCHEMA.bind(table.headers)
    classes = {
        c.name: c for c in SchoolClass.objects.filter(school=school).select_related("school")
    }
    lessons = _unique_by_title(sel.lesson_choices())
    curricula = _unique_by_title(sel.curriculum_choices())
    staff = list(staff_users_at(schools=[school.pk]))
    by_username = {u.username: u for u in staff}
    by_name: dict[str, list] = {}
    for u in staff:
        if u.real_name:
            by_name.setdefault(u.real_name, []).append(u)
    seen: dict[tuple, int] = {}

    def check(number, row):
        school_class = classes.get(row["班级"])
        if row["班级"] and school_class is None:
            row.error("班级", f"本校没有名为“{row['班级']}”的班级。")
        title = row["课题"]
        lesson = lessons.get(title)
        curriculum = None
        if row["课程"]:
            curriculum = curricula.get(row["课程"])
            if curriculum is None:
                row.error("课程", f"平台上没有名为“{row['课程']}”的课程。")
        teacher = None
        who = row["授课教师"]
        if who:
            teacher = by_username.get(who)
            if teacher is None:
                named = by_name.get(who, [])
                if len(named) == 1:
                    teacher = named[0]
                elif len(named) > 1:
                    row.error("授课教师", f"本校有 {len(named)} 位“{who}”，请改填用户名。")
                else:
                    row.error("授课教师", f"本校没有用户名或姓名为“{who}”的教职工。")
        if not row.ok:
            return None
        key = (school_class.pk, row["授课日期"], lesson.pk if lesson else title)
        if key in seen:
            raise spreadsheets.RowError(
                "课题", f"与第 {seen[key]} 行重复（同一班级、同一天、同一节课）。"
            )
        seen[key] = number
        return lesson_record_check(
            by=by,
            school_class=school_class,
            taught_on=row["授课日期"],
            teacher=teacher,
            lesson=lesson,
            curriculum=curriculum,
            topic="" if lesson else title,
            periods=row["课时"],
            note=row["备注"],
        )

    return spreadsheets.rows_run(
        table,
        SCHEMA,
        check,
        no_rows="文件中没有授课记录。",
        write=lambda records: lesson_records_add_many(records=records),
    )


def template_xlsx() -> bytes:
    notes = [
        ["第一张表的第 1 行是表头，请勿修改；从第 2 行起每行一节课。"],
        ["示例（请勿原样导入）：", "七年级（1）班", "2026-10-12", "认识我的情绪", "", "", "1", ""],
        ["班级", "必须与系统中已建立的班级名称完全一致"],
        ["授课日期", "本学年内、不晚于今天，例如 2026-10-12"],
        ["课题", "与平台课例标题完全一致时自动关联课例；本校自编课直接写课题"],
        ["课程（可不填）", "平台课程的标题"],
        ["授课教师（可不填）", "用户名或姓名；不填为导入人本人"],
        ["课时（可不填）", "1 到 4，不填为 1"],
    ]
    return spreadsheets.xlsx_build(
        spreadsheets.Sheet(title="授课记录", headers=COLUMNS, widths=[18] * len(COLUMNS)),
        spreadsheets.Sheet(title="填写说明", preface=notes),
    )


def template_csv() -> bytes:
    return spreadsheets.csv_build(COLUMNS)
