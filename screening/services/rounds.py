"""Screening rounds: the rules of a round, asked by the back-office form and by ``round_add``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import ScreeningRound


def round_check(*, school, starts_on, ends_on, grades, classes) -> None:
    """ValidationError naming the fields when a round's dates, targets or classes are wrong."""
    errors: dict[str, list[str]] = {}
    if starts_on and ends_on and ends_on < starts_on:
        errors.setdefault("ends_on", []).append("结束日期不能早于开始日期。")
    if not grades and not classes:
        errors.setdefault("grades", []).append("请选择目标年级或目标班级。")
    if school and any(c.school_id != school.pk for c in classes or []):
        errors.setdefault("classes", []).append("目标班级必须属于本批次的学校。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def round_add(
    *, by, school, name: str, instruments, grades, classes, starts_on, ends_on, **values
) -> ScreeningRound:
    """A new round at a school ``by`` runs screening for, with instruments ``by`` may use."""
    from ..selectors import instruments_for, round_schools_for

    if not round_schools_for(user=by).filter(pk=school.pk).exists():
        raise ValidationError({"school": "您不能为这所学校安排测评批次。"})
    usable = set(instruments_for(user=by).values_list("pk", flat=True))
    if any(i.pk not in usable for i in instruments):
        raise ValidationError({"instruments": "所选量表中有您不能使用的量表。"})
    classes = list(classes)
    round_check(school=school, starts_on=starts_on, ends_on=ends_on, grades=grades, classes=classes)
    rnd = ScreeningRound(
        school=school,
        name=name,
        grades=list(grades),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by,
        **values,
    )
    rnd.full_clean()
    rnd.save()
    rnd.instruments.set(instruments)
    rnd.classes.set(classes)
    return rnd
