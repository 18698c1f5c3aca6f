"""The province-size generator (``load_demo --scale``, demo/province.py, issue 20): its sizes
scale with the factor, and a tiny province on top of the demo city keeps the models' and the
services' rules, has an archive for every student, and the bureau's pages read it."""

import datetime
import io
import random
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo import province
from schools.calendar import SchoolYear
from schools.vocab import Role, SchoolKind, grades_of_kind
from tests.exports import download, export_job

FACTOR = 0.007  # seven schools: one of every kind


def test_the_plan_at_scale_one_is_the_bureaus_province():
    totals = province.plan_totals(province.plan(1.0))
    for name in ("schools", "classes", "students", "memberships"):
        target = province.TARGETS[name]
        assert abs(totals[name] - target) / target < 0.05, (name, totals[name], target)


def test_the_plan_scales_with_the_factor():
    whole = province.plan_totals(province.plan(1.0))
    half = province.plan_totals(province.plan(0.5))
    assert half["schools"] == 500
    for name in ("classes", "students", "memberships"):
        assert 0.45 < half[name] / whole[name] < 0.55, name
    assert province.school_count(0.0001) == province.MIN_SCHOOLS


def test_the_plan_is_the_same_every_time_and_names_are_unique():
    first, again = province.plan(0.05), province.plan(0.05)
    assert [(s.code, s.name, s.classes) for s in first] == [
        (s.code, s.name, s.classes) for s in again
    ]
    schools = province.plan(1.0)
    assert len({s.name for s in schools}) == len({s.code for s in schools}) == 1000
    assert 90 <= len({s.township for s in schools}) <= 110
    assert all(s.township.endswith(("镇", "乡")) and "县" in s.township for s in schools)
    assert {s.kind for s in province.plan(FACTOR)} == set(SchoolKind.values)


@pytest.mark.parametrize(
    ("text", "factor"), [("province", 1.0), ("Province", 1.0), ("0.05", 0.05), ("2", 2.0)]
)
def test_scale_parse(text, factor):
    assert province.scale_parse(text) == factor


@pytest.mark.parametrize("text", ["0", "-1", "abc", "50"])
def test_scale_parse_refuses(text):
    with pytest.raises(ValueError, match="--scale"):
        province.scale_parse(text)


def _sample(qs, n=30):
    ids = list(qs.values_list("pk", flat=True))
    return qs.model.objects.filter(pk__in=random.Random(7).sample(ids, min(n, len(ids))))


def test_a_tiny_province_on_the_demo_city(demo_city):
    from courses.models import HoursEntry
    from duty.models import IncidentEntry, IncidentReport
    from schools.models import AccessLog, Membership, School, SchoolClass, Student
    from screening.models import Archive, ScreeningResult, Warning
    from screening.services.instruments import InstrumentKey

    out = io.StringIO()
    call_command("load_demo", scale=str(FACTOR), stdout=out)
    assert "各表合计" in out.getvalue()
    plan = province.plan(FACTOR)
    totals = province.plan_totals(plan)
    aim = province.expected_rows(totals)

    # Counts: the plan's exactly, the rest about the bureau's ratios.
    schools = School.objects.filter(code__startswith=province.CODE_PREFIX)
    students = Student.objects.filter(school__in=schools)
    assert schools.count() == totals["schools"] == 7
    assert SchoolClass.objects.filter(school__in=schools).count() == totals["classes"]
    assert students.count() == totals["students"]
    assert Membership.objects.filter(school__in=schools).count() == totals["memberships"]
    hours = HoursEntry.objects.filter(school__in=schools)
    results = ScreeningResult.objects.filter(school__in=schools)
    warnings = Warning.objects.filter(school__in=schools)
    incidents = IncidentReport.objects.filter(school__in=schools)
    assert 0.8 < hours.count() / aim["hours_entries"] < 1.2
    assert 0.75 < results.count() / aim["screening_results"] < 1.25
    assert 0.4 < warnings.count() / aim["warnings"] < 2.0
    assert 10 * 7 <= incidents.count() <= 30 * 7
    assert AccessLog.objects.filter(school__in=schools).count() == 290 * 7
    assert AccessLog.objects.count() >= aim["access_log"]
    assert set(schools.values_list("kind", flat=True)) == set(SchoolKind.values)

    # The models' own checks, on a sample of every table.
    for qs in (schools, students, hours, results, warnings, incidents):
        for obj in _sample(qs):
            obj.full_clean(exclude=["students"] if qs is incidents else [])
    for obj in _sample(Membership.objects.filter(school__in=schools)):
        obj.full_clean()
    for obj in _sample(SchoolClass.objects.filter(school__in=schools)):
        obj.full_clean()

    # The services' rules.
    for school in schools:
        grades = set(grades_of_kind(school.kind))
        assert set(school.classes.values_list("grade", flat=True)) <= grades
        assert school.memberships.filter(role=Role.PSYCH_TEACHER).count() <= 1
        leaders = school.memberships.filter(role=Role.GRADE_LEADER)
        assert set(leaders.values_list("grade", flat=True)) <= grades
    assert not students.exclude(school_class__school=F("school")).exists()
    # Every student has an archive (opened at enrolment, schools.hooks).
    assert Archive.objects.filter(student__in=students).count() == students.count()
    # Hours: in the last two school years, never ahead, at the teacher's own school; one live
    # credit per teacher and session.
    first_day = SchoolYear(SchoolYear.containing(timezone.localdate()).first_year - 1).start
    assert not hours.filter(credited_on__lt=first_day).exists()
    assert not hours.filter(credited_on__gt=timezone.localdate()).exists()
    member_of = dict(
        Membership.objects.filter(school__in=schools).values_list("user_id", "school_id")
    )
    for teacher_id, school_id in hours.values_list("teacher_id", "school_id")[:5000]:
        assert member_of[teacher_id] == school_id
    assert not (
        hours.filter(source="session")
        .values("teacher", "session")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )
    # Results: within the round's dates, scored by the instrument's own key.
    keys = {}
    for result in _sample(results.select_related("round", "instrument"), 200):
        assert result.round.starts_on <= result.taken_on <= result.round.ends_on
        key = keys.setdefault(result.instrument_id, InstrumentKey.load(result.instrument))
        scored = key.score_answers(result.answers)
        assert (scored.total, scored.band, scored.level, scored.critical) == (
            result.total,
            result.band,
            result.level,
            result.critical,
        )
    # Warnings: one per levelled result, at most one open per student; a 危机 closed only with
    # a leader's sign-off.
    assert warnings.count() == results.exclude(level="").count()
    assert not (
        warnings.exclude(status="closed").values("student").annotate(n=Count("pk")).filter(n__gt=1)
    ).exists()
    assert not warnings.filter(level="crisis", status="closed", signed_off_by=None).exists()
    # Incidents: clocks in order; a closed one has its final report.
    assert not incidents.filter(discovered_at__lt=F("occurred_at")).exists()
    for incident in incidents.filter(status="closed")[:50]:
        kinds = set(incident.entries.values_list("kind", flat=True))
        assert {"phone", "written", "final"} <= kinds
    assert not IncidentEntry.objects.filter(
        incident__in=incidents, happened_at__gt=timezone.now() + datetime.timedelta(minutes=5)
    ).exists()

    # The bureau's pages read the province.
    client = Client()
    client.force_login(get_user_model().objects.get(username="bureau_admin"))
    for name, query in (
        ("oversight:dashboard", ""),
        (
            "oversight:dashboard",
            "?" + urlencode({"township": School.objects.get(code="P0001").township}),
        ),
        ("screening:figures", ""),
        ("training_admin:bureau_report", ""),
        ("schools_school:index", ""),
        ("duty_admin:incidents", ""),
    ):
        response = client.get(reverse(name) + query)
        assert response.status_code == 200, (name, query, response.status_code)
    # Its exports are background jobs (run at once here) that finish with a file.
    for kind in ("screening-figures", "training-city-report", "duty-incidents"):
        job = export_job(client, kind)
        job.refresh_from_db()
        assert job.ready, (kind, job.status, job.error)
        assert download(client, job)
    # The student list: a province school's admin sees the school's students.
    client.force_login(get_user_model().objects.get(username="p0001_admin"))
    response = client.get(reverse("schools_student:index"))
    assert response.status_code == 200
    assert response.context["paginator"].count == students.filter(school__code="P0001").count()

    # Once only: a second run refuses.
    with pytest.raises(CommandError, match="已有省级规模数据"):
        call_command("load_demo", scale=str(FACTOR), stdout=io.StringIO())
