"""Scoring and levels of the built-in instruments; inconsistent instruments are refused."""

from decimal import Decimal

import pytest

from screening.models import Instrument, WarningLevel
from screening.services import (
    ScreeningError,
    builtin_instruments_ensure,
    instrument_check,
    instrument_save,
    result_score,
)

from .factories import answers_for, gad7, phq9

PHQ9_BANDS = [
    (0, "无或极轻微", ""),
    (4, "无或极轻微", ""),
    (5, "轻度", ""),
    (9, "轻度", ""),
    (10, "中度", WarningLevel.GENERAL),
    (14, "中度", WarningLevel.GENERAL),
    (15, "中重度", WarningLevel.KEY),
    (19, "中重度", WarningLevel.KEY),
    (20, "重度", WarningLevel.CRISIS),
    (24, "重度", WarningLevel.CRISIS),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("total", "band", "level"), PHQ9_BANDS)
def test_phq9_band_boundaries(total, band, level):
    scored = result_score(instrument=phq9(), answers=answers_for(total))
    assert scored.total == Decimal(total)
    assert (scored.band, scored.level, scored.critical) == (band, level, False)


@pytest.mark.django_db
def test_phq9_maximum_is_severe_and_critical():
    scored = result_score(instrument=phq9(), answers=[3] * 9)
    assert scored.total == 27 and scored.band == "重度" and scored.critical


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("total", "band", "level"),
    [
        (0, "无或极轻微", ""),
        (4, "无或极轻微", ""),
        (5, "轻度", ""),
        (9, "轻度", ""),
        (10, "中度", WarningLevel.GENERAL),
        (14, "中度", WarningLevel.GENERAL),
        (15, "重度", WarningLevel.KEY),
        (21, "重度", WarningLevel.KEY),
    ],
)
def test_gad7_band_boundaries(total, band, level):
    scored = result_score(instrument=gad7(), answers=answers_for(total, n=7))
    assert (scored.total, scored.band, scored.level) == (Decimal(total), band, level)


@pytest.mark.django_db
def test_phq9_item9_above_zero_is_critical_whatever_the_total():
    answers = [0] * 8 + [1]
    scored = result_score(instrument=phq9(), answers=answers)
    assert scored.total == 1
    assert scored.band == "无或极轻微"
    assert scored.critical and scored.level == WarningLevel.CRISIS


@pytest.mark.django_db
def test_out_of_range_answer_refused():
    with pytest.raises(ScreeningError, match="第3题"):
        result_score(instrument=phq9(), answers=[0, 0, 4, 0, 0, 0, 0, 0, 0])


@pytest.mark.django_db
def test_builtins_exist_after_migrate_with_licence_note_and_chinese_text():
    instrument = phq9()
    assert instrument.kind == Instrument.Kind.BUILTIN
    assert "无需许可" in instrument.licence_note
    assert instrument.items.count() == 9 and gad7().items.count() == 7
    assert "伤害自己" in instrument.items.get(number=9).text
    skeleton = Instrument.objects.get(code="SCL-90")
    assert skeleton.kind == Instrument.Kind.LICENSED and skeleton.items.count() == 90
    assert not skeleton.items.exclude(text="").exists()
    builtin_instruments_ensure()  # idempotent
    assert Instrument.objects.filter(code="PHQ-9").count() == 1


def _spec(**over):
    spec = {
        "code": "XY-3",
        "name": "自编三题量表",
        "scoring": "sum",
        "items": [
            {"number": n, "text": f"题{n}", "options": "0=否\n1=有时\n2=经常"} for n in (1, 2, 3)
        ],
        "cutoffs": [
            {"min_score": 0, "max_score": 3, "label": "正常"},
            {"min_score": 4, "max_score": 6, "label": "关注", "level": "general"},
        ],
    }
    spec.update(over)
    return spec


@pytest.mark.django_db
def test_school_instrument_with_mean_scoring(world):
    spec = _spec(
        scoring="mean",
        cutoffs=[
            {"min_score": "0", "max_score": "0.99", "label": "正常"},
            {"min_score": "1.00", "max_score": "2.00", "label": "关注", "level": "general"},
        ],
    )
    instrument = instrument_save(spec=spec, school=world.a)
    scored = result_score(instrument=instrument, answers=[1, 1, 2])
    assert scored.total == Decimal("1.33") and scored.band == "关注"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {
                "cutoffs": [
                    {"min_score": 0, "max_score": 3, "label": "正常"},
                    {"min_score": 4, "max_score": 9, "label": "关注"},
                ]
            },
            "超出可能得分范围 0–6",
        ),
        ({"items": [{"number": 1, "text": "题1", "options": ""}]}, "第1题：没有选项"),
        ({"items": []}, "至少需要一道题目"),
        (
            {
                "cutoffs": [
                    {"min_score": 0, "max_score": 4, "label": "正常"},
                    {"min_score": 4, "max_score": 6, "label": "关注"},
                ]
            },
            "重叠",
        ),
        (
            {
                "cutoffs": [
                    {"min_score": 0, "max_score": 2, "label": "正常"},
                    {"min_score": 4, "max_score": 6, "label": "关注"},
                ]
            },
            "空档",
        ),
        (
            {
                "items": [
                    {
                        "number": 1,
                        "text": "题1",
                        "options": "0=否\n1=是",
                        "is_critical": True,
                        "critical_min_score": 5,
                    }
                ]
            },
            "关键题阈值",
        ),
    ],
)
def test_inconsistent_instrument_refused(change, message):
    spec = _spec(**change)
    errors = instrument_check(scoring=spec["scoring"], items=spec["items"], cutoffs=spec["cutoffs"])
    assert any(message in e for e in errors), errors


@pytest.mark.django_db
def test_inconsistent_instrument_not_saved(world):
    with pytest.raises(ScreeningError):
        instrument_save(
            spec=_spec(items=[{"number": 1, "text": "题1", "options": ""}]), school=world.a
        )
    assert not Instrument.objects.filter(code="XY-3").exists()
