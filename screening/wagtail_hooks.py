"""Screening in the back office: custom views, scoped viewsets for instruments and rounds."""

from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.permissions import register_permission_policy

from portal.todo import OVERDUE, TODO_HOOK, TodoItem
from schools import access
from schools.backoffice import AreaViewSet, MenuLink
from schools.viewsets import ScopedModelViewSet, ScopedPermissionPolicy

from . import selectors, urls
from .forms import InstrumentForm, RoundForm
from .models import Instrument, ScreeningRound

instrument_policy = ScopedPermissionPolicy(
    Instrument,
    read=selectors.instruments_for,
    write=selectors.instruments_managed_by,
    may_read=lambda user: access.can(user=user, cap="screening.instrument.read"),
    may_write=lambda user: access.can(user=user, cap="screening.instrument.write"),
    may_add=lambda user: access.can(user=user, cap="screening.instrument.define"),
    may_delete=lambda user: access.can(user=user, cap="screening.instrument.define"),
)
round_policy = ScopedPermissionPolicy(
    ScreeningRound,
    read=selectors.rounds_for,
    write=selectors.rounds_managed_by,
    may_read=lambda user: access.can(user=user, cap="screening.round.read"),
    may_write=lambda user: access.can(user=user, cap="screening.round.write"),
)
register_permission_policy(Instrument, instrument_policy)
register_permission_policy(ScreeningRound, round_policy)


class InstrumentViewSet(ScopedModelViewSet):
    model = Instrument
    permission_policy = instrument_policy
    icon = "list-ol"
    menu_label = "测评量表"
    add_to_admin_menu = False
    url_prefix = "screening/instruments"
    name = "screening_instruments"
    list_display = [
        "name",
        "code",
        "version",
        "kind",
        "school",
        BooleanColumn("is_active", label="启用"),
    ]
    list_filter = ["kind"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("name"),
                    FieldPanel("code"),
                    FieldPanel("version"),
                    FieldPanel("school"),
                    FieldPanel("scoring"),
                    FieldPanel("is_active"),
                ],
                heading="基本信息",
            ),
            FieldPanel("instructions"),
            FieldPanel("licence_note"),
            InlinePanel("items", heading="题目", label="题目"),
            InlinePanel("cutoffs", heading="分界与预警级别", label="分界"),
        ],
        base_form_class=InstrumentForm,
    )


class RoundViewSet(ScopedModelViewSet):
    model = ScreeningRound
    permission_policy = round_policy
    icon = "date"
    menu_label = "筛查批次"
    add_to_admin_menu = False
    url_prefix = "screening/round-records"
    name = "screening_rounds"
    list_display = ["name", "school", "starts_on", "ends_on", "status", "basis"]
    edit_handler = ObjectList(
        [
            FieldPanel("school"),
            FieldPanel("name"),
            FieldPanel("instruments"),
            FieldPanel("grades"),
            FieldPanel("classes"),
            FieldPanel("starts_on"),
            FieldPanel("ends_on"),
            FieldPanel("basis"),
            FieldPanel("basis_note"),
            FieldPanel("status"),
        ],
        base_form_class=RoundForm,
    )


instrument_viewset = InstrumentViewSet()
round_viewset = RoundViewSet()


class ScreeningArea(AreaViewSet):
    """心理测评与档案: the custom views of ``screening.urls`` and the instrument viewset."""

    name = "screening"
    menu_label = "心理测评与档案"
    icon = "doc-full"
    menu_order = 400
    routes = urls.urlpatterns
    menu_links = (
        MenuLink("总览", route="index", icon="home", order=10),
        MenuLink("筛查批次", route="rounds", icon="date", order=20),
        MenuLink(
            "测评量表",
            url_name=instrument_viewset.get_url_name("index"),
            capability="screening.instrument.read",
            icon="list-ol",
            order=30,
        ),
        MenuLink("预警", route="warnings", icon="warning", order=40),
        MenuLink("到期回访", route="checkins", icon="date", order=44),
        MenuLink("关注类别名单", route="attention_list", icon="tag", order=45),
        MenuLink("本班关注", route="my_class", icon="group", order=50),
        MenuLink("统计与覆盖率", route="figures", icon="table", order=60),
        MenuLink("访问日志", route="access_log", icon="history", order=70),
    )


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [instrument_viewset, round_viewset, ScreeningArea()]


# --- 待办: support plans past their review date -------------------------------------------


@hooks.register(TODO_HOOK)
def plans_overdue_todo(*, user):
    """支持计划复评逾期, for the people who may edit the plans; the count is the rows of the
    list it opens (the same selector)."""
    if not access.can(user=user, cap=urls.views.plans_overdue.capability):
        return []
    plans = selectors.plans_review_overdue(user=user)
    count = plans.count()
    if not count:
        return []
    first = plans.values_list("review_on", flat=True).first()
    days = (timezone.localdate() - first).days
    return [
        TodoItem(
            area="心理档案",
            label="支持计划复评逾期",
            count=count,
            url=reverse("screening:plans_overdue"),
            severity=OVERDUE,
            detail=f"最早一份已逾期 {days} 天",
        )
    ]


# --- 待办: warnings to work and check-ins due (the same selectors as the lists they open) -----


@hooks.register(TODO_HOOK)
def screening_todo(*, user):
    from django.db.models import Count, Q

    from portal.todo import CRITICAL, DUE, OVERDUE, TodoItem

    from .models import WarningLevel
    from .selectors.warnings import checkins_due, overdue_q, warning_rows

    if not access.can(user=user, cap="screening.warning.write"):
        return []
    counts = (
        warning_rows(user=user)
        .order_by()
        .aggregate(
            **{level: Count("pk", filter=Q(level=level)) for level in WarningLevel.values},
            # the list's own definition (an aggregate cannot filter on the list's annotation
            # alias on PostgreSQL)
            overdue=Count("pk", filter=overdue_q()),
        )
    )
    url = reverse("screening:warnings")
    items = [
        TodoItem(
            area="心理预警",
            label=f"{label}预警待处置",
            count=counts[level],
            url=f"{url}?level={level}&status=active",
            severity=CRITICAL if level == WarningLevel.CRISIS else DUE,
        )
        for level, label in reversed(WarningLevel.choices)  # 危机, 重点关注, 一般关注
    ]
    items.append(
        TodoItem(
            area="心理预警",
            label="预警已过处置期限",
            count=counts["overdue"],
            url=f"{url}?status=active&overdue=on",
            severity=OVERDUE,
        )
    )
    rows = checkins_due(user=user)
    late = sum(1 for r in rows if r.overdue)
    items.append(
        TodoItem(
            area="心理预警",
            label="复学回访到期",
            count=len(rows),
            url=reverse("screening:checkins"),
            severity=OVERDUE if late else DUE,
            detail=f"其中 {late} 次已逾期" if late else "",
        )
    )
    return items


@hooks.register("register_export_kinds")
def screening_exports():
    from .exports import FIGURES

    return [FIGURES]
