"""The column schema, the cell parsers and the all-or-nothing row runner under every import:
headers are found however they are typed, every bad row is named with its column, and a
refused file writes nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from portal import spreadsheets
from portal.spreadsheets import Column, ImportRejected, RowError, Schema

SCHEMA = Schema(
    [
        Column("学号", aliases=("学籍号",), blank_ok=False),
        Column("姓名", blank_ok=False, max_length=10),
        Column("出生日期", required=False, parse=spreadsheets.date),
        Column("课时", required=False, parse=spreadsheets.integer, default=1),
    ]
)


def csv_bytes(rows, encoding="utf-8"):
    return ("\n".join(",".join(str(c) for c in row) for row in rows) + "\n").encode(encoding)


def xlsx_bytes(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def keep(number, row):
    return dict(row)


# --- the header -----------------------------------------------------------------------------


def test_headers_are_found_through_aliases_spaces_bom_and_full_width():
    headers = ["\ufeff学 籍 号", "　姓名 ", "出生日期\u200b", "ＢＯＮＵＳ"]
    assert SCHEMA.bind(headers) == {
        "学号": "\ufeff学 籍 号",
        "姓名": "　姓名 ",
        "出生日期": "出生日期\u200b",
    }
    # Latin spellings are compared without case and full-width letters are folded.
    latin = Schema([Column("总分", aliases=("total",))])
    assert latin.bind(["ＴＯＴＡＬ"]) == {"总分": "ＴＯＴＡＬ"}


def test_missing_required_columns_are_named_in_one_message():
    with pytest.raises(ImportRejected) as refused:
        SCHEMA.bind(["出生日期", "备注"])
    assert refused.value.errors == [spreadsheets.MSG_MISSING_COLUMNS.format(columns="学号、姓名")]
    assert refused.value.errors == ["第 1 行（表头）缺少列：学号、姓名。"]


def test_an_empty_file_and_a_header_alone_are_explained():
    with pytest.raises(ImportRejected) as refused:
        spreadsheets.table_read(name="空.csv", data=b"")
    assert refused.value.errors == [spreadsheets.MSG_EMPTY_FILE]
    with pytest.raises(ImportRejected) as refused:
        spreadsheets.rows_run([["学号", "姓名"], [None, ""]], SCHEMA, keep)
    assert refused.value.errors == [spreadsheets.MSG_NO_ROWS]


# --- reading a file through the schema ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes([["学号", "姓名", "出生日期"], ["S1", "林一", "2012/3/1"]], "gbk"),
        b"\xef\xbb\xbf" + csv_bytes([["学籍号", "姓名", "出生日期"], ["S1", "林一", "2012/3/1"]]),
        b"\xef\xbb\xbf"
        + csv_bytes([["学 号", "姓名", "出生日期"], ["S1", "林一", "20120301"]], "gbk"),
    ],
    ids=["gbk", "utf8-bom-alias", "bom-then-gbk-spaced-header"],
)
def test_csv_in_gbk_or_utf8_gives_the_same_values(data):
    table = spreadsheets.table_read(name="名单.csv", data=data)
    [values] = spreadsheets.rows_run(table, SCHEMA, keep)
    assert values == {
        "学号": "S1",
        "姓名": "林一",
        "出生日期": datetime.date(2012, 3, 1),
        "课时": 1,
    }


def test_xlsx_cells_keep_their_types_and_row_numbers_skip_blank_rows():
    data = xlsx_bytes(
        [
            ["学号", "姓名", "出生日期", "课时"],
            [20240001, "林一", datetime.datetime(2012, 3, 1, 8, 0), 2.0],
            [None, None, None, None],
            ["S3", "", "", ""],
        ]
    )
    table = spreadsheets.table_read(name="名单.xlsx", data=data)
    assert [number for number, _ in table.rows] == [2, 4]
    with pytest.raises(ImportRejected) as refused:
        spreadsheets.rows_run(table, SCHEMA, keep)
    assert refused.value.errors == ["第 4 行“姓名”：不能为空。"]
    [first] = spreadsheets.rows_run(
        spreadsheets.Table(headers=table.headers, rows=table.rows[:1]), SCHEMA, keep
    )
    assert first == {
        "学号": "20240001",
        "姓名": "林一",
        "出生日期": datetime.date(2012, 3, 1),
        "课时": 2,
    }


# --- cell parsers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "2026-03-15",
        "2026/3/15",
        "2026.03.15",
        "20260315",
        20260315.0,
        "2026年3月15日",
        datetime.date(2026, 3, 15),
        datetime.datetime(2026, 3, 15, 8, 30),
    ],
)
def test_dates_in_the_forms_schools_type(cell):
    assert spreadsheets.date_parse(cell) == datetime.date(2026, 3, 15)
    assert spreadsheets.date(spreadsheets.cell_text(cell)) == datetime.date(2026, 3, 15)


@pytest.mark.parametrize("cell", [None, "", "3月15日", "2026-13-01", "下周一"])
def test_what_is_not_a_date_is_refused_with_a_reason(cell):
    assert spreadsheets.date_parse(cell) is None
    with pytest.raises(ValueError) as bad:
        spreadsheets.date(spreadsheets.cell_text(cell))
    assert str(bad.value) == spreadsheets.REASON_DATE.format(
        value=spreadsheets.cell_text(cell), example=spreadsheets.DATE_EXAMPLE
    )


def test_number_choice_and_phone_parsers():
    assert spreadsheets.integer("12") == 12
    with pytest.raises(ValueError, match="“三”不是整数"):
        spreadsheets.integer("三")
    assert spreadsheets.decimal("1.5") == Decimal("1.5")
    for bad in ("abc", "NaN", "Infinity"):
        with pytest.raises(ValueError, match="不是数字"):
            spreadsheets.decimal(bad)
    gender = spreadsheets.choice({"男": "M", "女": "F", "男性": "M"})
    assert (gender("男"), gender(" 女 "), gender("男性")) == ("M", "F", "M")
    with pytest.raises(ValueError) as bad:
        gender("未知")
    assert str(bad.value) == "无法识别“未知”，应为“男”或“女”。"
    role = spreadsheets.choice({"Leader": "leader"})
    assert role("ＬＥＡＤＥＲ") == "leader"
    assert spreadsheets.phone("0571-8888888") == "0571-8888888"
    with pytest.raises(ValueError, match="不是有效的电话号码"):
        spreadsheets.phone("电话")


# --- the row runner ------------------------------------------------------------------------------


def test_every_problem_of_a_row_is_told_once_under_the_column_the_file_spells():
    rows = [
        ["学籍号", "姓名", "出生日期", "课时"],
        ["S1", "林一", "2012-02-30", "三"],  # two cells that do not parse
        ["S1", "一个很长很长很长很长的名字", "", ""],  # duplicate (row_fn) and too long
    ]
    seen = {}

    def check(number, row):
        if row["学号"] in seen:
            row.error("学号", f"与第 {seen[row['学号']]} 行重复。")
            row.error("学号", "这一条不会再说。")  # one message per cell
        seen.setdefault(row["学号"], number)
        return row

    with pytest.raises(ImportRejected) as refused:
        spreadsheets.rows_run(rows, SCHEMA, check)
    assert refused.value.errors == [
        "第 2 行“出生日期”：无法识别“2012-02-30”，日期请写成 2026-03-15 的格式。",
        "第 2 行“课时”：“三”不是整数。",
        "第 3 行“学籍号”：与第 2 行重复。",
        "第 3 行“姓名”：不能超过 10 个字符。",
    ]


def test_row_errors_and_validation_errors_are_put_under_their_columns():
    schema = Schema(
        [
            Column("班级", fields=("school_class",)),
            Column("授课日期", parse=spreadsheets.date, fields=("taught_on",)),
        ]
    )

    def check(number, row):
        if number == 2:
            raise RowError("班级", "本校没有这个班级")  # a full stop is added
        if number == 3:
            raise ValidationError({"taught_on": "授课日期不能晚于今天。", "__all__": "已登记过。"})
        return row

    rows = [["班级", "授课日期"], ["九年级（9）班", "2026-03-15"], ["七年级（1）班", "2099-01-01"]]
    with pytest.raises(ImportRejected) as refused:
        spreadsheets.rows_run(rows, schema, check)
    assert refused.value.errors == [
        spreadsheets.cell_message(row=2, column="班级", reason="本校没有这个班级。"),
        "第 3 行“授课日期”：授课日期不能晚于今天。",
        spreadsheets.MSG_ROW.format(row=3, reason="已登记过。"),
    ]


@pytest.mark.django_db
def test_many_bad_rows_are_all_named_and_nothing_is_written():
    rows = [["学号", "姓名"]] + [[f"S{n}", "" if n % 2 else f"名{n}"] for n in range(1, 41)]
    before = Group.objects.count()
    with pytest.raises(ImportRejected) as refused:
        spreadsheets.rows_run(
            rows,
            SCHEMA,
            lambda number, row: Group(name=row["学号"]),
            write=lambda groups: Group.objects.bulk_create(groups),
        )
    assert refused.value.errors == [
        f"第 {n + 1} 行“姓名”：不能为空。" for n in range(1, 41) if n % 2
    ]
    assert Group.objects.count() == before


@pytest.mark.django_db
def test_a_refusal_while_writing_rolls_the_whole_file_back():
    def write(groups):
        Group.objects.bulk_create(groups)
        raise ImportRejected("有人同时导入了相同的名单。")

    rows = [["学号", "姓名"], ["S1", "林一"], ["S2", "林二"]]
    before = Group.objects.count()
    with pytest.raises(ImportRejected):
        spreadsheets.rows_run(rows, SCHEMA, lambda n, row: Group(name=row["学号"]), write=write)
    assert Group.objects.count() == before
    written = spreadsheets.rows_run(
        rows,
        SCHEMA,
        lambda n, row: Group(name=row["学号"]),
        write=lambda groups: len(Group.objects.bulk_create(groups)),
    )
    assert written == 2 and Group.objects.count() == before + 2


def test_errors_shown_are_capped_with_the_total():
    rows = [["学号", "姓名"]] + [[f"S{n}", ""] for n in range(300)]
    with pytest.raises(ImportRejected) as refused:
        spreadsheets.rows_run(rows, SCHEMA, keep)
    errors = refused.value.errors
    assert errors.total == 300
    assert len(errors) == spreadsheets.ERRORS_SHOWN + 1
    assert errors[0] == "第 2 行“姓名”：不能为空。"
    assert errors[-1] == spreadsheets.MSG_MORE_ERRORS.format(
        shown=spreadsheets.ERRORS_SHOWN, total=300
    )
    # A ValidationError too: code that shows validation messages shows the same list.
    assert isinstance(refused.value, ValidationError)
    assert refused.value.messages == list(errors)


def test_progress_is_reported_and_the_payload_travels_with_the_refusal():
    rows = [["学号", "姓名"]] + [[f"S{n}", "某"] for n in range(7)]
    calls = []
    spreadsheets.rows_run(rows, SCHEMA, keep, progress=calls.append, progress_every=3)
    assert calls == [3, 6]
    refused_ids = []

    def check(number, row):
        refused_ids.append(number)
        raise RowError("学号", "未满14周岁，没有监护人同意")

    with pytest.raises(ImportRejected) as refused:
        spreadsheets.rows_run(rows, SCHEMA, check, payload={"consent_missing": refused_ids})
    assert refused.value.payload["consent_missing"] == list(range(2, 9))
