"""round_add / round_check: the rules of the round form, for the demo and the back office."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from schools.vocab import Grade
from screening.models import ScreeningRound
from screening.services import round_add, round_check

from .factories import gad7, phq9

START = datetime.date(2026, 10, 8)


def _values(world, **changes):
    values = dict(
        school=world.a,
        name="秋季筛查",
        instruments=[phq9(), gad7()],
        grades=[Grade.J1],
        classes=[world.a7_1],
        starts_on=START,
        ends_on=START + datetime.timedelta(days=21),
        basis=ScreeningRound.Basis.STATUTORY,
        status=ScreeningRound.Status.DRAFT,
    )
    return values | changes


def test_round_add_by_the_psychology_teacher(world):
    rnd = round_add(by=world.psych, **_values(world))
    assert rnd.created_by == world.psych
    assert list(rnd.classes.all()) == [world.a7_1]
    assert rnd.instruments.count() == 2


def test_round_add_refuses_another_school_and_bad_values(world):
    with pytest.raises(ValidationError) as refused:
        round_add(by=world.psych_b, **_values(world))
    assert "school" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        round_add(by=world.psych, **_values(world, classes=[world.b7_1]))
    assert "classes" in refused.value.message_dict
    assert not ScreeningRound.objects.filter(name="秋季筛查").exists()


def test_round_check_names_each_field(world):
    with pytest.raises(ValidationError) as refused:
        round_check(
            school=world.a,
            starts_on=START,
            ends_on=START - datetime.timedelta(days=1),
            grades=[],
            classes=[],
        )
    assert set(refused.value.message_dict) == {"ends_on", "grades"}
