"""Screening in the back office: custom views, scoped viewsets for instruments and rounds."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import SubmenuMenuItem
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.permissions import register_permission_policy

from schools import access
from schools.backoffice import CapabilityMenuItem
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


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [instrument_viewset, round_viewset]


@hooks.register("register_admin_urls")
def register_urls():
    return [path("screening/", include((urls.urlpatterns, "screening"), namespace="screening"))]


@hooks.register("register_admin_menu_item")
def register_menu():
    from wagtail.admin.menu import Menu

    items = [
        CapabilityMenuItem(
            "总览",
            reverse("screening:index"),
            name="screening-index",
            icon_name="home",
            order=10,
            capability=urls.views.index.capability,
        ),
        CapabilityMenuItem(
            "筛查批次",
            reverse("screening:rounds"),
            name="screening-rounds",
            icon_name="date",
            order=20,
            capability=urls.views.round_list.capability,
        ),
        CapabilityMenuItem(
            "测评量表",
            reverse(instrument_viewset.get_url_name("index")),
            name="screening-instruments",
            icon_name="list-ol",
            order=30,
            capability="screening.instrument.read",
        ),
        CapabilityMenuItem(
            "预警",
            reverse("screening:warnings"),
            name="screening-warnings",
            icon_name="warning",
            order=40,
            capability=urls.views.warning_list.capability,
        ),
        CapabilityMenuItem(
            "到期回访",
            reverse("screening:checkins"),
            name="screening-checkins",
            icon_name="date",
            order=45,
            capability=urls.views.checkins.capability,
        ),
        CapabilityMenuItem(
            "本班关注",
            reverse("screening:my_class"),
            name="screening-my-class",
            icon_name="group",
            order=50,
            capability=urls.views.my_class.capability,
        ),
        CapabilityMenuItem(
            "统计与覆盖率",
            reverse("screening:figures"),
            name="screening-figures",
            icon_name="table",
            order=60,
            capability=urls.views.figures.capability,
        ),
        CapabilityMenuItem(
            "访问日志",
            reverse("screening:access_log"),
            name="screening-access-log",
            icon_name="history",
            order=70,
            capability=urls.views.access_log.capability,
        ),
    ]
    return SubmenuMenuItem(
        "心理测评与档案", Menu(items=items), name="screening", icon_name="doc-full", order=400
    )


# --- 待办: warnings to work and check-ins due (the same selectors as the lists they open) -----


@hooks.register("register_todo_items")
def screening_todo(*, user):
    from django.db.models import Count, Q

    from portal.todo import CRITICAL, DUE, OVERDUE, TodoItem

    from .models import WarningLevel
    from .selectors.warnings import checkins_due, warning_rows

    if not access.can(user=user, cap="screening.warning.write"):
        return []
    counts = (
        warning_rows(user=user)
        .order_by()
        .aggregate(
            **{level: Count("pk", filter=Q(level=level)) for level in WarningLevel.values},
            overdue=Count("pk", filter=Q(overdue=True)),
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
        for level, label in WarningLevel.choices
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
