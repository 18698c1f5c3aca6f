"""The city dashboard's panels, fed by the figure registry.

A panel names the figures it needs and builds, from their values for the schools in the
viewer's scope, a chart and the table behind it plus a per-school table. The dashboard
computes every figure once for all schools (constant queries), then asks each panel.

``build(*, schools, values, period, extra, listed=None, groups=None)``: the city figures
(chart and its table) are over ``schools``, every school in scope; the per-school rows (and
alerts naming a school) only over ``listed`` (default: ``schools``) — the bureau sees one
township's schools at a time. With ``groups`` (the townships, ``schools.selectors.Township``)
the panel adds one summary row per township, its counts summed from the schools' own counts
before any share or suppression is worked out (``township_rows``).

Apps add panels at start-up with ``register_panel`` (training hours, screening coverage
with ``oversight.suppression``, incidents and clock compliance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from schools.calendar import Period
from schools.models import Facility

from .charts import Bar, bar_chart
from .figures import figure_get


@dataclass
class PanelContent:
    chart: SafeString
    # The table the chart is drawn from.
    chart_headers: list[str]
    chart_rows: list[list[Any]]
    # One row per school.
    school_headers: list[str]
    school_rows: list[list[Any]]
    note: str = ""
    alerts: list[str] = field(default_factory=list)
    # One row per township (the bureau's default view): (township, cells after its name).
    township_headers: list[str] = field(default_factory=list)
    township_rows: list[tuple[Any, list[Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    figure_keys: tuple[str, ...]
    build: Callable[..., PanelContent]
    order: int = 100
    template_name: str = "oversight/panels/panel.html"
    # Extra scoped data the panel needs beyond figures: fn(*, user, schools, period) → Any,
    # computed once per dashboard (constant queries, like figures).
    extra: Callable[..., Any] | None = None


_PANELS: dict[str, Panel] = {}


def register_panel(
    key: str,
    *,
    title: str,
    figure_keys,
    build,
    order: int = 100,
    template_name: str | None = None,
    extra=None,
) -> Panel:
    panel = Panel(
        key=key,
        title=title,
        figure_keys=tuple(figure_keys),
        build=build,
        order=order,
        template_name=template_name or Panel.template_name,
        extra=extra,
    )
    _PANELS[key] = panel
    return panel


def unregister_panel(key: str) -> None:
    _PANELS.pop(key, None)


def panels_all() -> list[Panel]:
    """Registered panels whose figures are all registered, in order."""
    return sorted(
        (p for p in _PANELS.values() if all(figure_get(k) for k in p.figure_keys)),
        key=lambda p: (p.order, p.key),
    )


def percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.0f}%" if whole else "—"


TOWNSHIP_HEADER = "乡镇（街道）"


def township_rows(groups, row: Callable[[list], list]) -> list[tuple[Any, list[Any]]]:
    """``row(schools)`` for each township's schools: the same figures as the city's, over
    the township (counts summed first, shares from the sums)."""
    return [(t, row(list(t.schools))) for t in groups or ()]


# --- psychology teachers -------------------------------------------------------------


def _without_psych(*, user, schools, period: Period) -> set[int]:
    from schools.selectors import schools_without_psych_teacher

    ids = [s.pk for s in schools]
    return set(
        schools_without_psych_teacher(user=user, on=period.as_of)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )


def _psych_groups(schools, *, full, part, lacking) -> dict:
    from schools.vocab import is_kindergarten

    judged = [s for s in schools if not is_kindergarten(s.kind)]
    kindergartens = [s for s in schools if is_kindergarten(s.kind)]
    return {
        "judged": judged,
        "kindergartens": kindergartens,
        "with_full": sum(1 for s in judged if full.get(s.pk)),
        "part_only": sum(1 for s in judged if not full.get(s.pk) and part.get(s.pk)),
        "without": sum(1 for s in judged if s.pk in lacking),
        "kg_with": sum(1 for s in kindergartens if full.get(s.pk) or part.get(s.pk)),
    }


def build_psych_panel(*, schools, values, period, extra, listed=None, groups=None) -> PanelContent:
    """中小学 only are judged (the source: 每所中小学); kindergartens are listed apart."""
    from schools.vocab import is_kindergarten

    listed = schools if listed is None else listed
    full, part, staff = values["psych_full_time"], values["psych_part_time"], values["staff_count"]
    lacking = extra
    city = _psych_groups(schools, full=full, part=part, lacking=lacking)
    total = len(city["judged"])
    kindergartens = city["kindergartens"]
    groups_ = [
        ("配有专职教师", city["with_full"]),
        ("仅有兼职教师", city["part_only"]),
        ("未配备", city["without"]),
    ]
    chart = bar_chart(
        [Bar(label, n, of=total, text=f"{n} 所") for label, n in groups_],
        title="中小学心理健康教育教师配备（学校数）",
    )

    def hint(s) -> str:
        if is_kindergarten(s.kind):
            return "幼儿园（单列）"
        return "未配备" if s.pk in lacking else ""

    shown = _psych_groups(listed, full=full, part=part, lacking=lacking)
    rows = [
        [s.name, full.get(s.pk, 0), part.get(s.pk, 0), staff.get(s.pk, 0), hint(s)]
        for s in shown["judged"] + shown["kindergartens"]
    ]
    alerts = [
        f"{s.name}尚未配备专职或兼职心理健康教育教师。" for s in shown["judged"] if s.pk in lacking
    ]
    kg_with = city["kg_with"]

    def township(members) -> list:
        g = _psych_groups(members, full=full, part=part, lacking=lacking)
        return [
            len(g["judged"]),
            g["with_full"],
            g["part_only"],
            g["without"],
            f"{g['kg_with']}/{len(g['kindergartens'])}" if g["kindergartens"] else "—",
        ]

    return PanelContent(
        chart=chart,
        chart_headers=["配备情况（中小学）", "学校数", "占比"],
        chart_rows=[[label, n, percent(n, total)] for label, n in groups_]
        + (
            [["幼儿园（单列）：已配备", kg_with, percent(kg_with, len(kindergartens))]]
            if kindergartens
            else []
        ),
        school_headers=["学校", "专职（人）", "兼职（人）", "在岗教职工（人）", "提示"],
        school_rows=rows,
        note=(
            "每所中小学至少应配备 1 名专职或兼职心理健康教育教师；幼儿园不在此要求之列，"
            f"单列显示，不计为缺口。统计日：{period.as_of:%Y-%m-%d}。"
        ),
        alerts=alerts,
        township_headers=[
            TOWNSHIP_HEADER,
            "中小学（所）",
            "配有专职",
            "仅有兼职",
            "未配备",
            "幼儿园已配备/幼儿园",
        ],
        township_rows=township_rows(groups, township),
    )


register_panel(
    "psych_teachers",
    title="心理健康教育教师配备",
    figure_keys=["psych_full_time", "psych_part_time", "staff_count"],
    build=build_psych_panel,
    order=10,
    extra=_without_psych,
)


# --- facilities and channels ---------------------------------------------------------


def build_facilities_panel(
    *, schools, values, period, extra, listed=None, groups=None
) -> PanelContent:
    listed = schools if listed is None else listed
    total = len(schools)
    kinds = Facility.Kind.choices

    def in_use_of(members) -> dict:
        return {
            kind: sum(
                1 for s in members if values[f"facility_{kind}"].get(s.pk) == Facility.Status.IN_USE
            )
            for kind, _ in kinds
        }

    in_use = in_use_of(schools)
    chart = bar_chart(
        [
            Bar(label, in_use[kind], of=total, text=f"{in_use[kind]}/{total}")
            for kind, label in kinds
        ],
        title="场所与渠道覆盖（已建成使用的学校数）",
    )
    fig = figure_get("facility_counselling_room")
    rows = [
        [s.name]
        + [fig.display(values[f"facility_{kind}"].get(s.pk)) for kind, _ in kinds]
        + [values["facilities_in_use"].get(s.pk, 0)]
        for s in listed
    ]

    def township(members) -> list:
        counts = in_use_of(members)
        return [len(members)] + [counts[kind] for kind, _ in kinds]

    return PanelContent(
        chart=chart,
        chart_headers=["场所或渠道", "已建成使用（所）", "覆盖率"],
        chart_rows=[[label, in_use[kind], percent(in_use[kind], total)] for kind, label in kinds],
        school_headers=["学校"] + [label for _, label in kinds] + ["已使用（项）"],
        school_rows=rows,
        note="数据来自各校登记的场所与渠道。乡镇汇总中为已建成使用的学校数。",
        township_headers=[TOWNSHIP_HEADER, "学校（所）"] + [f"{label}（所）" for _, label in kinds],
        township_rows=township_rows(groups, township),
    )


register_panel(
    "facilities",
    title="心理辅导场所与求助渠道",
    figure_keys=["facilities_in_use"] + [f"facility_{k}" for k in Facility.Kind.values],
    build=build_facilities_panel,
    order=20,
)
