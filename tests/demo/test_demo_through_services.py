"""The demo city is built through the services (issue 13): no demo module writes a domain
record directly, except the bulk paths listed below, each behind the check the one-by-one
path runs; and a refusal of a service's check stops the demo instead of being stored."""

import ast
import datetime
import random
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

DEMO = Path(__file__).resolve().parents[2] / "demo"
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create"}

# Site setup that is no domain record: Wagtail's Site and page tree.
NOT_DOMAIN = {"Site", "Page"}

# (module, model, method) kept in bulk for their volume, with the check run on every record
# before the write.
BULK_ALLOWED = {
    # full_clean() of every facility (the back-office form's model checks).
    ("schools.py", "Facility", "bulk_create"),
    # full_clean(exclude=["password"]) of every account, as staff_member_add runs it.
    ("schools.py", "User", "bulk_create"),
    # full_clean() of every class (SchoolClass.clean: the grade is one of the school's).
    ("schools.py", "SchoolClass", "bulk_create"),
    # staff_role_check (the bureau admin grants the role) and full_clean() of every role.
    ("schools.py", "Membership", "bulk_create"),
    # full_clean() of every student (Student.clean: the class is the student's school's).
    ("schools.py", "Student", "bulk_create"),
}


# The province-size generator (``load_demo --scale``, issue 20) is a measurement tool, not the
# demo: it writes millions of rows in bulk without the one-by-one checks, spot-checking the
# first records with ``full_clean``; tests/demo/test_province.py holds its rows to the models'
# checks and the services' rules instead.
MEASUREMENT_MODULES = {"province.py"}


def _writes(path: Path):
    """(model name, method, line) of every ``Model.objects.<write>(…)`` call in a file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in WRITES:
            continue
        manager = node.func.value
        if isinstance(manager, ast.Attribute) and manager.attr == "objects":
            owner = manager.value
            name = owner.id if isinstance(owner, ast.Name) else ast.unparse(owner)
        else:
            name = ast.unparse(manager)  # a related manager or queryset: a write all the same
        yield name, node.func.attr, node.lineno


def test_demo_modules_write_domain_records_only_through_services():
    found = []
    for path in sorted(DEMO.glob("*.py")):
        if path.name in MEASUREMENT_MODULES:
            continue
        for model, method, line in _writes(path):
            if model in NOT_DOMAIN or (path.name, model, method) in BULK_ALLOWED:
                continue
            found.append(f"demo/{path.name}:{line} {model}.objects.{method}(…)")
    assert not found, "demo modules writing domain records around the services:\n" + "\n".join(
        found
    )


def test_the_allow_list_names_only_writes_that_exist():
    present = {(p.name, m, f) for p in DEMO.glob("*.py") for m, f, _ in _writes(p)}
    assert BULK_ALLOWED <= present
    assert all((DEMO / name).exists() for name in MEASUREMENT_MODULES)


def test_the_scan_sees_a_direct_write(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "IncidentReport.objects.create(a=1)\nx.objects.bulk_create([])\n"
        "Thing.objects.filter(a=1).update(b=2)\n",
        encoding="utf-8",
    )
    assert [(m, f) for m, f, _ in _writes(sample)] == [
        ("IncidentReport", "create"),
        ("x", "bulk_create"),
    ]


# --- a service's refusal reaches the demo -----------------------------------------------------


class _Out:
    def __call__(self, message):
        pass

    def every(self, *args, **kwargs):
        pass


def _refuse(*args, **kwargs):
    raise ValidationError("测试：服务拒绝了这条记录。")


@pytest.mark.django_db
def test_duty_demo_stops_when_the_roster_check_refuses(monkeypatch):
    from demo import duty as duty_demo
    from duty.models import DutyRotationSlot
    from schools.vocab import Role
    from tests.factories import SchoolFactory, UserFactory, make_member

    school = SchoolFactory(code="X0101")
    make_member(Role.SCHOOL_LEADER, school=school, user=UserFactory(phone="13900000000"))
    make_member(Role.CLASS_TEACHER, school=school)
    monkeypatch.setattr("duty.services.roster_row_check", _refuse)
    with pytest.raises(ValidationError):
        duty_demo.load(out=_Out(), rng=random.Random(1))
    assert not DutyRotationSlot.objects.exists()


@pytest.mark.django_db
def test_duty_demo_stops_when_a_safety_check_is_refused(monkeypatch):
    from demo import duty as duty_demo
    from duty.models import SafetyCheck
    from schools.vocab import Role
    from tests.factories import SchoolFactory, UserFactory, make_member

    school = SchoolFactory(code="X0101")
    make_member(Role.SCHOOL_LEADER, school=school, user=UserFactory(phone="13900000000"))
    monkeypatch.setattr("duty.safety.safety_check_check", _refuse)
    with pytest.raises(ValidationError):
        duty_demo.load(out=_Out(), rng=random.Random(1))
    assert not SafetyCheck.objects.exists()


@pytest.mark.django_db
def test_lessons_demo_stores_nothing_the_lesson_check_refuses(monkeypatch):
    from courses.models import LessonRecord
    from demo import lessons as lessons_demo
    from schools.calendar import Period
    from schools.vocab import Role
    from tests.factories import SchoolClassFactory, SchoolFactory, make_member

    school = SchoolFactory()
    SchoolClassFactory(school=school)
    start = Period.school_year(datetime.date.today()).start
    make_member(Role.PSYCH_TEACHER, school=school, active_from=start - datetime.timedelta(days=9))
    calls = []

    def refuse(**values):
        calls.append(values)
        _refuse()

    monkeypatch.setattr(lessons_demo, "lesson_record_check", refuse)
    if Period.school_year(datetime.date.today()).start > datetime.date.today():
        pytest.skip("the school year has not begun: the demo records no lesson")
    with pytest.raises(ValidationError):
        lessons_demo.load(out=_Out(), rng=random.Random(1))
    assert len(calls) == 1
    assert not LessonRecord.objects.exists()


@pytest.mark.django_db
def test_schools_demo_stops_when_a_role_is_refused(monkeypatch):
    from demo import schools as schools_demo
    from schools.models import Membership, Student

    monkeypatch.setattr(schools_demo, "staff_role_check", _refuse)
    with pytest.raises(ValidationError):
        schools_demo.load(out=_Out(), rng=random.Random(1))
    assert not Student.objects.exists()
    assert not Membership.objects.exclude(role="bureau_admin").exists()


@pytest.mark.django_db
def test_schools_demo_stores_no_student_the_model_refuses(monkeypatch):
    from demo import schools as schools_demo
    from schools.models import Student

    monkeypatch.setattr(Student, "clean", _refuse)
    with pytest.raises(ValidationError):
        schools_demo.load(out=_Out(), rng=random.Random(1))
    assert not Student.objects.exists()
