"""R-26: province figures kept computed (``oversight.snapshots``) — read from the snapshot
from the threshold on, equal to the live figures when fresh, refreshed after imports and
by the nightly command, their time shown; a city under the threshold never reads one."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courses.training.reports import hours_by_school, hours_target_by_school
from oversight.models import FigureSnapshot
from oversight.snapshots import snapshot_times, snapshots_refresh_all
from schools.calendar import SchoolYear
from screening.selectors import coverage_counts
from tests.courses.test_training_reports import city  # noqa: F401 - a fixture
from tests.factories import StudentFactory

YEAR = SchoolYear.current()


@pytest.fixture
def province(settings, world):
    settings.XINYU_FIGURE_SNAPSHOT_MIN_SCHOOLS = 2
    return [world.a.pk, world.b.pk]


def _coverage(ids):
    c = coverage_counts(school_ids=ids, start=YEAR.start, end=YEAR.end, rounds=False)
    return c.students, c.screened, c.archived


def test_first_read_is_live_and_keeps_a_snapshot(province, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        live = _coverage(province)
    snap = FigureSnapshot.objects.get(name="screening.coverage")
    assert snap.params == f"end={YEAR.end.isoformat()};start={YEAR.start.isoformat()}"
    with snapshot_times() as kept:
        assert _coverage(province) == live
    assert kept.oldest == snap.computed_at


def test_a_snapshot_answers_until_refreshed(province, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        before = _coverage(province)[0][world.a.pk]
    StudentFactory(school_class=world.a7_1)
    assert _coverage(province)[0][world.a.pk] == before  # kept, not recounted
    assert snapshots_refresh_all() == 1
    assert _coverage(province)[0][world.a.pk] == before + 1


def test_under_the_threshold_nothing_is_read_or_kept(settings, world):
    settings.XINYU_FIGURE_SNAPSHOT_MIN_SCHOOLS = 3
    ids = [world.a.pk, world.b.pk]
    FigureSnapshot.objects.create(
        name="screening.coverage",
        params=f"end={YEAR.end.isoformat()};start={YEAR.start.isoformat()}",
        data={str(world.a.pk): [999, 0, 0]},
    )
    assert _coverage(ids)[0][world.a.pk] != 999
    assert snapshots_refresh_all() == 0
    assert FigureSnapshot.objects.count() == 1


def test_training_figures_round_trip_through_a_snapshot(
    settings,
    city,  # noqa: F811 - the imported fixture
    django_capture_on_commit_callbacks,
):
    """Hours (one decimal) and targets come back from JSON as the live Decimals."""
    from decimal import Decimal

    settings.XINYU_FIGURE_SNAPSHOT_MIN_SCHOOLS = 2
    ids = [city["a"].pk, city["b"].pk]
    first, last = YEAR.start - datetime.timedelta(days=400), YEAR.end
    on = datetime.date.today()
    with django_capture_on_commit_callbacks(execute=True):
        hours = hours_by_school(school_ids=ids, first=first, last=last)
        targets = hours_target_by_school(school_ids=ids, first=first, last=last, on=on)
    assert hours[city["a"].pk] == (Decimal("12.0"), 2) and hours[city["b"].pk][1] == 1
    assert FigureSnapshot.objects.filter(name__startswith="training.").count() == 2
    assert hours_by_school(school_ids=ids, first=first, last=last) == hours
    kept = hours_target_by_school(school_ids=ids, first=first, last=last, on=on)
    assert kept == targets and targets[city["a"].pk] > 0
    assert all(isinstance(v, Decimal) for v in kept.values())


def test_the_dashboard_says_when_the_figures_were_computed(
    province, world, django_capture_on_commit_callbacks
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.bureau_admin)
    url = reverse("oversight:dashboard")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)
    assert first.status_code == 200 and "计算于" not in first.content.decode()
    again = client.get(url).content.decode()
    assert "覆盖率与学时数据计算于" in again


def test_the_nightly_command(province, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        _coverage(province)
    call_command("figures_refresh")
    assert "已重新计算 1 项" in capsys.readouterr().out


def test_enrolment_refreshes_the_kept_coverage(province, world, django_capture_on_commit_callbacks):
    from schools.services import students_enrolled

    with django_capture_on_commit_callbacks(execute=True):
        before = _coverage(province)[0][world.a.pk]
    with django_capture_on_commit_callbacks(execute=True):
        student = StudentFactory(school_class=world.a7_1)
        students_enrolled(students=[student])
    assert _coverage(province)[0][world.a.pk] == before + 1
