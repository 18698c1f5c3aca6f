"""Training and lesson figures, and the training and curriculum-coverage panels of the
oversight reports and dashboard (R-9, R-18).

Imported in ``CoursesConfig.ready``. Values are JSON-friendly (hours as floats).
"""

from decimal import Decimal

from oversight.charts import Bar, bar_chart
from oversight.figures import register_figure
from oversight.panels import PanelContent, percent, register_panel
from schools.calendar import Period

from .training.reports import hours_by_school, hours_target_by_school

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
    """The targets over the period's own days (a school year: its target; any other period:
    its share of the school years it touches), for the staff active on ``period.as_of``."""
    on = period.as_of
    found = hours_target_by_school(
        school_ids=_ids(schools), first=period.start, last=period.end, on=on
    )
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
            "计入认定时教师所在学校；目标为同一时段的各岗位学年目标学时之和"
            "（学年目标按学年设定，统计期不是整个学年时按所占天数折算；"
            f"统计日 {period.as_of:%Y-%m-%d} 在岗教职工，兼任多岗取最高）。"
        ),
    )


register_panel(
    "training",
    title="教师培训学时",
    figure_keys=["training_trained_staff", "training_hours", "training_hours_target"],
    build=build_training_panel,
    order=30,
)


# --- mental-health lessons and curriculum coverage (R-18) ---------------------------------------

LESSON_SOURCE = "心理健康课授课记录"
# The dashboard names the schools whose curriculum coverage is below this share (per cent).
COVERAGE_ALERT_BELOW = 60


def lessons_recorded(*, schools, period: Period) -> dict[int, int]:
    """Periods (课时) of mental-health lessons recorded with a date in the period."""
    from .lessons.selectors import lesson_periods_by_school

    return lesson_periods_by_school(school_ids=_ids(schools), first=period.start, last=period.end)


def _coverage(schools, period: Period):
    from .lessons.selectors import lesson_coverage_by_school

    return lesson_coverage_by_school(
        school_ids=_ids(schools), start=period.start, as_of=period.as_of
    )


def curriculum_coverage(*, schools, period: Period) -> dict[int, float | None]:
    """Per cent of the school's classes covered (rule: ``courses.lessons.selectors``)."""
    return {pk: c.share for pk, c in _coverage(schools, period).items()}


def curriculum_classes_covered(*, schools, period: Period) -> dict[int, int]:
    return {pk: c.covered for pk, c in _coverage(schools, period).items()}


def _percent_text(value) -> str:
    return "—" if value is None else f"{value:g}%"


register_figure(
    "lessons_recorded",
    label="心理健康课已记录课时",
    source_label=LESSON_SOURCE,
    compute_many=lessons_recorded,
    unit="课时",
    order=36,
)
register_figure(
    "curriculum_classes_covered",
    label="心理健康课达标班级",
    source_label=LESSON_SOURCE,
    compute_many=curriculum_classes_covered,
    unit="个",
    order=37,
)
register_figure(
    "curriculum_coverage",
    label="课程覆盖率",
    source_label=LESSON_SOURCE,
    compute_many=curriculum_coverage,
    order=38,
    display=_percent_text,
)


def _coverage_extra(*, user, schools, period):
    return _coverage(schools, period)


def build_curriculum_panel(*, schools, values, period, extra) -> PanelContent:
    from .lessons.selectors import LESSON_INTERVAL_DAYS, lessons_expected

    coverage, share = extra, values["curriculum_coverage"]
    expected = lessons_expected(start=period.start, as_of=period.as_of)
    classes = sum(coverage[s.pk].classes for s in schools)
    covered = sum(coverage[s.pk].covered for s in schools)
    periods = sum(coverage[s.pk].periods for s in schools)
    city = round(100 * covered / classes, 1) if classes else None
    full = sum(1 for s in schools if coverage[s.pk].classes and coverage[s.pk].share == 100)
    chart = bar_chart(
        [Bar("全市" if len(schools) > 1 else "合计", city or 0, of=100, text=_percent_text(city))]
        + [
            Bar(s.name, share.get(s.pk) or 0, of=100, text=_percent_text(share.get(s.pk)))
            for s in schools
        ],
        title="心理健康课程覆盖率（达标班级占比）",
    )
    rows = [
        [
            s.name,
            coverage[s.pk].classes,
            coverage[s.pk].covered,
            _percent_text(share.get(s.pk)),
            coverage[s.pk].periods,
        ]
        for s in schools
    ]
    behind = [
        s for s in schools if share.get(s.pk) is not None and share[s.pk] < COVERAGE_ALERT_BELOW
    ]
    return PanelContent(
        chart=chart,
        chart_headers=["范围", "班级数", "达标班级", "课程覆盖率", "已记录课时"],
        chart_rows=[
            [
                "全市" if len(schools) > 1 else "合计",
                classes,
                covered,
                _percent_text(city),
                periods,
            ],
        ],
        school_headers=["学校", "班级数", "达标班级", "课程覆盖率", "已记录课时"],
        school_rows=rows,
        note=(
            f"按市局“每两周至少一节心理健康课”的要求：自 {period.start:%Y-%m-%d} 至统计日 "
            f"{period.as_of:%Y-%m-%d}，扣除寒暑假，每个班级应有不少于 {expected} 课时"
            f"（教学日数 ÷ {LESSON_INTERVAL_DAYS}，至少 1 课时），达到即为达标；"
            "课程覆盖率为达标班级占全部班级的比例。数据来自各校登记的授课记录。"
            f"全部班级达标的学校 {full} 所（{percent(full, len(schools))}）。"
        ),
        alerts=[
            f"{s.name}心理健康课程覆盖率为 {_percent_text(share[s.pk])}，"
            f"低于 {COVERAGE_ALERT_BELOW}%，请督促按计划开课并及时登记。"
            for s in behind
        ],
    )


register_panel(
    "curriculum",
    title="心理健康课程覆盖",
    # The per-school counts come from one grouped read (``extra``); lessons_recorded equals
    # their periods (nothing is recorded after the reading day).
    figure_keys=["curriculum_coverage"],
    build=build_curriculum_panel,
    order=35,
    extra=_coverage_extra,
)
