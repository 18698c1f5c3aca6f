"""Training figures and the training panel of the oversight reports and dashboard (R-6).

Imported in ``CoursesConfig.ready``. Values are JSON-friendly (hours as floats).
"""

from decimal import Decimal

from oversight.charts import Bar, bar_chart
from oversight.figures import Period, register_figure
from oversight.panels import PanelContent, percent, register_panel

from .training_selectors import hours_by_school, hours_target_by_school

SOURCE = "培训学时台账"


def _ids(schools) -> list[int]:
    return [s.pk for s in schools]


def _num(value: Decimal) -> float:
    return float(value)


def trained_staff(*, schools, period: Period) -> dict[int, int]:
    found = hours_by_school(school_ids=_ids(schools), first=period.start, last=period.end)
    return {pk: found.get(pk, (0, 0))[1] for pk in _ids(schools)}


def training_hours(*, schools, period: Period) -> dict[int, float]:
    found = hours_by_school(school_ids=_ids(schools), first=period.start, last=period.end)
    return {pk: _num(found.get(pk, (Decimal(0), 0))[0]) for pk in _ids(schools)}


def training_hours_target(*, schools, period: Period) -> dict[int, float]:
    """The targets of the year the period is read on, for the staff active that day."""
    on = period.as_of
    found = hours_target_by_school(school_ids=_ids(schools), year=on.year, on=on)
    return {pk: _num(found.get(pk, Decimal(0))) for pk in _ids(schools)}


def _hours_text(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


register_figure(
    "training_trained_staff",
    label="参加培训的教职工",
    source_label=SOURCE,
    compute_many=trained_staff,
    unit="人",
    order=30,
)
register_figure(
    "training_hours",
    label="教师培训学时",
    source_label=SOURCE,
    compute_many=training_hours,
    unit="学时",
    order=31,
    display=_hours_text,
)
register_figure(
    "training_hours_target",
    label="教师培训目标学时",
    source_label=SOURCE,
    compute_many=training_hours_target,
    unit="学时",
    order=32,
    display=_hours_text,
)


def build_training_panel(*, schools, values, period, extra) -> PanelContent:
    hours, target = values["training_hours"], values["training_hours_target"]
    trained = values["training_trained_staff"]
    total_hours = sum(hours.get(s.pk, 0) for s in schools)
    total_target = sum(target.get(s.pk, 0) for s in schools)

    def share(h, t) -> str:
        return f"{h * 100 / t:.0f}%" if t else "—"

    chart = bar_chart(
        [
            Bar(
                s.name,
                hours.get(s.pk, 0),
                of=target.get(s.pk, 0) or None,
                text=share(hours.get(s.pk, 0), target.get(s.pk, 0)),
            )
            for s in schools
        ],
        title="教师培训学时完成情况（实际 / 目标）",
    )
    rows = [
        [
            s.name,
            trained.get(s.pk, 0),
            _hours_text(hours.get(s.pk, 0)),
            _hours_text(target.get(s.pk, 0)),
            share(hours.get(s.pk, 0), target.get(s.pk, 0)),
        ]
        for s in schools
    ]
    reached = sum(1 for s in schools if target.get(s.pk) and hours.get(s.pk, 0) >= target[s.pk])
    return PanelContent(
        chart=chart,
        chart_headers=["范围", "实际学时", "目标学时", "完成率"],
        chart_rows=[
            [
                "全市",
                _hours_text(total_hours),
                _hours_text(total_target),
                share(total_hours, total_target),
            ],
            ["达到目标的学校", reached, len(schools), percent(reached, len(schools))],
        ],
        school_headers=["学校", "参训（人）", "实际学时", "目标学时", "完成率"],
        school_rows=rows,
        note=(
            f"学时按认定日期计入 {period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d}，"
            f"计入认定时教师所在学校；目标为 {period.as_of.year} 年度各岗位目标学时之和"
            f"（统计日 {period.as_of:%Y-%m-%d} 在岗教职工，兼任多岗取最高）。"
        ),
    )


register_panel(
    "training",
    title="教师培训学时",
    figure_keys=["training_trained_staff", "training_hours", "training_hours_target"],
    build=build_training_panel,
    order=30,
)
