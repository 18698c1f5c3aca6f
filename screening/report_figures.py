"""Screening figures and the screening panel of the oversight reports and dashboard (R-18).

Imported in ``ScreeningConfig.ready``. Coverage is over *target* students: the union of the
targets of a school's rounds in the period (``selectors.coverage_counts``), each student
counted once. Only shares and suppressed counts leave this module: no share where the target
group or the count behind it is under 5 (``selectors.coverage_share``), and warning counts go through
``oversight.suppression.suppress_table`` (rows, columns and totals together).
"""

from oversight.charts import Bar, bar_chart
from oversight.figures import register_figure
from oversight.panels import PanelContent, register_panel
from oversight.suppression import suppress_small
from schools.calendar import Period

from .models import WarningLevel
from .selectors import coverage_counts, coverage_share, warning_level_counts, warning_table

SOURCE = "心理测评与档案"


def _ids(schools) -> list[int]:
    return [s.pk for s in schools]


def _coverage(*, schools, period: Period, which: int) -> dict[int, float | None]:
    counts = coverage_counts(
        school_ids=_ids(schools), school_year_start=period.start, until=period.end
    )
    targets, part = counts[0], counts[which]
    return {pk: coverage_share(part.get(pk, 0), targets.get(pk, 0)) for pk in _ids(schools)}


def screening_coverage(*, schools, period: Period) -> dict[int, float | None]:
    """Per cent of the period's target students with a screening result taken in it."""
    return _coverage(schools=schools, period=period, which=1)


def archive_coverage(*, schools, period: Period) -> dict[int, float | None]:
    """Per cent of the period's target students with a mental-health archive."""
    return _coverage(schools=schools, period=period, which=2)


def _percent_text(value) -> str:
    return "—" if value is None else f"{value:g}%"


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
    """Counts behind the panel: per-school and city-wide. Two (unsuppressed) reads."""
    ids = _ids(schools)
    targets, screened, archived = coverage_counts(
        school_ids=ids, school_year_start=period.start, until=period.end
    )
    return {
        "warnings": warning_level_counts(school_ids=ids),
        "students": targets,
        "screened": screened,
        "archived": archived,
    }


def build_screening_panel(*, schools, values, period, extra) -> PanelContent:
    screened_share, archive_share = values["screening_coverage"], values["archive_coverage"]
    students = extra["students"]
    whole = sum(students.get(s.pk, 0) for s in schools)

    def city(counts) -> float | None:
        return coverage_share(sum(counts.get(s.pk, 0) for s in schools), whole)

    city_screened, city_archived = city(extra["screened"]), city(extra["archived"])
    chart = bar_chart(
        [
            Bar("测评覆盖率", city_screened or 0, of=100, text=_percent_text(city_screened)),
            Bar("建档率", city_archived or 0, of=100, text=_percent_text(city_archived)),
        ],
        title="全市心理测评覆盖率与建档率",
    )
    levels = WarningLevel.choices
    table = warning_table(counts=extra["warnings"], school_ids=_ids(schools))
    rows = []
    for s in schools:
        rows.append(
            [
                s.name,
                suppress_small(students.get(s.pk, 0)),
                _percent_text(screened_share.get(s.pk)),
                _percent_text(archive_share.get(s.pk)),
            ]
            + [table[(s.pk, level)] for level, _ in levels]
            + [table[(s.pk, "total")]]
        )
    return PanelContent(
        chart=chart,
        chart_headers=["项目", "全市"],
        chart_rows=[
            ["目标学生（人）", suppress_small(whole)],
            ["测评覆盖率", _percent_text(city_screened)],
            ["建档率", _percent_text(city_archived)],
        ]
        + [[f"未结预警：{label}", table[("total", level)]] for level, label in levels]
        + [["未结预警合计", table[("total", "total")]]],
        school_headers=["学校", "目标学生（人）", "测评覆盖率", "建档率"]
        + [f"预警：{label}" for _, label in levels]
        + ["预警合计"],
        school_rows=rows,
        note=(
            "目标学生为统计期内各筛查批次目标年级、班级的在读学生（多个批次只计一次）；"
            "测评覆盖率为其中统计期内参加测评的占比，建档率为其中已建心理健康档案的占比。"
            "不足 5 人的数字显示为“<5”；为防止由合计相减推算，另有若干数字以“*”隐藏，"
            "使任何隐藏的数字都无法由行、列合计推出；"
            "不足 5 名目标学生的学校不计比例。"
        ),
    )


register_panel(
    "screening",
    title="心理测评与预警",
    figure_keys=["screening_coverage", "archive_coverage"],
    build=build_screening_panel,
    order=40,
    extra=warnings_by_level,
)
