"""Screening test data built on tests.factories."""

import datetime

from schools.vocab import Grade
from screening.models import Instrument, ScreeningRound


def phq9():
    return Instrument.objects.get(code="PHQ-9", school__isnull=True)


def gad7():
    return Instrument.objects.get(code="GAD-7", school__isnull=True)


def answers_for(total, n=9, critical_last=False):
    """An answer list (0–3 each) summing to ``total``; item 9 stays 0 unless asked."""
    answers = [0] * n
    free = n - 1 if n == 9 and not critical_last else n
    remaining = total
    for i in range(free):
        step = min(3, remaining)
        answers[i] = step
        remaining -= step
    assert remaining == 0, "total too large for the free items"
    return answers


def make_round(
    school, *, grades=(Grade.J1, Grade.J2), basis=ScreeningRound.Basis.STATUTORY, instruments=None
):
    rnd = ScreeningRound.objects.create(
        school=school,
        name="2026年秋季心理筛查",
        grades=list(grades),
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 12, 31),
        basis=basis,
        status=ScreeningRound.Status.OPEN,
    )
    rnd.instruments.set(instruments or [phq9(), gad7()])
    return rnd
