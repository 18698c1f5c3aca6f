"""Reads for curricula, lessons and activities."""

from django.db.models import QuerySet


def curricula_list(*, index, stage: str = "", theme: str = "") -> QuerySet:
    from .models import CurriculumPage

    qs = CurriculumPage.objects.child_of(index).live().public()
    if stage:
        qs = qs.filter(stage=stage)
    if theme:
        qs = qs.filter(theme=theme)
    return qs.order_by("theme", "path")


def lessons_of(*, curriculum) -> QuerySet:
    from .models import LessonPage

    return (
        LessonPage.objects.child_of(curriculum)
        .live()
        .public()
        .select_related("lesson_plan", "slides")
        .order_by("path")
    )


def activities_list(*, index, kind: str = "", stage: str = "") -> QuerySet:
    from .models import ActivityPage

    qs = ActivityPage.objects.child_of(index).live().public()
    if kind:
        qs = qs.filter(kind=kind)
    if stage:
        qs = qs.filter(stages__has=stage)
    return qs.order_by("month", "path")
