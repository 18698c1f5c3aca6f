"""Coverage (R-18): the share of the rounds' target students screened this school year and the
share with an archive — per school and city-wide, equal to the records, small cells hidden."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oversight.figures import figure_get
from schools.calendar import Period
from schools.vocab import Grade
from screening.models import Archive, ScreeningResult, ScreeningRound
from screening.report_figures import build_screening_panel, warnings_by_level
from screening.selectors import coverage_counts, round_target_students
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
    """School A: 七年级 (two classes, 8 students in all with the world's two) is targeted by a
    grade round and 七年级（2）班 again by a class round; 八年级 only by last year's round;
    九年级 by nothing. School B: 3 students, one round."""
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
    # screened: 5 of 七年级 (one twice), the inactive one, 2 of 九年级 (not targets),
    # one 七年级 student only last school year
    for s in j1[:5]:
        _result(grade_round, s)
    _result(class_round, j1[1], taken_on=datetime.date(2027, 3, 5))
    _result(grade_round, gone)
    for s in j3[:2]:
        _result(grade_round, s)
    _result(last_year, j1[6], taken_on=datetime.date(2026, 5, 1))
    _result(last_year, j2[0], taken_on=datetime.date(2026, 5, 1))
    for s in [*j1[:6], j2[0], j3[0]]:
        Archive.objects.create(student=s, school=a)
    b_students = StudentFactory.create_batch(2, school_class=world.b7_1)
    b_students.append(world.other_school)
    b_round = _round(world.b, grades=[Grade.J1])
    _result(b_round, b_students[0])
    Archive.objects.create(student=b_students[0], school=world.b)
    return {
        "rounds": [grade_round, class_round, last_year, b_round],
        "j1": j1,
        "b": b_students,
    }


def _by_hand(schools, period):
    """The same figures from the records, one round at a time, without the selector's SQL."""
    out = {}
    for school in schools:
        rounds = ScreeningRound.objects.filter(
            school=school, starts_on__lte=period.end, ends_on__gte=period.start
        )
        targets = set()
        for rnd in rounds:
            targets |= set(round_target_students(round=rnd).values_list("pk", flat=True))
        screened = set(
            ScreeningResult.objects.filter(
                student_id__in=targets,
                taken_on__gte=period.start,
                taken_on__lte=period.end,
            ).values_list("student_id", flat=True)
        )
        archived = set(
            Archive.objects.filter(student_id__in=targets).values_list("student_id", flat=True)
        )
        out[school.pk] = (len(targets), len(screened), len(archived))
    return out


def test_counts_are_the_union_of_targets_and_equal_the_records(world, city):
    targets, screened, archived = coverage_counts(
        school_ids=[world.a.pk, world.b.pk], school_year_start=YEAR.start
    )
    expected = _by_hand([world.a, world.b], YEAR)
    assert {k: (targets[k], screened[k], archived[k]) for k in expected} == expected
    # School A: 8 active 七年级 students (the class round's class counted once), 5 screened,
    # 6 with an archive; 八年级 (last year's round only) and 九年级 are not targets.
    assert expected[world.a.pk] == (8, 5, 6)
    assert expected[world.b.pk] == (3, 1, 1)


def test_a_period_ending_before_a_round_leaves_its_targets_out(world, city):
    autumn = Period(YEAR.start, datetime.date(2027, 1, 31))
    targets, screened, _ = coverage_counts(
        school_ids=[world.a.pk], school_year_start=autumn.start, until=autumn.end
    )
    assert (targets[world.a.pk], screened[world.a.pk]) == _by_hand([world.a], autumn)[world.a.pk][
        :2
    ]


def test_oversight_figures_use_the_target_denominator(world, city):
    schools = [world.a, world.b]
    screened = figure_get("screening_coverage").compute_many(schools=schools, period=YEAR)
    archived = figure_get("archive_coverage").compute_many(schools=schools, period=YEAR)
    assert screened == {world.a.pk: 62.5, world.b.pk: None}  # 5 of 8; B has 3 targets (<5)
    assert archived == {world.a.pk: 75.0, world.b.pk: None}  # 6 of 8
    values = {"screening_coverage": screened, "archive_coverage": archived}
    extra = warnings_by_level(user=None, schools=schools, period=YEAR)
    panel = build_screening_panel(schools=schools, values=values, period=YEAR, extra=extra)
    rows = {row[0]: row[1:4] for row in panel.school_rows}
    assert rows[world.a.name] == [8, "62.5%", "75%"]
    assert rows[world.b.name] == ["<5", "—", "—"]
    city_rows = dict(panel.chart_rows)
    assert city_rows["目标学生（人）"] == 11
    assert city_rows["测评覆盖率"] == "54.5%"  # 6 of 11


def test_bureau_figures_page_suppresses_small_cells(client, world):
    """On today's school year: school A 5 targets (4 screened), school B 3 targets."""
    world.round.delete()
    today = timezone.localdate()
    StudentFactory.create_batch(3, school_class=world.a7_1)
    StudentFactory.create_batch(2, school_class=world.b7_1)
    a_round = _round(world.a, grades=[Grade.J1], starts_on=today, days=10)
    _round(world.b, grades=[Grade.J1], starts_on=today, days=10)
    for s in list(world.a7_1.students.all())[:4]:
        _result(a_round, s, taken_on=today)
    client.force_login(world.bureau_admin)
    response = client.get(reverse("screening:figures"))
    body = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    row_a = body.split(world.a.name)[-1].split("</tr>", 1)[0]
    row_b = body.split(world.b.name)[-1].split("</tr>", 1)[0]
    # A: 5 targets shown, 4 screened shown as <5 and no share (80% of 5 would give the 4
    # back); 0 archives shown as 0 with its share.
    assert "<td>5</td>" in row_a and "<td>&lt;5</td><td>—</td>" in row_a
    assert "80" not in row_a
    assert "<td>0</td><td>0.0%</td>" in row_a
    # B: 3 targets: the count is hidden and no share is given.
    assert "<td>&lt;5</td>" in row_b and "%" not in row_b
    assert "目标学生 8 人" in body


def test_coverage_counts_query_count_is_constant(world, city):
    ids = [world.a.pk, world.b.pk]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            coverage_counts(school_ids=ids, school_year_start=YEAR.start)
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
