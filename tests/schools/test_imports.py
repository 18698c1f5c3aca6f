"""Staff and student imports: good files import; any bad row → nothing written, clear messages."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from portal import spreadsheets
from schools import imports
from schools.models import AccessLog, Membership, Student
from schools.vocab import Grade, Role

pytestmark = pytest.mark.django_db
User = get_user_model()

STUDENT_HEADER = ["学号", "姓名", "性别", "出生日期", "年级", "班级", "监护人", "监护人电话"]
GOOD_STUDENTS = [
    ["S001", "林一", "男", "2012-03-01", "七年级", "七年级（1）班", "林父", "13800000001"],
    ["S002", "林二", "女", "2011/9/15", "八年级", "八年级（1）班", "", ""],
    ["S003", "林三", "女", "20120506", "", "七年级（1）班", "林母", "0571-8888888"],
]
STAFF_HEADER = ["用户名", "姓名", "手机", "角色", "分管年级", "专兼职"]
GOOD_STAFF = [
    ["zhangsan", "张三", "13900000001", "心理健康教育教师", "", "兼职"],
    ["lisi", "李四", "", "年级组长", "八年级", ""],
    ["wangwu", "王五", "", "教师", "", ""],
]


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8"):
    text = "\n".join(",".join(str(c) for c in row) for row in rows) + "\n"
    return text.encode(encoding)


def upload(client, kind, school, name, data):
    return client.post(
        reverse("schools_import:index"),
        {"kind": kind, "school": school.pk, "file": SimpleUploadedFile(name, data)},
    )


@pytest.mark.parametrize(
    "name,data",
    [
        ("学生.xlsx", xlsx([STUDENT_HEADER, *GOOD_STUDENTS])),
        ("学生.csv", csv_bytes([STUDENT_HEADER, *GOOD_STUDENTS])),
        ("学生.csv", b"\xef\xbb\xbf" + csv_bytes([STUDENT_HEADER, *GOOD_STUDENTS])),
        ("学生.csv", csv_bytes([STUDENT_HEADER, *GOOD_STUDENTS], "gbk")),
    ],
    ids=["xlsx", "csv-utf8", "csv-utf8-bom", "csv-gbk"],
)
def test_good_student_file_imports(world, login, name, data):
    client = login(world.users["school_admin"])
    before = Student.objects.count()
    response = upload(client, "students", world.a, name, data)
    assert response.status_code == 200
    assert "已向甲校导入 3 条学生记录" in response.content.decode()
    assert Student.objects.count() == before + 3
    s2 = Student.objects.get(school=world.a, student_number="S002")
    assert (s2.name, s2.gender, str(s2.birth_date), s2.school_class) == (
        "林二",
        "F",
        "2011-09-15",
        world.a8,
    )


def test_bad_student_rows_write_nothing_and_name_row_and_column(world, login):
    existing = world.a7_student.student_number
    rows = [
        STUDENT_HEADER,
        GOOD_STUDENTS[0],
        ["S010", "坏一", "男", "2012-02-30", "七年级", "七年级（1）班", "", ""],
        ["S011", "坏二", "未知", "2012-02-01", "七年级", "九年级（5）班", "", ""],
        ["S001", "坏三", "女", "2012-02-01", "八年级", "七年级（1）班", "", "电话"],
        [existing, "坏四", "女", "2012-02-01", "", "七年级（1）班", "", ""],
    ]
    client = login(world.users["school_admin"])
    before = Student.objects.count()
    response = upload(client, "students", world.a, "bad.xlsx", xlsx(rows))
    text = response.content.decode()
    assert Student.objects.count() == before
    assert "没有导入任何数据" in text
    for message in [
        "第 3 行“出生日期”",
        "第 4 行“性别”",
        "第 4 行“班级”：本校没有名为“九年级（5）班”的班级",
        "第 5 行“学号”：与第 2 行重复",
        "第 5 行“年级”：与班级“七年级（1）班”的年级不一致",
        "第 5 行“监护人电话”",
        "第 6 行“学号”：本校已有该学号的学生",
    ]:
        assert message in text, message


def test_class_of_another_school_is_unknown(world):
    # 乙校 has a 七年级（1）班 too, but a file for 乙校 must not reach 甲校's classes and vice versa.
    table = imports.table_read(
        name="s.csv",
        data=csv_bytes(
            [STUDENT_HEADER, ["Z1", "某", "男", "2012-01-01", "", "八年级（1）班", "", ""]]
        ),
    )
    with pytest.raises(spreadsheets.ImportRejected) as failed:
        imports.student_import(by=world.users["b_admin"], school=world.b, table=table)
    assert "第 2 行“班级”" in failed.value.errors[0]


def test_missing_columns_are_named(world):
    table = imports.table_read(name="s.csv", data=csv_bytes([["学号", "姓名"], ["1", "某"]]))
    with pytest.raises(spreadsheets.ImportRejected) as failed:
        imports.student_import(by=world.users["school_admin"], school=world.a, table=table)
    assert failed.value.errors == [
        spreadsheets.MSG_MISSING_COLUMNS.format(columns="性别、出生日期、班级")
    ]


def test_school_admin_cannot_import_into_another_school(world, login):
    client = login(world.users["school_admin"])
    response = upload(client, "students", world.b, "s.xlsx", xlsx([STUDENT_HEADER, *GOOD_STUDENTS]))
    assert response.status_code == 200  # the form again: 乙校 is not a choice
    assert "乙校" not in response.content.decode()
    assert not Student.objects.filter(student_number="S001").exists()
    table = imports.table_read(name="s.xlsx", data=xlsx([STUDENT_HEADER, *GOOD_STUDENTS]))
    with pytest.raises(spreadsheets.ImportRejected):
        imports.student_import(by=world.users["school_admin"], school=world.b, table=table)


@pytest.mark.parametrize("role", ["bureau_auditor", "school_leader", "psych_teacher"])
def test_readers_cannot_import(world, login, role):
    client = login(world.users[role])
    before = AccessLog.objects.filter(allowed=False, object_type="schools.import").count()
    response = client.get(reverse("schools_import:index"))
    assert response.status_code == 403
    response = client.post(reverse("schools_import:index"), {"kind": "students"})
    assert response.status_code == 403
    response = client.get(reverse("schools_import:template", args=["students", "xlsx"]))
    assert response.status_code == 403
    assert not response.get("Content-Disposition")
    denied = AccessLog.objects.filter(allowed=False, object_type="schools.import")
    assert denied.count() == before + 3
    assert {line.user for line in denied} == {world.users[role]}


def test_bureau_imports_staff_into_the_school_it_chooses_but_never_students(world, login):
    client = login(world.users["bureau_admin"])
    upload(client, "staff", world.b, "staff.csv", csv_bytes([STAFF_HEADER, *GOOD_STAFF]))
    assert Membership.objects.get(user__username="wangwu").school == world.b
    # Students belong to their school: the bureau sees them only as counts (design.md).
    rows = [STUDENT_HEADER, ["B100", "乙新", "男", "2012-01-01", "七年级", "七年级（1）班", "", ""]]
    upload(client, "students", world.b, "s.csv", csv_bytes(rows))
    assert not Student.objects.filter(student_number="B100").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_good_staff_file_imports_and_shows_first_login_links(world, login, fmt):
    client = login(world.users["school_admin"])
    rows = [STAFF_HEADER, *GOOD_STAFF]
    data = xlsx(rows) if fmt == "xlsx" else csv_bytes(rows, "gbk")
    response = upload(client, "staff", world.a, f"staff.{fmt}", data)
    text = response.content.decode()
    assert "已向甲校导入 3 条教职工记录" in text
    zhang = Membership.objects.get(user__username="zhangsan")
    assert (zhang.school, zhang.role, zhang.psych_employment) == (
        world.a,
        Role.PSYCH_TEACHER,
        "part",
    )
    assert Membership.objects.get(user__username="lisi").grade == Grade.J2
    assert "zhangsan" in text and "首次登录链接" in text
    # No password was hashed: the new account has none until its owner follows the link.
    zhangsan = User.objects.get(username="zhangsan")
    assert not zhangsan.has_usable_password()
    # One row per new account (by username): zhangsan's own link.
    link = re.search(r"zhangsan</td>.*?http://testserver(/first-login/[^<]+/)", text, re.S).group(1)
    anonymous = Client(enforce_csrf_checks=True)
    form_page = anonymous.get(link, follow=True)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.content.decode())
    done = anonymous.post(
        form_page.redirect_chain[-1][0],
        {
            "csrfmiddlewaretoken": token.group(1),
            "new_password1": "Qing-shan-2026",
            "new_password2": "Qing-shan-2026",
        },
    )
    assert done.status_code == 302
    zhangsan.refresh_from_db()
    assert zhangsan.check_password("Qing-shan-2026")
    # The link is spent once used.
    assert "链接已失效" in anonymous.get(link, follow=True).content.decode()


def test_bad_staff_rows_write_nothing(world, login):
    client = login(world.users["school_admin"])
    rows = [
        STAFF_HEADER,
        GOOD_STAFF[0],
        ["bad one", "坏一", "", "教师", "", ""],
        ["boss", "坏二", "", "市局管理员", "", ""],
        ["x3", "坏三", "", "校长大人", "", ""],
        ["x4", "坏四", "", "年级组长", "高三", ""],
        ["x5", "坏五", "", "心理健康教育教师", "", ""],
        ["zhangsan", "张三", "", "心理健康教育教师", "", "专职"],
        [world.users["teacher"].username, "某", "", "教师", "", ""],
    ]
    users_before = User.objects.count()
    memberships_before = Membership.objects.count()
    response = upload(client, "staff", world.a, "staff.xlsx", xlsx(rows))
    text = response.content.decode()
    assert User.objects.count() == users_before
    assert Membership.objects.count() == memberships_before
    for message in [
        "第 3 行“用户名”",
        "第 4 行“角色”：不能通过学校导入设置市局角色",
        "第 5 行“角色”：无法识别的角色“校长大人”",
        "第 6 行“分管年级”：该年级不属于这所学校的学段",
        "第 7 行“专兼职”",
        "第 8 行“角色”：与第 2 行重复",
        "第 9 行“角色”：用户“",
    ]:
        assert message in text, message


def test_staff_import_rolls_back_when_a_late_row_fails_in_the_service(world, monkeypatch):
    from django.db import IntegrityError

    def clash(*args, **kwargs):
        # As when another import takes one of the usernames between check and write.
        raise IntegrityError("UNIQUE constraint failed: accounts_user.username")

    monkeypatch.setattr(Membership.objects, "bulk_create", clash)
    table = imports.table_read(name="s.xlsx", data=xlsx([STAFF_HEADER, *GOOD_STAFF]))
    with pytest.raises(spreadsheets.ImportRejected) as failed:
        imports.staff_import(by=world.users["school_admin"], school=world.a, table=table)
    assert "同时添加了相同的用户名" in failed.value.errors[0]
    assert not User.objects.filter(username__in=["zhangsan", "lisi", "wangwu"]).exists()


def test_unreadable_files_are_explained(world):
    with pytest.raises(spreadsheets.ImportRejected) as failed:
        imports.table_read(name="s.txt", data=b"abc")
    assert "只支持" in failed.value.errors[0]
    with pytest.raises(spreadsheets.ImportRejected) as failed:
        imports.table_read(name="s.xlsx", data=b"not a workbook")
    assert "无法读取" in failed.value.errors[0]


@pytest.mark.parametrize("kind", ["students", "staff"])
def test_templates_download_with_the_headers_the_import_expects(world, login, kind):
    client = login(world.users["school_admin"])
    response = client.get(reverse("schools_import:template", args=[kind, "xlsx"]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert header == imports.KINDS[kind][1]
    response = client.get(reverse("schools_import:template", args=[kind, "csv"]))
    assert response.content.decode("utf-8-sig").strip() == ",".join(imports.KINDS[kind][1])


def test_staff_import_takes_mobile_and_email_onto_the_staff_record(world):
    """邮箱 and 手机 are optional columns; a bad one names its row and column, and then
    nothing is written."""
    header = ["用户名", "姓名", "手机", "邮箱", "角色", "分管年级", "专兼职"]
    bad = imports.table_read(
        name="s.xlsx",
        data=xlsx(
            [
                header,
                ["zhaoliu", "赵六", "13900000006", "zhaoliu@school.example.cn", "教师", "", ""],
                ["sunqi", "孙七", "电话", "sunqi-at-school", "教师", "", ""],
            ]
        ),
    )
    with pytest.raises(spreadsheets.ImportRejected) as failed:
        imports.staff_import(by=world.users["school_admin"], school=world.a, table=bad)
    assert "第 3 行“手机”：“电话”不是有效的电话号码。" in failed.value.errors
    assert "第 3 行“邮箱”：“sunqi-at-school”不是有效的电子邮箱地址。" in failed.value.errors
    assert not User.objects.filter(username__in=["zhaoliu", "sunqi"]).exists()
    good = imports.table_read(
        name="s.xlsx",
        data=xlsx(
            [
                header,
                ["zhaoliu", "赵六", "13900000006", "zhaoliu@school.example.cn", "教师", "", ""],
                ["sunqi", "孙七", "", "", "教师", "", ""],
            ]
        ),
    )
    imports.staff_import(by=world.users["school_admin"], school=world.a, table=good)
    zhao = User.objects.get(username="zhaoliu")
    assert (zhao.phone, zhao.email) == ("13900000006", "zhaoliu@school.example.cn")
    assert User.objects.get(username="sunqi").email == ""
