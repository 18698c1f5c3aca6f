"""Training and lesson figures, and the training and curriculum-coverage panels of the
oversight reports and dashboard (R-9, R-18).

Imported in ``CoursesConfig.ready``. Values are JSON-friendly (hours as floats).
"""

from decimal import Decimal

from oversight.charts import Bar, bar_chart
from oversight.figures import register_figure
from oversight.panels import TOWNSHIP_HEADER, PanelContent, percent, register_panel, township_rows
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


def build_training_panel(
    *, schools, values, period, extra, listed=None, groups=None
) -> PanelContent:
    listed = schools if listed is None else listed
    hours, target = values["training_hours"], values["training_hours_target"]
    trained = values["training_trained_staff"]

    def sums(members) -> tuple:
        return (
            sum(hours.get(s.pk, 0) for s in members),
            sum(target.get(s.pk, 0) for s in members),
            sum(trained.get(s.pk, 0) for s in members),
            sum(1 for s in members if target.get(s.pk) and hours.get(s.pk, 0) >= target[s.pk]),
        )

    total_hours, total_target, _, reached = sums(schools)

    def share(h, t) -> str:
        return f"{h * 100 / t:.0f}%" if t else "—"

    def bar(label, members) -> Bar:
        h, t, _, _ = sums(members)
        return Bar(label, h, of=t or None, text=share(h, t))

    # Each listed school; in the townships' summary, each township.
    bars = (
        [bar(s.name, [s]) for s in listed]
        if listed or not groups
        else [bar(t.label, t.schools) for t in groups]
    )
    chart = bar_chart(bars, title="教师培训学时完成情况（实际 / 目标）")
    rows = [
        [
            s.name,
            trained.get(s.pk, 0),
            _hours_text(hours.get(s.pk, 0)),
            _hours_text(target.get(s.pk, 0)),
            share(hours.get(s.pk, 0), target.get(s.pk, 0)),
        ]
        for s in listed
    ]

    def township(members) -> list:
        h, t, people, met = sums(members)
        return [
            len(members),
            people,
            _hours_text(h),
            _hours_text(t),
            share(h, t),
            f"{met}（{percent(met, len(members))}）",
        ]

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
        township_headers=[
            TOWNSHIP_HEADER,
            "学校（所）",
            "参训（人）",
            "实际学时",
            "目标学时",
            "完成率",
            "达到目标的学校",
        ],
        township_rows=township_rows(groups, township),
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
    from .lessons.selectors import lesson_rule

    return {"coverage": _coverage(schools, period), "rule": lesson_rule()}


def build_curriculum_panel(
    *, schools, values, period, extra, listed=None, groups=None
) -> PanelContent:
    """Coverage of 中小学 and of kindergartens, apart: each against the bureau's own rule for
    its group (``LessonRule``, 本局规定 — the source sets no frequency)."""
    from schools.vocab import is_kindergarten

    from .lessons.selectors import lessons_expected

    listed = schools if listed is None else listed
    townships = groups  # ``groups`` below are 中小学 and 幼儿园
    coverage, share, rule = extra["coverage"], values["curriculum_coverage"], extra["rule"]

    def group(kg: bool) -> dict:
        classes = sum(
            coverage[s.pk].kg_classes if kg else coverage[s.pk].classes - coverage[s.pk].kg_classes
            for s in schools
        )
        covered = sum(
            coverage[s.pk].kg_covered if kg else coverage[s.pk].covered - coverage[s.pk].kg_covered
            for s in schools
        )
        members = [s for s in schools if is_kindergarten(s.kind) == kg]
        return {
            "label": "幼儿园" if kg else "中小学",
            "classes": classes,
            "covered": covered,
            "share": round(100 * covered / classes, 1) if classes else None,
            "expected": lessons_expected(
                start=period.start, as_of=period.as_of, kindergarten=kg, rule=rule
            ),
            "rule": rule.text(kindergarten=kg),
            "full": sum(1 for s in members if coverage[s.pk].classes and share.get(s.pk) == 100),
            "schools": len(members),
        }

    groups = [group(False), group(True)]
    periods = sum(coverage[s.pk].periods for s in schools)
    chart = bar_chart(
        [Bar(g["label"], g["share"] or 0, of=100, text=_percent_text(g["share"])) for g in groups]
        + [
            Bar(s.name, share.get(s.pk) or 0, of=100, text=_percent_text(share.get(s.pk)))
            for s in listed
        ],
        title="心理健康课程覆盖率（达标班级占比，中小学与幼儿园分别统计）",
    )
    rows = [
        [
            s.name,
            "幼儿园" if is_kindergarten(s.kind) else "中小学",
            coverage[s.pk].classes,
            coverage[s.pk].covered,
            _percent_text(share.get(s.pk)),
            coverage[s.pk].periods,
        ]
        for s in listed
    ]
    behind = [
        s for s in listed if share.get(s.pk) is not None and share[s.pk] < COVERAGE_ALERT_BELOW
    ]

    def township(members) -> list:
        classes = sum(coverage[s.pk].classes for s in members)
        covered = sum(coverage[s.pk].covered for s in members)
        return [
            len(members),
            classes,
            covered,
            _percent_text(round(100 * covered / classes, 1) if classes else None),
            sum(coverage[s.pk].periods for s in members),
        ]

    return PanelContent(
        chart=chart,
        chart_headers=[
            "范围",
            "开课频次（本局规定）",
            "每班应有课时",
            "班级数",
            "达标班级",
            "课程覆盖率",
        ],
        chart_rows=[
            [
                g["label"],
                g["rule"],
                g["expected"],
                g["classes"],
                g["covered"],
                _percent_text(g["share"]),
            ]
            for g in groups
        ]
        + [["已记录课时（合计）", "", "", "", "", periods]],
        school_headers=["学校", "类别", "班级数", "达标班级", "课程覆盖率", "已记录课时"],
        school_rows=rows,
        note=(
            "上级文件要求将心理健康课纳入校本课程，未规定开课频次；开课频次为本局规定"
            f"（中小学{groups[0]['rule']}，幼儿园{groups[1]['rule']}，由市局在“开课频次”中设定）。"
            f"自 {period.start:%Y-%m-%d} 至统计日 {period.as_of:%Y-%m-%d}，扣除寒暑假，"
            f"中小学每班应有不少于 {groups[0]['expected']} 课时，幼儿园每班不少于 "
            f"{groups[1]['expected']} 课时，达到即为达标；课程覆盖率为达标班级占全部班级的比例，"
            "中小学与幼儿园分别统计。数据来自各校登记的授课记录。"
            + "".join(
                f"全部班级达标的{g['label']} {g['full']} 所（{percent(g['full'], g['schools'])}）。"
                for g in groups
                if g["schools"]
            )
        ),
        alerts=[
            f"{s.name}心理健康课程覆盖率为 {_percent_text(share[s.pk])}，"
            f"低于 {COVERAGE_ALERT_BELOW}%，请督促按计划开课并及时登记。"
            for s in behind
        ],
        township_headers=[
            TOWNSHIP_HEADER,
            "学校（所）",
            "班级数",
            "达标班级",
            "课程覆盖率",
            "已记录课时",
        ],
        township_rows=township_rows(townships, township),
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
