"""The duty demo builds on whatever schools and staff exist and is idempotent."""

import pytest
from django.utils import timezone

from demo import duty as duty_demo
from duty.models import DutyAssignment, DutyRotationSlot, IncidentReport, SafetyCheck
from duty.selectors import incident_clocks, incidents_with_clocks
from schools.vocab import Role
from tests.factories import SchoolFactory, StudentFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


class Out:
    def __call__(self, msg):
        pass

    def every(self, *args, **kwargs):
        pass


def test_demo_loads_and_is_idempotent():
    import random

    schools = [SchoolFactory(code="X0101"), SchoolFactory(), SchoolFactory()]
    for school in schools:
        make_member(Role.SCHOOL_LEADER, school=school, user=UserFactory(phone="13900000000"))
        make_member(Role.CLASS_TEACHER, school=school)
        make_member(Role.SCHOOL_ADMIN, school=school)  # a middle-level cadre, no phone yet
        make_member(Role.PSYCH_TEACHER, school=school)
        StudentFactory(school_class__school=school)
    duty_demo.load(out=Out(), rng=random.Random(1))
    counts = [
        m.objects.count() for m in (DutyRotationSlot, DutyAssignment, IncidentReport, SafetyCheck)
    ]
    duty_demo.load(out=Out(), rng=random.Random(1))
    assert counts == [
        m.objects.count() for m in (DutyRotationSlot, DutyAssignment, IncidentReport, SafetyCheck)
    ]
    today = timezone.localdate()
    for school in schools:
        assert DutyAssignment.objects.filter(school=school, date=today, duty_role="leader").exists()
    states = []
    for incident in incidents_with_clocks(IncidentReport.objects.all()):
        states.append((incident.status, tuple(c.state for c in incident_clocks(incident=incident))))
    assert ("open", ("overdue", "pending")) in states  # overdue phone report
    assert ("open", ("done", "overdue")) in states  # overdue written report
    assert ("closed", ("done", "done")) in states
    closed = IncidentReport.objects.get(status="closed")
    assert closed.entries.count() == 5 and closed.public_opinion_note
