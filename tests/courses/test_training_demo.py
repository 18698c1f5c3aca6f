import random

import pytest

from courses.models import (
    ExternalTraining,
    HoursEntry,
    HoursTarget,
    TrainingModulePage,
    TrainingSession,
)
from courses.training import reports
from courses.training import selectors as sel
from demo import training as training_demo
from schools.vocab import Role
from tests.factories import SchoolFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


class _Out:
    def __init__(self):
        self.lines = []

    def __call__(self, message):
        self.lines.append(message)

    def every(self, label, done, total, every=500):
        pass


def _counts():
    return (
        TrainingModulePage.objects.count(),
        TrainingSession.objects.count(),
        HoursTarget.objects.count(),
        HoursEntry.objects.count(),
        ExternalTraining.objects.count(),
    )


def test_demo_is_idempotent_and_gives_teacher_a_history(home):
    school = SchoolFactory(code="X0101")
    for role in (Role.SCHOOL_ADMIN, Role.PSYCH_TEACHER, Role.CLASS_TEACHER, Role.TEACHER):
        make_member(role, school=school, user=UserFactory(username=role.value))
    for _ in range(12):
        make_member(Role.TEACHER, school=school)
    make_member(Role.BUREAU_ADMIN, user=UserFactory(username="bureau_admin"))

    training_demo.load(out=_Out(), rng=random.Random(1))
    first = _counts()
    assert first[0] >= 8
    formats = set(TrainingModulePage.objects.values_list("format", flat=True))
    assert formats == {"online", "lecture", "workshop", "group", "research"}
    training_demo.load(out=_Out(), rng=random.Random(1))
    assert _counts() == first

    from accounts.models import User

    teacher = User.objects.get(username="teacher")
    overview = sel.teacher_overview(teacher=teacher)
    assert overview["hours"] > 0 and overview["below_target"]
    assert sel.history_for(teacher=teacher).count() >= 3
    assert overview["in_progress"].exists()
    assert ExternalTraining.objects.filter(status="pending").exists()
    assert ExternalTraining.objects.filter(status="approved").exists()
    bureau = User.objects.get(username="bureau_admin")
    report = reports.bureau_hours_report(user=bureau, year=sel.current_year())
    assert report["rows"][0].hours > 0


def test_demo_pages_render(client, home):
    training_demo.load(out=_Out(), rng=random.Random(1))
    index = client.get("/training/")
    assert index.status_code == 200
    for module in TrainingModulePage.objects.all():
        assert client.get(module.url).status_code == 200
