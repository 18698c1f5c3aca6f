"""Incident figures and the incidents panel of the oversight reports and dashboard (R-20).

Imported in ``DutyConfig.ready``. Counts only: no student, place or fact leaves this module.
Psychological crises (``CRISIS_CATEGORIES``: self-harm, suicide attempt, harm to others,
running away, bullying) are counted apart from accidents and other incidents: the crisis
figures count only crises.
"""

from django.db.models import Count

from oversight.charts import Bar, bar_chart
from oversight.figures import register_figure
from oversight.panels import TOWNSHIP_HEADER, PanelContent, percent, register_panel, township_rows
from schools.calendar import Period

from .models import CRISIS_CATEGORIES, EntryKind, IncidentCategory
from .selectors import incident_clocks, incidents_discovered_between, incidents_with_clocks

SOURCE = "事件报告"


def _ids(schools) -> list[int]:
    return [s.pk for s in schools]


def _count(*, schools, period: Period, crisis: bool) -> dict[int, int]:
    qs = incidents_discovered_between(school_ids=_ids(schools), first=period.start, last=period.end)
    qs = (
        qs.filter(category__in=CRISIS_CATEGORIES)
        if crisis
        else qs.exclude(category__in=CRISIS_CATEGORIES)
    )
    found = dict(
        qs.values("school_id").annotate(n=Count("pk")).order_by().values_list("school_id", "n")
    )
    return {pk: found.get(pk, 0) for pk in _ids(schools)}


def incidents_period(*, schools, period: Period) -> dict[int, int]:
    """Psychological crises discovered in the period (accidents not counted). One query."""
    return _count(schools=schools, period=period, crisis=True)


def other_incidents_period(*, schools, period: Period) -> dict[int, int]:
    """Accidents and other incidents discovered in the period. One query."""
    return _count(schools=schools, period=period, crisis=False)


register_figure(
    "incidents_period",
    label="报告的心理危机事件",
    source_label=SOURCE,
    compute_many=incidents_period,
    unit="起",
    order=50,
)
register_figure(
    "other_incidents_period",
    label="意外事故及其他事件",
    source_label=SOURCE,
    compute_many=other_incidents_period,
    unit="起",
    order=51,
)


def incidents_extra(*, user, schools, period) -> dict:
    """Per school: incidents by category and the phone (30 min) / written (2 h) clocks.

    One query: the incidents with their report times annotated.
    """
    qs = incidents_with_clocks(
        incidents_discovered_between(school_ids=_ids(schools), first=period.start, last=period.end)
    ).only("pk", "school_id", "category", "discovered_at")
    by_category: dict[int, dict[str, int]] = {}
    # {school_id: {kind: [on_time, due]}}; "due" excludes clocks still running.
    clocks: dict[int, dict[str, list[int]]] = {}
    for incident in qs:
        cats = by_category.setdefault(incident.school_id, {})
        cats[incident.category] = cats.get(incident.category, 0) + 1
        school = clocks.setdefault(
            incident.school_id, {EntryKind.PHONE: [0, 0], EntryKind.WRITTEN: [0, 0]}
        )
        for clock in incident_clocks(incident=incident):
            if clock.state == "pending":
                continue
            school[clock.kind][1] += 1
            school[clock.kind][0] += clock.state == "done"
    return {"by_category": by_category, "clocks": clocks}


def build_incidents_panel(
    *, schools, values, period, extra, listed=None, groups=None
) -> PanelContent:
    """Crises by category, and accidents and other incidents counted apart."""
    listed = schools if listed is None else listed
    cats = [(c, label) for c, label in IncidentCategory.choices if c in CRISIS_CATEGORIES]
    others = [(c, label) for c, label in IncidentCategory.choices if c not in CRISIS_CATEGORIES]
    by_category, clocks = extra["by_category"], extra["clocks"]

    def by_cat(members) -> dict:
        return {
            c: sum(by_category.get(s.pk, {}).get(c, 0) for s in members)
            for c, _ in IncidentCategory.choices
        }

    def clock_of(members, kind) -> tuple[int, int]:
        on_time = sum(clocks.get(s.pk, {}).get(kind, [0, 0])[0] for s in members)
        due = sum(clocks.get(s.pk, {}).get(kind, [0, 0])[1] for s in members)
        return on_time, due

    def clock_text(members, kind) -> str:
        on_time, due = clock_of(members, kind)
        return f"{on_time}/{due}（{percent(on_time, due)}）" if due else "—"

    def crises(members) -> int:
        return sum(values["incidents_period"].get(s.pk, 0) for s in members)

    city = by_cat(schools)
    total = crises(schools)
    phone, written = clock_of(schools, EntryKind.PHONE), clock_of(schools, EntryKind.WRITTEN)
    chart = bar_chart(
        [Bar(label, city[c], text=f"{city[c]} 起") for c, label in cats],
        title="心理危机事件（按类别）",
    )

    def row(members) -> list:
        found = by_cat(members)
        return (
            [crises(members)]
            + [found[c] for c, _ in cats]
            + [sum(found[c] for c, _ in others)]
            + [clock_text(members, EntryKind.PHONE), clock_text(members, EntryKind.WRITTEN)]
        )

    rows = [[s.name, *row([s])] for s in listed]
    total_other = sum(city[c] for c, _ in others)
    return PanelContent(
        chart=chart,
        chart_headers=["类别", "事件数（起）", "占比"],
        chart_rows=[[label, city[c], percent(city[c], total)] for c, label in cats]
        + [["心理危机事件合计", total, ""]]
        + [[f"（另计）{label}", city[c], ""] for c, label in others]
        + [
            ["30 分钟内电话报告", f"{phone[0]}/{phone[1]}", percent(*phone)],
            ["2 小时内书面报告", f"{written[0]}/{written[1]}", percent(*written)],
        ],
        school_headers=["学校", "心理危机事件（起）"]
        + [label for _, label in cats]
        + ["意外事故及其他（另计）", "30 分钟内电话报告", "2 小时内书面报告"],
        school_rows=rows,
        note=(
            f"按发现时间统计 {period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d} 的事件。"
            "心理危机事件指自伤、自杀未遂、伤害他人、离家出走、欺凌；意外事故、损坏财物等"
            f"其他事件另计（共 {total_other} 起），不计入心理危机事件。"
            "按时报告率 = 按时报告数 / 已到期或已报告数（时限未到且尚未报告的不计）。"
        ),
        township_headers=[TOWNSHIP_HEADER, "学校（所）", "心理危机事件（起）"]
        + [label for _, label in cats]
        + ["意外事故及其他（另计）", "30 分钟内电话报告", "2 小时内书面报告"],
        township_rows=township_rows(groups, lambda members: [len(members), *row(members)]),
    )


register_panel(
    "incidents",
    title="心理危机事件与报告时限",
    figure_keys=["incidents_period"],
    build=build_incidents_panel,
    order=50,
    extra=incidents_extra,
)
