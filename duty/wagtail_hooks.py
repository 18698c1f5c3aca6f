"""Back office for duty: roster, rotation and safety checks as scoped model viewsets; the
incident inbox, calendar, import and phone list as admin views; a dashboard panel."""

from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.permissions import register_permission_policy

from portal.todo import CRITICAL, OVERDUE, TODO_HOOK, TodoItem
from schools import access
from schools.backoffice import AreaViewSet, MenuLink
from schools.selectors import memberships_of
from schools.viewsets import ScopedModelViewSet, ScopedPermissionPolicy

from . import admin_urls, safety, selectors
from .forms import DutyAssignmentForm, DutyRotationSlotForm, SafetyCheckForm
from .models import DutyAssignment, DutyRotationSlot, IncidentReport, SafetyCheck

register_permission_policy(
    DutyAssignment,
    ScopedPermissionPolicy(
        DutyAssignment,
        read=selectors.roster_visible_to,
        write=selectors.roster_managed_by,
        may_read=lambda *, user: access.can(user=user, cap="duty.roster.read"),
        may_write=lambda *, user: access.can(user=user, cap="duty.roster.write"),
    ),
)
register_permission_policy(
    DutyRotationSlot,
    ScopedPermissionPolicy(
        DutyRotationSlot,
        read=selectors.rotation_visible_to,
        write=selectors.rotation_managed_by,
        may_read=lambda *, user: access.can(user=user, cap="duty.roster.read"),
        may_write=lambda *, user: access.can(user=user, cap="duty.roster.write"),
    ),
)
register_permission_policy(
    SafetyCheck,
    ScopedPermissionPolicy(
        SafetyCheck,
        read=selectors.safety_checks_visible_to,
        write=selectors.safety_checks_managed_by,
        may_read=lambda *, user: access.can(user=user, cap="duty.safety.read"),
        may_write=lambda *, user: access.can(user=user, cap="duty.safety.write"),
    ),
)
# Incidents have their own views (clocks, timeline, concurrency); the policy answers for
# anything generic (e.g. usage counts) with the same scope.
register_permission_policy(
    IncidentReport,
    ScopedPermissionPolicy(
        IncidentReport,
        read=selectors.incidents_visible_to,
        write=selectors.incidents_managed_by,
        may_read=lambda *, user: access.can(user=user, cap="duty.incident.read"),
        may_write=lambda *, user: access.can(user=user, cap="duty.incident.handle"),
        may_add=lambda *, user: access.can(user=user, cap="duty.incident.report"),
        may_delete=lambda *, user: False,
    ),
)


class DutyAssignmentViewSet(ScopedModelViewSet):
    model = DutyAssignment
    icon = "date"
    menu_label = "值班安排"
    url_prefix = "duty/roster/rows"
    list_display = ["date", "school", "duty_role", "person", "phone"]
    list_filter = ["duty_role", "date"]
    ordering = ["-date", "school__code", "duty_role"]

    def get_form_class(self, for_update=False):
        return DutyAssignmentForm


class DutyRotationSlotViewSet(ScopedModelViewSet):
    model = DutyRotationSlot
    icon = "repeat"
    menu_label = "每周轮值表"
    url_prefix = "duty/roster/rotation"
    list_display = ["school", "weekday", "duty_role", "person", "phone"]
    list_filter = ["weekday", "duty_role"]

    def get_form_class(self, for_update=False):
        return DutyRotationSlotForm


class SafetyCheckViewSet(ScopedModelViewSet):
    model = SafetyCheck
    icon = "tick-inverse"
    menu_label = "安全检查"
    url_prefix = "duty/safety-checks"
    list_display = ["date", "school", "inspector", "status", "fix_deadline"]
    list_filter = ["status", "date"]

    def get_form_class(self, for_update=False):
        return SafetyCheckForm


roster_viewset = DutyAssignmentViewSet()
rotation_viewset = DutyRotationSlotViewSet()
safety_viewset = SafetyCheckViewSet()


class DutyArea(AreaViewSet):
    """值班与事件: incidents, the roster (calendar, rows, rotation), phones, checks, notices."""

    name = "duty_admin"
    url_prefix = "duty"
    menu_label = "值班与事件"
    icon = "warning"
    menu_order = 250
    routes = admin_urls.urlpatterns
    menu_links = (
        MenuLink("事件报告", route="incidents", icon="warning", order=10),
        MenuLink("值班日历", route="roster_calendar", icon="calendar", order=20),
        MenuLink("今日值班电话", route="phone_list", icon="mobile-alt", order=30),
        MenuLink(
            "值班安排",
            url_name=roster_viewset.get_url_name("index"),
            capability="duty.roster.read",
            icon="date",
            order=40,
        ),
        MenuLink(
            "每周轮值表",
            url_name=rotation_viewset.get_url_name("index"),
            capability="duty.roster.read",
            icon="repeat",
            order=50,
        ),
        MenuLink(
            "安全检查",
            url_name=safety_viewset.get_url_name("index"),
            capability="duty.safety.read",
            icon="tick-inverse",
            order=60,
        ),
        MenuLink("逐项登记安全检查", route="safety_checklist", icon="list-ul", order=65),
        MenuLink("安全隐患整改逾期", route="safety_overdue", icon="warning", order=70),
        MenuLink("值班提醒", route="notices", icon="mail", order=90),
    )


@hooks.register("register_admin_viewset")
def register_duty_viewsets():
    return [roster_viewset, rotation_viewset, safety_viewset, DutyArea()]


@hooks.register(TODO_HOOK)
def safety_overdue_todo(*, user):
    """Overdue fixes for the school's people who keep safety checks (``duty.safety``)."""
    count = safety.overdue_todo_count(user=user)
    if not count:
        return []
    return [
        TodoItem(
            area="值班与事件",
            label="安全隐患整改逾期",
            count=count,
            url=reverse("duty_admin:safety_overdue"),
            severity=OVERDUE,
        )
    ]


class TodayDutyPanel(Component):
    """Dashboard: today's duty at the user's school(s), unread reminders, open incidents."""

    name = "duty_today"
    order = 50
    template_name = "duty/admin/dashboard_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        user = self.request.user
        day = timezone.localdate()
        bureau = access.is_bureau(user=user)
        school_ids = {m.school_id for m in memberships_of(user=user) if m.school_id}
        duty = []
        if school_ids and not bureau:
            duty = [
                r
                for r in selectors.duty_phone_list(user=user, day=day)
                if r["school"].pk in school_ids
            ]
        open_qs = selectors.incident_inbox(user=user, status="open")
        overdue = selectors.incident_inbox(user=user, overdue="any").count()
        return {
            "day": day,
            "duty": duty,
            "bureau": bureau,
            "notices": list(selectors.notices_for(user=user, unread_only=True)[:5]),
            "open_count": open_qs.count()
            if access.can(user=user, cap="duty.incident.read")
            else None,
            "overdue_count": overdue if access.can(user=user, cap="duty.incident.read") else None,
        }


@hooks.register("construct_homepage_panels")
def add_duty_panel(request, panels):
    if access.can(user=request.user, cap="portal.backoffice"):
        panels.append(TodayDutyPanel(request))


@hooks.register(TODO_HOOK)
def duty_todo(*, user):
    """Incident report clocks: passed (逾期) and about to pass, for those who handle incidents
    (the very rows the inbox lists under the same filter)."""
    if not access.can(user=user, cap="duty.incident.handle"):
        return []
    inbox = reverse("duty_admin:incidents")
    overdue = selectors.incident_inbox(user=user, overdue="any").count()
    soon = selectors.incident_inbox(user=user, overdue="soon").count()
    return [
        TodoItem(
            area="值班与事件",
            label="事件报告已超过时限",
            count=overdue,
            url=f"{inbox}?overdue=any",
            severity=CRITICAL,
            detail="电话报告 30 分钟、书面报告 2 小时内须完成",
        ),
        TodoItem(
            area="值班与事件",
            label="事件报告即将到时限",
            count=soon,
            url=f"{inbox}?overdue=soon",
            severity=OVERDUE,
        ),
    ]


@hooks.register("register_export_kinds")
def duty_exports():
    from .exports import INCIDENTS

    return [INCIDENTS]
