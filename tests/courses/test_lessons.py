"""Mental-health lessons taught: rules, scope (back office and learner area), import,
and the figures that feed curriculum coverage (R-18)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from courses.lessons.imports import lesson_import
from courses.lessons.selectors import (
    LESSON_INTERVAL_DAYS,
    lesson_records_for,
    lessons_expected,
)
from courses.lessons.services import lesson_record_add
from courses.models import LessonRecord
from oversight.figures import figure_get
from schools.calendar import Period, break_days
from schools.imports import ImportFailed, Table
from schools.models import AccessLog
from schools.vocab import Grade, Role
from tests.csrf import form_token
from tests.factories import SchoolClassFactory, SchoolFactory, make_member

from .factories import curriculum_index, make_curriculum, make_lesson

TODAY = timezone.localdate()
PERIOD = Period.school_year()


@pytest.fixture
def school(db):
    return SchoolFactory(name="青禾实验学校")


@pytest.fixture
def other_school(db):
    return SchoolFactory(name="远山中学")


@pytest.fixture
def klass(school):
    return SchoolClassFactory(school=school, grade=Grade.J1, name="七年级（1）班")


@pytest.fixture
def other_class(other_school):
    return SchoolClassFactory(school=other_school, grade=Grade.J1, name="七年级（1）班")


@pytest.fixture
def teacher(school):
    return make_member(Role.TEACHER, school=school)


@pytest.fixture
def psych(school):
    return make_member(Role.PSYCH_TEACHER, school=school)


@pytest.fixture
def lesson(home):
    curriculum = make_curriculum(
        curriculum_index(home), title="初中心理健康课", theme="mental_health", stage="junior"
    )
    return make_lesson(curriculum, title="认识我的情绪", grade=Grade.J1)


# --- rules -------------------------------------------------------------------------------


def test_teacher_records_own_lesson_school_and_curriculum_follow(teacher, klass, lesson):
    record = lesson_record_add(by=teacher, school_class=klass, taught_on=TODAY, lesson=lesson)
    assert record.school == klass.school
    assert record.curriculum.pk == lesson.get_parent().pk
    assert record.teacher == teacher and record.recorded_by == teacher
    assert record.title == "认识我的情绪" and record.periods == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"taught_on": TODAY + datetime.timedelta(days=1)}, "taught_on"),
        ({"taught_on": PERIOD.start - datetime.timedelta(days=1)}, "taught_on"),
        ({"topic": ""}, "topic"),
        ({"periods": 0}, "periods"),
        ({"periods": 5}, "periods"),
    ],
)
def test_rules_name_the_field(teacher, klass, change, field):
    values = {"school_class": klass, "taught_on": TODAY, "topic": "学会求助", **change}
    with pytest.raises(ValidationError) as exc:
        lesson_record_add(by=teacher, **values)
    assert field in exc.value.message_dict
    assert not LessonRecord.objects.exists()


def test_class_of_another_school_is_refused(teacher, other_class):
    with pytest.raises(ValidationError) as exc:
        lesson_record_add(by=teacher, school_class=other_class, taught_on=TODAY, topic="学会求助")
    assert "不属于您任职的学校" in exc.value.message_dict["school_class"][0]


def test_lesson_must_belong_to_the_chosen_curriculum(teacher, klass, lesson):
    index = lesson.get_parent().get_parent().specific
    elsewhere = make_curriculum(index, title="初中挫折教育", stage="junior")
    with pytest.raises(ValidationError) as exc:
        lesson_record_add(
            by=teacher, school_class=klass, taught_on=TODAY, lesson=lesson, curriculum=elsewhere
        )
    assert "不属于课程" in exc.value.message_dict["lesson"][0]


def test_a_teacher_records_only_own_lessons_a_psych_teacher_for_colleagues(
    school, teacher, psych, klass
):
    with pytest.raises(ValidationError) as exc:
        lesson_record_add(
            by=teacher, school_class=klass, taught_on=TODAY, topic="学会求助", teacher=psych
        )
    assert "本人" in exc.value.message_dict["teacher"][0]
    record = lesson_record_add(
        by=psych, school_class=klass, taught_on=TODAY, topic="学会求助", teacher=teacher
    )
    assert record.teacher == teacher and record.recorded_by == psych
    stranger = make_member(Role.TEACHER)  # works at another school
    with pytest.raises(ValidationError) as exc:
        lesson_record_add(
            by=psych, school_class=klass, taught_on=TODAY, topic="情绪", teacher=stranger
        )
    assert "不在该校任职" in exc.value.message_dict["teacher"][0]


def test_same_lesson_twice_for_a_class_and_day_is_refused(teacher, klass, lesson):
    lesson_record_add(by=teacher, school_class=klass, taught_on=TODAY, lesson=lesson)
    with pytest.raises(ValidationError) as exc:
        lesson_record_add(by=teacher, school_class=klass, taught_on=TODAY, lesson=lesson)
    assert "已经登记过" in exc.value.message_dict["taught_on"][0]
    # Another topic the same day is another lesson.
    lesson_record_add(by=teacher, school_class=klass, taught_on=TODAY, topic="学会求助")
    assert LessonRecord.objects.count() == 2


# --- learner area ---------------------------------------------------------------------------


def test_teacher_records_from_a_lesson_page(client, home, teacher, klass, lesson):
    client.handler.enforce_csrf_checks = True  # as a browser: the page must carry the token
    link = f"{reverse('lessons:new')}?lesson={lesson.pk}"
    assert link not in client.get(lesson.url).content.decode()  # parents see no action
    client.force_login(teacher)
    page = client.get(lesson.url).content.decode()
    assert link in page
    response = client.get(link)
    assert response.status_code == 200
    assert "认识我的情绪" in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    response = client.post(
        link,
        {
            "csrfmiddlewaretoken": form_token(response),
            "school_class": klass.pk,
            "taught_on": TODAY.isoformat(),
            "lesson": lesson.pk,
            "periods": 1,
        },
    )
    assert response.status_code == 302
    record = LessonRecord.objects.get()
    assert record.teacher == teacher and record.school_class == klass
    mine = client.get(reverse("lessons:mine")).content.decode()
    assert "认识我的情绪" in mine and "七年级（1）班" in mine


def test_teacher_cannot_record_for_another_schools_class(client, teacher, klass, other_class):
    client.force_login(teacher)
    page = client.get(reverse("lessons:new")).content.decode()
    assert f'value="{klass.pk}"' in page and f'value="{other_class.pk}"' not in page
    response = client.post(
        reverse("lessons:new"),
        {"school_class": other_class.pk, "taught_on": TODAY.isoformat(), "topic": "学会求助"},
    )
    assert response.status_code == 404
    assert "远山中学" not in response.content.decode()
    assert not LessonRecord.objects.exists()
    log = AccessLog.objects.get(allowed=False)
    assert log.user == teacher and log.object_id == str(other_class.pk)


def test_future_date_is_a_form_error(client, teacher, klass):
    client.force_login(teacher)
    response = client.post(
        reverse("lessons:new"),
        {
            "school_class": klass.pk,
            "taught_on": (TODAY + datetime.timedelta(days=3)).isoformat(),
            "topic": "学会求助",
            "periods": 1,
        },
    )
    assert response.status_code == 400
    assert "授课日期不能晚于今天" in response.content.decode()
    assert not LessonRecord.objects.exists()


def test_people_without_a_school_cannot_record(client, db):
    client.force_login(make_member(Role.BUREAU_AUDITOR))
    assert client.get(reverse("lessons:new")).status_code == 403
    assert AccessLog.objects.filter(allowed=False, action="record-denied").exists()
    client.logout()
    assert client.get(reverse("lessons:new")).status_code == 302  # to the login page


# --- back office ------------------------------------------------------------------------------


def _record(by, klass, **kw):
    values = {"taught_on": TODAY, "topic": "学会求助", **kw}
    return lesson_record_add(by=by, school_class=klass, **values)


def test_admin_lists_own_school_only_and_other_school_record_is_a_logged_404(
    client, school, psych, klass, other_class
):
    mine = _record(psych, klass, topic="我的情绪小怪兽")
    theirs = _record(make_member(Role.PSYCH_TEACHER, school=other_class.school), other_class)
    admin = make_member(Role.SCHOOL_ADMIN, school=school)
    client.force_login(admin)
    listing = client.get(reverse("lesson_records:index")).content.decode()
    assert "我的情绪小怪兽" in listing and "远山中学" not in listing
    assert client.get(reverse("lesson_records:edit", args=[mine.pk])).status_code == 200
    response = client.get(reverse("lesson_records:edit", args=[theirs.pk]))
    assert response.status_code == 404
    assert AccessLog.objects.filter(
        user=admin, allowed=False, object_id=str(theirs.pk), object_type="courses.lessonrecord"
    ).exists()


def test_class_teacher_adds_own_lesson_in_back_office_but_not_colleagues(
    client, school, psych, klass
):
    head = make_member(Role.CLASS_TEACHER, school=school)
    klass.head_teacher = head
    klass.save()
    client.force_login(head)
    response = client.post(
        reverse("lesson_records:add"),
        {
            "school_class": klass.pk,
            "taught_on": TODAY.isoformat(),
            "topic": "和同学好好说话",
            "periods": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = LessonRecord.objects.get()
    assert record.teacher == head and record.school == school
    colleague = _record(psych, klass, topic="学会求助")
    # Reads the class's lessons, changes only own ones.
    assert colleague in lesson_records_for(user=head)
    assert client.get(reverse("lesson_records:edit", args=[colleague.pk])).status_code == 404


def test_bureau_reads_every_school_but_records_for_none(client, klass, other_class, psych):
    _record(psych, klass)
    auditor = make_member(Role.BUREAU_AUDITOR)
    client.force_login(auditor)
    assert client.get(reverse("lesson_records:index")).status_code == 200
    assert lesson_records_for(user=auditor).count() == 1
    assert client.get(reverse("lesson_records:add")).status_code in (302, 403)


# --- import -------------------------------------------------------------------------------


def _table(*rows, headers=("班级", "授课日期", "课题", "授课教师", "课时", "备注")):
    return Table(
        headers=list(headers),
        rows=[(n, dict(zip(headers, row, strict=False))) for n, row in enumerate(rows, start=2)],
    )


def test_import_creates_every_row(psych, school, klass, lesson, teacher):
    second = SchoolClassFactory(school=school, grade=Grade.J1, name="七年级（2）班")
    day = TODAY.isoformat()
    count = lesson_import(
        by=psych,
        school=school,
        table=_table(
            ["七年级（1）班", day, "认识我的情绪", "", "1", ""],
            ["七年级（2）班", day, "学会求助", teacher.username, "2", "连堂"],
            ["七年级（2）班", day, "认识我的情绪", teacher.real_name, "", ""],
        ),
    )
    assert count == 3
    linked = LessonRecord.objects.get(school_class=klass)
    assert linked.lesson_id == lesson.pk and linked.teacher == psych
    own = LessonRecord.objects.get(school_class=second, topic="学会求助")
    assert own.lesson is None and own.periods == 2 and own.teacher == teacher


def test_import_errors_name_row_and_column_and_write_nothing(psych, school, klass):
    day = TODAY.isoformat()
    future = (TODAY + datetime.timedelta(days=2)).isoformat()
    with pytest.raises(ImportFailed) as exc:
        lesson_import(
            by=psych,
            school=school,
            table=_table(
                ["七年级（1）班", day, "学会求助", "", "1", ""],
                ["九年级（9）班", day, "学会求助", "", "1", ""],
                ["七年级（1）班", "昨天", "学会求助", "", "1", ""],
                ["七年级（1）班", future, "学会求助", "", "1", ""],
                ["七年级（1）班", day, "学会求助", "", "1", ""],
                ["七年级（1）班", day, "情绪", "无此人", "三", ""],
            ),
        )
    errors = exc.value.errors
    assert "第 3 行“班级”：本校没有名为“九年级（9）班”的班级。" in errors
    assert any(e.startswith("第 4 行“授课日期”") for e in errors)
    assert "第 5 行“授课日期”：授课日期不能晚于今天。" in errors
    assert any(e.startswith("第 6 行“课题”：与第 2 行重复") for e in errors)
    assert any(e.startswith("第 7 行“授课教师”") for e in errors)
    assert any(e.startswith("第 7 行“课时”") for e in errors)
    assert not LessonRecord.objects.exists()


def test_import_refuses_another_school_and_missing_columns(teacher, other_school, school):
    with pytest.raises(ImportFailed) as exc:
        lesson_import(by=teacher, school=other_school, table=_table(["七年级（1）班"]))
    assert exc.value.errors == ["您不能为这所学校导入授课记录。"]
    with pytest.raises(ImportFailed) as exc:
        lesson_import(by=teacher, school=school, table=_table(["x"], headers=("班级",)))
    assert "缺少列" in exc.value.errors[0]


def test_import_view_reports_errors(client, psych, school, klass):
    client.force_login(psych)
    upload = "班级,授课日期,课题\n七年级（1）班,2001-01-01,学会求助\n".encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("lessons_admin:import"),
        {"school": school.pk, "file": SimpleUploadedFile("lessons.csv", upload)},
    )
    assert response.status_code == 400
    assert "第 2 行“授课日期”：只能登记本学年" in response.content.decode()
    assert client.get(reverse("lessons_admin:import_template", args=["xlsx"])).status_code == 200


# --- coverage figures ------------------------------------------------------------------------


def test_lessons_expected_counts_term_days_only(db):
    start = datetime.date(2026, 9, 1)
    assert lessons_expected(start=start, as_of=start) == 1  # at least one
    assert lessons_expected(start=start, as_of=start - datetime.timedelta(days=1)) == 0
    # 1 Sep – 14 Dec: 105 days, no break → 7.
    assert lessons_expected(start=start, as_of=datetime.date(2026, 12, 14)) == 105 // 14
    # Up to 20 April: the winter break (20 Jan – 20 Feb, 32 days) does not count.
    as_of = datetime.date(2027, 4, 20)
    assert break_days(start=start, end=as_of) == 32
    expected = ((as_of - start).days + 1 - 32) // LESSON_INTERVAL_DAYS
    assert lessons_expected(start=start, as_of=as_of) == expected


def test_coverage_figures_equal_the_records(psych, school, klass, other_school):
    behind = SchoolClassFactory(school=school, grade=Grade.J1, name="七年级（2）班")
    SchoolClassFactory(school=school, grade=Grade.J2, name="八年级（1）班")  # nothing recorded
    empty = SchoolFactory()  # no classes at all
    need = lessons_expected(start=PERIOD.start, as_of=PERIOD.as_of)
    days = [TODAY - datetime.timedelta(days=i) for i in range(need)]
    days = [d for d in days if d >= PERIOD.start]
    records = [
        LessonRecord(school=school, school_class=klass, taught_on=d, topic=f"第{i}课", periods=1)
        for i, d in enumerate(days)
    ]
    if len(days) < need:  # early in the year: double periods make up the count
        records[0].periods = need - len(days) + 1
    records.append(
        LessonRecord(school=school, school_class=behind, taught_on=TODAY, topic="一课", periods=1)
    )
    # Last school year's lessons do not count.
    records.append(
        LessonRecord(
            school=school,
            school_class=behind,
            taught_on=PERIOD.start - datetime.timedelta(days=5),
            topic="旧课",
            periods=4,
        )
    )
    LessonRecord.objects.bulk_create(records)
    periods = sum(r.periods for r in records if r.taught_on >= PERIOD.start)
    schools = [school, other_school, empty]
    recorded = figure_get("lessons_recorded").compute_many(schools=schools, period=PERIOD)
    assert recorded == {school.pk: periods, other_school.pk: 0, empty.pk: 0}
    covered_classes = 1 + (1 if need == 1 else 0)  # “behind” has one lesson
    share = round(100 * covered_classes / 3, 1)
    assert figure_get("curriculum_coverage").compute(school=school, period=PERIOD) == share
    assert figure_get("curriculum_classes_covered").compute(school=school, period=PERIOD) == (
        covered_classes
    )
    assert figure_get("curriculum_coverage").compute(school=empty, period=PERIOD) is None
    assert figure_get("curriculum_coverage").format(share) == f"{share:g}%"


def test_back_office_pages_render_for_school_and_bureau(client, school, psych, klass, lesson):
    record = _record(psych, klass, topic="考试焦虑怎么办")
    client.force_login(psych)
    for url in [
        reverse("lesson_records:index"),
        reverse("lesson_records:add"),
        reverse("lesson_records:edit", args=[record.pk]),
        reverse("lesson_records:inspect", args=[record.pk]),
        reverse("lessons_admin:import"),
        reverse("lessons_admin:coverage"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    menu = client.get("/admin/").content.decode()
    assert "/admin/lessons/records/" in menu and "/admin/lessons/import/" in menu
    coverage = client.get(reverse("lessons_admin:coverage")).content.decode()
    assert "七年级（1）班" in coverage and "达标班级" in coverage
    # A psych teacher cannot open another school's coverage: a logged 404.
    other = SchoolFactory()
    response = client.get(reverse("lessons_admin:coverage") + f"?school={other.pk}")
    assert response.status_code == 404
    assert AccessLog.objects.filter(user=psych, allowed=False, object_id=str(other.pk)).exists()
    client.force_login(make_member(Role.BUREAU_ADMIN))
    response = client.get(reverse("lessons_admin:coverage") + f"?school={school.pk}")
    assert response.status_code == 200 and "青禾实验学校" in response.content.decode()


def test_coverage_denied_is_a_logged_no_store_back_office_page(client, school):
    from tests.forbidden import logged_forbidden

    teacher = make_member(Role.CLASS_TEACHER, school)
    client.force_login(teacher)
    line = logged_forbidden(client, reverse("lessons_admin:coverage"), user=teacher)
    assert (line.action, line.object_type) == ("lessons-denied", "courses.lessonrecord")
