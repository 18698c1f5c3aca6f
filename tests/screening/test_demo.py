import random

from demo import screening as screening_demo
from schools.vocab import Grade, Role
from screening.models import GuardianConsent, Referral, ScreeningResult, ScreeningRound, Warning
from tests.factories import (
    SchoolClassFactory,
    SchoolFactory,
    StudentFactory,
    UserFactory,
    make_member,
)


def test_demo_is_idempotent_and_has_each_level(db):
    school = SchoolFactory(code="X0101")
    class_teacher = make_member(
        Role.CLASS_TEACHER, school, user=UserFactory(username="class_teacher")
    )
    make_member(Role.PSYCH_TEACHER, school, user=UserFactory(username="psych_teacher"))
    make_member(Role.SCHOOL_LEADER, school, user=UserFactory(username="school_leader"))
    for n in range(3):
        klass = SchoolClassFactory(
            school=school,
            grade=Grade.J1,
            name=f"七年级（{n + 1}）班",
            head_teacher=class_teacher if n == 0 else None,
        )
        StudentFactory.create_batch(40, school_class=klass)
    lines = []
    screening_demo.load(out=lines.append, rng=random.Random(7))
    counts = (ScreeningResult.objects.count(), Warning.objects.count(), Referral.objects.count())
    screening_demo.load(out=lines.append, rng=random.Random(8))
    assert (
        ScreeningResult.objects.count(),
        Warning.objects.count(),
        Referral.objects.count(),
    ) == counts
    # 240 results count; one more, mistyped, stays in history superseded by its correction.
    assert counts[0] == 241 and counts[2] == 1
    assert ScreeningResult.objects.filter(superseded_at__isnull=True).count() == 240
    assert ScreeningResult.objects.filter(supersedes__isnull=False).count() == 1
    assert ScreeningResult.objects.filter(critical_checked=False).count() == 40  # totals only
    crisis = Warning.objects.filter(source="critical").first()
    assert crisis.owner is not None and crisis.due_at and crisis.actions.filter(kind="note")
    assert Warning.objects.filter(signed_off_by__isnull=False, status="closed").count() == 1
    assert any(w.is_overdue for w in Warning.objects.exclude(status="closed"))
    assert Warning.objects.filter(source="critical").exists()
    assert Warning.objects.filter(source="concern").exists()
    assert set(Warning.objects.values_list("level", flat=True)) >= {"key", "crisis"}
    # The spring round on guardian consent: 37 of 40 slips back, one refusal, 3 outstanding.
    consent_round = ScreeningRound.objects.get(basis=ScreeningRound.Basis.CONSENT)
    statuses = list(
        GuardianConsent.objects.filter(round=consent_round).values_list("status", flat=True)
    )
    assert len(statuses) == 37 and statuses.count("refused") == 1
