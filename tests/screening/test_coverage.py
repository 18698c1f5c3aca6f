"""Coverage (R-18, 三个全覆盖): the share of **every enrolled student** screened this school year
and the share with an archive — per school and city-wide, equal to the records, schools
without a round at 0 % and flagged, small cells hidden."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oversight.figures import figure_get
from schools.calendar import Period
from schools.models import Student
from schools.vocab import Grade
from screening.models import Archive, ScreeningResult
from screening.report_figures import build_screening_panel, warnings_by_level
from screening.selectors import NO_ROUND, coverage_counts, screened_count
from tests.factories import SchoolClassFactory, SchoolFactory, StudentFactory

from .factories import make_round, phq9

YEAR = Period(datetime.date(2026, 9, 1), datetime.date(2027, 8, 31))
IN_YEAR = datetime.date(2026, 10, 9)


def _result(rnd, student, taken_on=IN_YEAR):
    return ScreeningResult.objects.create(
        round=rnd,
        instrument=phq9(),
        student=student,
        school=student.school,
        taken_on=taken_on,
        total=3,
        band="无",
    )


def _round(school, *, grades=(), classes=(), starts_on=datetime.date(2026, 10, 1), days=60):
    rnd = make_round(school, grades=grades)
    rnd.starts_on, rnd.ends_on = starts_on, starts_on + datetime.timedelta(days=days)
    rnd.save()
    rnd.classes.set(classes)
    return rnd


@pytest.fixture
def city(world):
    """School A: 19 students in 七年级 (8), 八年级 (6) and 九年级 (5), plus one who left; a grade
    round of 七年级 this year, a round of 八年级 last year. School B: 3 students, one round.
    School C: 12 students, no round at all."""
    a = world.a
    world.round.delete()
    a9 = SchoolClassFactory(school=a, grade=Grade.J3, name="九年级（1）班")
    j1 = [world.own, world.same_grade]
    j1 += StudentFactory.create_batch(4, school_class=world.a7_1)
    j1 += StudentFactory.create_batch(2, school_class=world.a7_2)
    gone = StudentFactory(school_class=world.a7_1, is_active=False)
    j2 = [world.other_grade, *StudentFactory.create_batch(5, school_class=world.a8_1)]
    j3 = StudentFactory.create_batch(5, school_class=a9)
    grade_round = _round(a, grades=[Grade.J1])
    class_round = _round(a, classes=[world.a7_2], starts_on=datetime.date(2027, 3, 1))
    last_year = _round(a, grades=[Grade.J2], starts_on=datetime.date(2025, 10, 1))
    # screened this year: 5 of 七年级 (one twice), 2 of 九年级 (screened though not named by
    # a round: screened is screened), the student who left; last year only: two more
    for s in j1[:5]:
        _result(grade_round, s)
    _result(class_round, j1[1], taken_on=datetime.date(2027, 3, 5))
    _result(grade_round, gone)
    for s in j3[:2]:
        _result(grade_round, s)
    _result(last_year, j1[6], taken_on=datetime.date(2026, 5, 1))
    _result(last_year, j2[0], taken_on=datetime.date(2026, 5, 1))
    for s in [*j1[:6], j2[0], j3[0], gone]:
        Archive.objects.create(student=s, school=a)
    b_students = StudentFactory.create_batch(2, school_class=world.b7_1)
    b_students.append(world.other_school)
    b_round = _round(world.b, grades=[Grade.J1])
    _result(b_round, b_students[0])
    Archive.objects.create(student=b_students[0], school=world.b)
    c = SchoolFactory(name="丙市第三中学")
    c7 = SchoolClassFactory(school=c, grade=Grade.J1)
    c_students = StudentFactory.create_batch(12, school_class=c7)
    for s in c_students[:5]:
        Archive.objects.create(student=s, school=c)
    return {"j1": j1, "b": b_students, "c": c}


def _by_hand(schools, period):
    """The same figures from the records, student by student in Python, without the
    selector's SQL: (enrolled, screened in the period, with an archive)."""
    out = {}
    for school in schools:
        students = [s for s in Student.objects.filter(school=school) if s.is_active]
        screened = {
            r.student_id
            for r in ScreeningResult.objects.all()
            if period.start <= r.taken_on <= period.end
        }
        archived = {a.student_id for a in Archive.objects.all()}
        out[school.pk] = (
            len(students),
            sum(1 for s in students if s.pk in screened),
            sum(1 for s in students if s.pk in archived),
        )
    return out


def test_counts_are_over_every_enrolled_student_and_equal_the_records(world, city):
    c = city["c"]
    counts = coverage_counts(school_ids=[world.a.pk, world.b.pk, c.pk], start=YEAR.start)
    expected = _by_hand([world.a, world.b, c], YEAR)
    got = {k: (counts.students[k], counts.screened[k], counts.archived[k]) for k in expected}
    assert got == expected
    # School A: 19 enrolled (the one who left is not counted), 7 screened this school year
    # (5 of 七年级, 2 of 九年级; last year's two are not), 8 with an archive.
    assert expected[world.a.pk] == (19, 7, 8)
    assert expected[world.b.pk] == (3, 1, 1)
    assert expected[c.pk] == (12, 0, 5)
    assert counts.with_round == {world.a.pk, world.b.pk}
    assert screened_count(school_ids=[world.a.pk], start=YEAR.start, end=YEAR.end) == 7


def test_a_period_ending_before_a_round_leaves_its_results_out(world, city):
    autumn = Period(YEAR.start, datetime.date(2027, 1, 31))
    counts = coverage_counts(school_ids=[world.a.pk], start=autumn.start, end=autumn.end)
    got = (counts.students[world.a.pk], counts.screened[world.a.pk])
    assert got == _by_hand([world.a], autumn)[world.a.pk][:2] == (19, 7)


def test_oversight_figures_use_every_student_and_flag_schools_without_a_round(world, city):
    c = city["c"]
    schools = [world.a, world.b, c]
    screened = figure_get("screening_coverage").compute_many(schools=schools, period=YEAR)
    archived = figure_get("archive_coverage").compute_many(schools=schools, period=YEAR)
    # By hand: A 7 of 19 = 36.8 %, 8 of 19 = 42.1 %; B has 3 students (<5): no share;
    # C held no round: 0 %, and 5 of 12 = 41.7 % with an archive.
    assert screened == {world.a.pk: round(100 * 7 / 19, 1), world.b.pk: None, c.pk: 0.0}
    assert screened[world.a.pk] == 36.8
    assert archived == {world.a.pk: 42.1, world.b.pk: None, c.pk: 41.7}
    values = {"screening_coverage": screened, "archive_coverage": archived}
    extra = warnings_by_level(user=None, schools=schools, period=YEAR)
    panel = build_screening_panel(schools=schools, values=values, period=YEAR, extra=extra)
    rows = {row[0]: row[1:5] for row in panel.school_rows}
    assert rows[world.a.name] == [19, "36.8%", "42.1%", ""]
    assert rows[world.b.name] == ["<5", "<5 人", "<5 人", ""]
    assert rows[c.name] == [12, "0%", "41.7%", NO_ROUND]
    city_rows = dict(panel.chart_rows)
    assert city_rows["在读学生（人）"] == 34
    assert city_rows["测评覆盖率"] == "23.5%"  # 8 of 34 by hand
    assert round(100 * 8 / 34, 1) == 23.5
    assert city_rows[f"{NO_ROUND}的学校（所）"] == 1
    assert any(c.name in alert and NO_ROUND in alert for alert in panel.alerts)


def test_a_small_share_of_a_big_school_is_not_shown_as_complete(db):
    """The issue's case: 93 of 2,017 screened is 4.6 %, not 100 %."""
    school = SchoolFactory()
    klass = SchoolClassFactory(school=school, grade=Grade.J1)
    students = StudentFactory.create_batch(217, school_class=klass)
    rnd = _round(school, classes=[klass])
    for s in students[:10]:
        _result(rnd, s)
    share = figure_get("screening_coverage").compute(school=school, period=YEAR)
    assert share == round(100 * 10 / 217, 1) == 4.6


def test_bureau_figures_page_shows_every_student_and_the_flag(client, world):
    """On today's school year: school A 6 students (4 screened), school B 3, no round."""
    world.round.delete()
    today = timezone.localdate()
    StudentFactory.create_batch(3, school_class=world.a7_1)
    StudentFactory.create_batch(2, school_class=world.b7_1)
    a_round = _round(world.a, grades=[Grade.J1], starts_on=today, days=10)
    for s in list(world.a7_1.students.all())[:4]:
        _result(a_round, s, taken_on=today)
    client.force_login(world.bureau_admin)
    response = client.get(reverse("screening:figures"))
    body = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    row_a = body.split(world.a.name)[-1].split("</tr>", 1)[0]
    row_b = body.split(world.b.name)[-1].split("</tr>", 1)[0]
    # A: 6 enrolled shown, 4 screened shown as <5 and no share (66.7% of 6 would give the 4
    # back); 0 archives shown as 0 with its share.
    assert "<td>6</td>" in row_a and "<td>&lt;5</td><td>&lt;5 人</td>" in row_a
    assert "66" not in row_a
    assert "<td>0</td><td>0.0%</td>" in row_a
    assert NO_ROUND not in row_a
    # B: 3 students, no round: hidden count, no share, flagged.
    assert "<td>&lt;5</td>" in row_b and "%" not in row_b and NO_ROUND in row_b
    assert "在读学生 9 人" in body
    assert "1 所学校本学年未开展筛查" in body


def test_coverage_counts_query_count_is_constant(world, city):
    ids = [world.a.pk, world.b.pk]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            coverage_counts(school_ids=ids, start=YEAR.start)
        return len(ctx.captured_queries)

    small = count()
    for _ in range(3):
        school = SchoolFactory()
        klass = SchoolClassFactory(school=school, grade=Grade.J1)
        students = StudentFactory.create_batch(6, school_class=klass)
        rnd = _round(school, grades=[Grade.J1])
        _round(school, classes=[klass])
        for s in students[:3]:
            _result(rnd, s)
        ids.append(school.pk)
    assert count() == small
