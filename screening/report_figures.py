"""Screening figures and the screening panel of the oversight reports and dashboard (R-18).

Imported in ``ScreeningConfig.ready``. Coverage is over **every enrolled student** of a
school (三个全覆盖: ``selectors.coverage_counts``): screened in the period ÷ students, with an
archive ÷ students. A school that held no round shows 0 % and is flagged “未开展筛查”. Only
shares and suppressed counts leave this module: no share where the school has under 5
students or the count behind it is 1–4 (``selectors.coverage_share``), and warning counts go
through ``oversight.suppression.suppress_table`` (rows, columns and totals together).
"""

from oversight.charts import Bar, bar_chart
from oversight.figures import register_figure
from oversight.panels import PanelContent, register_panel
from oversight.suppression import suppress_small
from schools.calendar import Period

from .models import WarningLevel
from .selectors import (
    NO_ROUND,
    SMALL_CELL,
    coverage_counts,
    coverage_share,
    warning_level_counts,
    warning_table,
)

SOURCE = "心理测评与档案"


def _ids(schools) -> list[int]:
    return [s.pk for s in schools]


def _coverage(*, schools, period: Period, which: str) -> dict[int, float | None]:
    counts = coverage_counts(
        school_ids=_ids(schools), start=period.start, end=period.end, rounds=False
    )
    part = getattr(counts, which)
    return {pk: coverage_share(part.get(pk, 0), counts.students.get(pk, 0)) for pk in _ids(schools)}


def screening_coverage(*, schools, period: Period) -> dict[int, float | None]:
    """Per cent of the school's enrolled students screened in the period (0 with no round)."""
    return _coverage(schools=schools, period=period, which="screened")


def archive_coverage(*, schools, period: Period) -> dict[int, float | None]:
    """Per cent of the school's enrolled students with a mental-health archive."""
    return _coverage(schools=schools, period=period, which="archived")


def _percent_text(value) -> str:
    """A share, or “<5 人” where it is hidden (a count of 1–4 behind it, or a school of
    under 5 students): never “—”, which read as “nothing to report”."""
    return f"<{SMALL_CELL} 人" if value is None else f"{value:g}%"


register_figure(
    "screening_coverage",
    label="心理测评覆盖率",
    source_label=SOURCE,
    compute_many=screening_coverage,
    order=40,
    display=_percent_text,
)
register_figure(
    "archive_coverage",
    label="心理健康档案建档率",
    source_label=SOURCE,
    compute_many=archive_coverage,
    order=41,
    display=_percent_text,
)


def warnings_by_level(*, user, schools, period) -> dict:
    """Counts behind the panel: per-school and city-wide. Three (unsuppressed) reads."""
    ids = _ids(schools)
    counts = coverage_counts(school_ids=ids, start=period.start, end=period.end)
    return {
        "warnings": warning_level_counts(school_ids=ids),
        "students": counts.students,
        "screened": counts.screened,
        "archived": counts.archived,
        "with_round": counts.with_round,
    }


def build_screening_panel(
    *, schools, values, period, extra, listed=None, groups=None
) -> PanelContent:
    from .township_figures import panel_township_row, warnings_by_township

    listed = schools if listed is None else listed
    screened_share, archive_share = values["screening_coverage"], values["archive_coverage"]
    students, with_round = extra["students"], extra["with_round"]
    whole = sum(students.get(s.pk, 0) for s in schools)

    def city(counts) -> float | None:
        return coverage_share(sum(counts.get(s.pk, 0) for s in schools), whole)

    city_screened, city_archived = city(extra["screened"]), city(extra["archived"])
    chart = bar_chart(
        [
            Bar("测评覆盖率", city_screened or 0, of=100, text=_percent_text(city_screened)),
            Bar("建档率", city_archived or 0, of=100, text=_percent_text(city_archived)),
        ],
        title="全市心理测评覆盖率与建档率（全体在读学生）",
    )
    levels = WarningLevel.choices
    if groups:  # schools, townships and the city suppressed together
        table = warnings_by_township(counts=extra["warnings"], groups=groups)
    else:
        table = warning_table(counts=extra["warnings"], school_ids=_ids(schools))
    no_round = [s for s in schools if s.pk not in with_round]
    rows = []
    for s in listed:
        rows.append(
            [
                s.name,
                suppress_small(students.get(s.pk, 0)),
                _percent_text(screened_share.get(s.pk)),
                _percent_text(archive_share.get(s.pk)),
                "" if s.pk in with_round else NO_ROUND,
            ]
            + [table[(s.pk, level)] for level, _ in levels]
            + [table[(s.pk, "total")]]
        )
    return PanelContent(
        chart=chart,
        chart_headers=["项目", "全市"],
        chart_rows=[
            ["在读学生（人）", suppress_small(whole)],
            ["测评覆盖率", _percent_text(city_screened)],
            ["建档率", _percent_text(city_archived)],
            [f"{NO_ROUND}的学校（所）", len(no_round)],
        ]
        + [[f"未结预警：{label}", table[("total", level)]] for level, label in levels]
        + [["未结预警合计", table[("total", "total")]]],
        school_headers=["学校", "在读学生（人）", "测评覆盖率", "建档率", "提示"]
        + [f"预警：{label}" for _, label in levels]
        + ["预警合计"],
        school_rows=rows,
        note=(
            "三个全覆盖按全体在读学生计算：测评覆盖率 = 统计期内参加测评的在读学生 ÷ "
            "全校在读学生；建档率 = 已建心理健康档案的在读学生 ÷ 全校在读学生。"
            "统计期内未开展筛查的学校覆盖率为 0%，并标注“未开展筛查”。"
            "不足 5 人的数字显示为“<5”；为防止由合计相减推算，另有若干数字以“*”隐藏，"
            "使任何隐藏的数字都无法由行、列合计推出；"
            "在读学生不足 5 人的学校、或所计人数为 1–4 人时不显示比例。"
        ),
        alerts=[
            f"{s.name}{period.start:%Y-%m-%d} 以来{NO_ROUND}。"
            for s in listed
            if s.pk not in with_round
        ],
        township_headers=["乡镇（街道）", "学校（所）", "在读学生（人）", "测评覆盖率", "建档率"]
        + ["提示"]
        + [f"预警：{label}" for _, label in levels]
        + ["预警合计"],
        township_rows=[
            (t, panel_township_row(t, table=table, **{k: extra[k] for k in _RAW}))
            for t in groups or ()
        ],
    )


_RAW = ("students", "screened", "archived", "with_round")


register_panel(
    "screening",
    title="心理测评与预警",
    figure_keys=["screening_coverage", "archive_coverage"],
    build=build_screening_panel,
    order=40,
    extra=warnings_by_level,
)
