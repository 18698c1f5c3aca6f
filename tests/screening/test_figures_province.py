"""R-26 (issue 20): the set-based figures equal the figures computed the old way.

The old way counted per student — an EXISTS per enrolled student for "screened" and for
"has an archive", and the bureau's aggregate walked every result in Python. Those
definitions are kept here, verbatim in spirit, as the reference; the portal's grouped
queries must give the same numbers on the demo city, and the same as a hand count of one
school done student by student."""

import datetime
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from portal.memo import memo_scope
from schools.calendar import SchoolYear
from schools.models import School, Student
from schools.vocab import stage_of_grade
from screening.models import Archive, ScreeningResult, WarningLevel
from screening.selectors import (
    RESULT_LEVELS,
    bureau_aggregate,
    coverage_counts,
    screened_student_ids,
)


def _old_coverage(*, school_ids, start, end):
    screened = screened_student_ids(school_ids=school_ids, start=start, end=end)
    rows = (
        Student.objects.filter(school_id__in=school_ids, is_active=True)
        .annotate(
            was_screened=Exists(screened.filter(student_id=OuterRef("pk"))),
            has_archive=Exists(Archive.objects.filter(student=OuterRef("pk"))),
        )
        .values("school_id")
        .annotate(
            n=Count("pk"),
            screened=Count("pk", filter=Q(was_screened=True)),
            archived=Count("pk", filter=Q(has_archive=True)),
        )
        .order_by()
    )
    return {r["school_id"]: (r["n"], r["screened"], r["archived"]) for r in rows}


def _old_highest(*, school_ids, start, end):
    rank = {"": 0, **{lv: i + 1 for i, lv in enumerate(WarningLevel.values)}}
    highest = {}
    results = ScreeningResult.objects.filter(
        superseded_at__isnull=True,
        school_id__in=school_ids,
        taken_on__gte=start,
        taken_on__lte=end,
    ).values_list("student_id", "school_id", "level", "student__school_class__grade")
    for student_id, school_id, level, grade in results:
        key = (school_id, stage_of_grade(grade))
        if student_id not in highest or rank[level or ""] > rank[highest[student_id][1]]:
            highest[student_id] = (key, level or "")
    cells = defaultdict(int)
    for key, level in highest.values():
        cells[(key, RESULT_LEVELS[rank[level]])] += 1
    return dict(cells)


def _year_with_results():
    taken = ScreeningResult.objects.order_by("-taken_on").values_list("taken_on", flat=True)
    return SchoolYear.containing(taken.first())


def test_coverage_equals_the_old_way_and_a_hand_count(demo_city):
    year = _year_with_results()
    ids = list(School.objects.values_list("pk", flat=True))
    new = coverage_counts(school_ids=ids, start=year.start, end=year.end)
    old = _old_coverage(school_ids=ids, start=year.start, end=year.end)
    assert sum(n for n, _, _ in old.values()) > 1000
    assert sum(s for _, s, _ in old.values()) > 100, "the demo screens students this year"
    for pk in ids:
        n, screened, archived = old.get(pk, (0, 0, 0))
        assert new.students.get(pk, 0) == n
        assert new.screened.get(pk, 0) == screened
        assert new.archived.get(pk, 0) == archived

    # By hand: the demo school, one student at a time.
    school = School.objects.get(code="X0101")
    students = screened = archived = 0
    for student in Student.objects.filter(school=school, is_active=True):
        students += 1
        screened += ScreeningResult.objects.filter(
            student=student,
            school=school,
            superseded_at__isnull=True,
            taken_on__range=(year.start, year.end),
        ).exists()
        archived += Archive.objects.filter(student=student).exists()
    assert (students, screened, archived) == (
        new.students[school.pk],
        new.screened.get(school.pk, 0),
        new.archived.get(school.pk, 0),
    )
    assert screened > 0


def test_bureau_aggregate_equals_the_old_way(demo_city):
    year = _year_with_results()
    admin = User.objects.get(username="bureau_admin")
    keys, shown = bureau_aggregate(user=admin, school_year_start=year.start)
    ids = list(School.objects.values_list("pk", flat=True))
    old = _old_highest(school_ids=ids, start=year.start, end=year.end)
    assert old, "the demo has results this year"
    from oversight.suppression import suppress_table

    old_keys = sorted({k for k, _ in old}, key=lambda k: (School.objects.get(pk=k[0]).code, k[1]))
    expected = suppress_table(old, rows=old_keys, cols=RESULT_LEVELS)
    assert {(s.pk, stage) for s, stage in keys} == set(old_keys)
    for (key, col), value in expected.items():
        shown_key = "total" if key == "total" else (School.objects.get(pk=key[0]), key[1])
        assert shown[(shown_key, col)] == value, (key, col)


def test_the_dashboard_counts_coverage_once(demo_city):
    """Inside one request's memo scope the coverage tallies are queried once, however many
    figures and panels ask for them."""
    year = _year_with_results()
    ids = list(School.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as outside:
        coverage_counts(school_ids=ids, start=year.start, end=year.end, rounds=False)
    with memo_scope(), CaptureQueriesContext(connection) as inside:
        first = coverage_counts(school_ids=ids, start=year.start, end=year.end, rounds=False)
        again = coverage_counts(school_ids=list(reversed(ids)), start=year.start, end=year.end)
    assert len(outside) == 3
    assert len(inside) == 3 + 1  # the tallies once, then only the rounds
    assert first.students == again.students and first.screened == again.screened


def test_outside_a_scope_figures_are_fresh(demo_city):
    school = School.objects.get(code="X0101")
    start = datetime.date(2000, 9, 1)
    before = coverage_counts(school_ids=[school.pk], start=start).students[school.pk]
    one = Student.objects.filter(school=school, is_active=True).first()
    Student.objects.filter(pk=one.pk).update(is_active=False)
    assert coverage_counts(school_ids=[school.pk], start=start).students[school.pk] == before - 1


def test_hours_by_school_equals_the_old_way_and_a_hand_count(demo_city):
    from decimal import Decimal

    from django.db.models import Sum

    from courses.models import HoursEntry
    from courses.training.reports import hours_by_school
    from schools.calendar import SchoolYear

    year = SchoolYear.containing(HoursEntry.objects.order_by("-credited_on").first().credited_on)
    ids = list(School.objects.values_list("pk", flat=True))
    new = hours_by_school(school_ids=ids, first=year.start, last=year.end)
    old: dict[int, tuple] = {}
    for school_id, _teacher, total in (
        HoursEntry.objects.filter(school_id__in=ids, credited_on__range=(year.start, year.end))
        .values("school_id", "teacher_id")
        .annotate(total=Sum("hours"))
        .order_by()
        .values_list("school_id", "teacher_id", "total")
    ):
        hours, trained = old.get(school_id, (Decimal(0), 0))
        old[school_id] = (hours + total, trained + (total > 0))
    assert old and sum(t for _, t in old.values()) > 10
    assert new == {pk: (h.quantize(Decimal("0.1")), t) for pk, (h, t) in old.items()}

    school = School.objects.get(code="X0101")
    by_teacher: dict[int, Decimal] = {}
    for entry in HoursEntry.objects.filter(school=school):
        if year.start <= entry.credited_on <= year.end:
            by_teacher[entry.teacher_id] = by_teacher.get(entry.teacher_id, 0) + entry.hours
    assert new[school.pk] == (
        sum(by_teacher.values()),
        sum(1 for h in by_teacher.values() if h > 0),
    )
