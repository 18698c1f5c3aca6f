"""The bureau's screening figures as a background export (``portal.exports``).

Aggregates per school × 学段 by the highest warning level of the school year, suppressed as
on the dashboard (``selectors.bureau_aggregate``); nothing row-level leaves the school.
Narrowed to some schools or a township, the export keeps those schools' rows exactly as the
whole city's table shows them and leaves out the 合计 row: a total over a chosen set of
schools, set against another, would give away the small numbers the city table hides.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone

from portal.exports.forms import ExportForm, SchoolsFilter, filtered, schools_chosen
from portal.exports.registry import XLSX, ExportKind, ExportTable
from schools.calendar import SchoolYear

from . import selectors
from .models import WarningLevel

FIGURES_CAP = "screening.figures.export"
HEADERS = ["学校代码", "学校", "学段", "未达预警", *WarningLevel.labels, "测评人数"]


def _school_years(count: int = 4) -> list[tuple[str, str]]:
    this = SchoolYear.current().first_year
    return [(str(y), SchoolYear(y).plain_label) for y in range(this, this - count, -1)]


class FiguresForm(SchoolsFilter, ExportForm):
    school_year = forms.ChoiceField(label="学年", required=False)

    def setup(self):
        super().setup()
        self.fields["school_year"].choices = _school_years()
        self.fields["school_year"].initial = _school_years()[0][0]


def _first_year(params) -> int:
    try:
        return int(params.get("school_year") or SchoolYear.current().first_year)
    except (TypeError, ValueError):
        return SchoolYear.current().first_year


def figures_build(*, user, params) -> ExportTable:
    from schools.vocab import Stage

    start = SchoolYear(_first_year(params)).start
    keys, shown = selectors.bureau_aggregate(user=user, school_year_start=start)
    narrowed = filtered(params)
    if narrowed:
        wanted = set(
            schools_chosen(user=user, cap=FIGURES_CAP, params=params).values_list("pk", flat=True)
        )
        keys = [(school, stage) for school, stage in keys if school.pk in wanted]
    columns = [*selectors.RESULT_LEVELS, "total"]
    rows = [
        [school.code, school.name, Stage(stage).label]
        + [shown[((school, stage), c)] for c in columns]
        for school, stage in keys
    ]
    if not narrowed and shown:
        rows.append(["", "合计", ""] + [shown[("total", c)] for c in columns])
    notes = [
        ["统计期", f"{SchoolYear.containing(start).plain_label}（{start:%Y-%m-%d} 起）"],
        ["口径", "本学年参加测评的学生人数，按其各次测评中最高的预警级别计一次。"],
        [
            "隐藏",
            f"不足 {selectors.SMALL_CELL} 人的数字显示为“<{selectors.SMALL_CELL}”；"
            "为防止由合计相减推算，另有若干数字以“*”隐藏。不含任何学生个人信息。",
        ],
    ]
    if narrowed:
        notes.append(
            [
                "筛选",
                "只列所选学校的行，数字与全市汇总表相同；不列合计，"
                "以免不同学校组合的合计相减推算出被隐藏的小数字。",
            ]
        )
    return ExportTable(
        headers=HEADERS,
        rows=rows,
        total=len(rows),
        title="测评汇总",
        freeze="A2",
        autofilter=True,
        notes=notes,
    )


FIGURES = ExportKind(
    name="screening-figures",
    label="心理测评汇总（各校 × 学段）",
    capability=FIGURES_CAP,
    form=FiguresForm,
    build=figures_build,
    filename=lambda params: f"筛查汇总-{timezone.localdate():%Y%m%d}",
    formats=(XLSX,),
    log_object_type="screening.figures",
    log_action="export-aggregate",
    description=(
        f"各校各学段参加测评的人数，按最高预警级别汇总；不足 {selectors.SMALL_CELL} 人的数字"
        f"显示为“<{selectors.SMALL_CELL}”，不含任何学生个人信息。"
    ),
    back_url=lambda: reverse("screening:figures"),
)
