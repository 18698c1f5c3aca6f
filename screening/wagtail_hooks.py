"""Screening in the back office: custom views, scoped viewsets for instruments and rounds."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import SubmenuMenuItem
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.permissions import register_permission_policy

from schools.selectors import is_bureau, is_bureau_admin, memberships_of
from schools.viewsets import PredicateMenuItem, ScopedModelViewSet, ScopedPermissionPolicy
from schools.vocab import Role

from . import selectors, urls
from .forms import InstrumentForm, RoundForm
from .models import Instrument, ScreeningRound


def _has_role(user, *roles):
    return any(m.role in roles for m in memberships_of(user=user))


instrument_policy = ScopedPermissionPolicy(
    Instrument,
    read=selectors.instruments_for,
    write=selectors.instruments_managed_by,
    may_read=lambda user: _has_role(user, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.SCHOOL_ADMIN)
    or is_bureau(user=user),
    may_write=lambda user: selectors.may_define_instrument(user=user) or is_bureau_admin(user=user),
    may_add=lambda user: selectors.may_define_instrument(user=user),
    may_delete=lambda user: selectors.may_define_instrument(user=user),
)
round_policy = ScopedPermissionPolicy(
    ScreeningRound,
    read=selectors.rounds_for,
    write=selectors.rounds_managed_by,
    may_read=lambda user: _has_role(
        user, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.SCHOOL_ADMIN
    ),
    may_write=lambda user: _has_role(user, Role.PSYCH_TEACHER),
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

    def psych(*, user):
        return _has_role(user, Role.PSYCH_TEACHER)

    def warning_readers(*, user):
        return _has_role(
            user, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.GRADE_LEADER, Role.CLASS_TEACHER
        )

    items = [
        PredicateMenuItem(
            "总览",
            reverse("screening:index"),
            name="screening-index",
            icon_name="home",
            order=10,
            predicate=lambda *, user: selectors.has_screening_access(user=user),
        ),
        PredicateMenuItem(
            "筛查批次",
            reverse("screening:rounds"),
            name="screening-rounds",
            icon_name="date",
            order=20,
            predicate=lambda *, user: _has_role(
                user, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.SCHOOL_ADMIN
            ),
        ),
        PredicateMenuItem(
            "测评量表",
            reverse(instrument_viewset.get_url_name("index")),
            name="screening-instruments",
            icon_name="list-ol",
            order=30,
            predicate=psych,
        ),
        PredicateMenuItem(
            "预警",
            reverse("screening:warnings"),
            name="screening-warnings",
            icon_name="warning",
            order=40,
            predicate=warning_readers,
        ),
        PredicateMenuItem(
            "本班关注",
            reverse("screening:my_class"),
            name="screening-my-class",
            icon_name="group",
            order=50,
            predicate=lambda *, user: _has_role(user, Role.CLASS_TEACHER),
        ),
        PredicateMenuItem(
            "统计与覆盖率",
            reverse("screening:figures"),
            name="screening-figures",
            icon_name="table",
            order=60,
            predicate=lambda *, user: selectors.figure_schools_for(user=user).exists(),
        ),
        PredicateMenuItem(
            "访问日志",
            reverse("screening:access_log"),
            name="screening-access-log",
            icon_name="history",
            order=70,
            predicate=lambda *, user: is_bureau(user=user) or _has_role(user, Role.SCHOOL_LEADER),
        ),
    ]
    return SubmenuMenuItem(
        "心理测评与档案", Menu(items=items), name="screening", icon_name="doc-full", order=400
    )
