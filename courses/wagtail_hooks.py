"""Back office for training: menu, report / attendance / approval views, scoped viewsets."""

from django.forms import modelform_factory
from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from schools import access
from schools.backoffice import AreaViewSet, MenuLink
from schools.viewsets import ScopedModelForm, ScopedModelViewSet, ScopedPermissionPolicy

from .models import HoursTarget, TrainingSession
from .training import admin as views
from .training import selectors as sel

# --- permission policies (registered first: every admin view asks them) ----------------------


session_policy = ScopedPermissionPolicy(
    TrainingSession,
    read=sel.sessions_for_user,
    write=sel.sessions_managed_by,
    may_read=lambda *, user: access.can(user=user, cap="courses.session.read"),
    may_write=lambda *, user: access.can(user=user, cap="courses.session.write"),
)
register_permission_policy(TrainingSession, session_policy)

target_policy = ScopedPermissionPolicy(
    HoursTarget,
    read=lambda *, user: HoursTarget.objects.all(),
    write=lambda *, user: HoursTarget.objects.all()
    if access.can(user=user, cap="courses.target.write")
    else HoursTarget.objects.none(),
    may_read=lambda *, user: access.can(user=user, cap="portal.backoffice"),
    may_write=lambda *, user: access.can(user=user, cap="courses.target.write"),
)
register_permission_policy(HoursTarget, target_policy)


# --- viewsets -------------------------------------------------------------------------------------


class TrainingSessionForm(ScopedModelForm):
    def clean(self):
        cleaned = super().clean()
        user = self.for_user
        city_wide = user is not None and access.bureau_covers(
            user=user, cap="courses.session.write"
        )
        if user is not None and not city_wide and not cleaned.get("school"):
            self.add_error("school", "学校管理员只能创建本校场次，请选择学校。")
        return cleaned


class TrainingSessionViewSet(ScopedModelViewSet):
    model = TrainingSession
    permission_policy = session_policy
    icon = "date"
    menu_label = "培训场次"
    url_prefix = "training/sessions"
    url_namespace = "training_sessions"
    form_fields = [
        "module",
        "title",
        "school",
        "starts_at",
        "ends_at",
        "place",
        "trainer",
        "capacity",
    ]
    list_display = ["__str__", "school", "place", "trainer", "capacity"]
    list_filter = ["module"]

    def get_form_class(self, for_update=False):
        # The school choice is limited to the schools the user manages (ScopedModelForm).
        return modelform_factory(
            self.model,
            form=TrainingSessionForm,
            fields=self.form_fields,
            formfield_callback=self.formfield_for_dbfield,
        )


class HoursTargetViewSet(ScopedModelViewSet):
    model = HoursTarget
    permission_policy = target_policy
    icon = "pick"
    menu_label = "学年学时目标"
    url_prefix = "training/targets"
    url_namespace = "training_targets"
    form_fields = ["year", "role", "hours"]
    list_display = ["year", "role", "hours"]
    list_filter = ["year"]
    inspect_view_enabled = False


session_viewset = TrainingSessionViewSet()
target_viewset = HoursTargetViewSet()

admin_patterns = [
    path("reports/school/", views.school_report, name="school_report"),
    path("reports/city/", views.bureau_report, name="bureau_report"),
    path("attendance/", views.attendance_list, name="attendance_list"),
    path("attendance/<int:pk>/", views.attendance_session, name="attendance_session"),
    path("external/", views.external_list, name="external_list"),
    path("external/<int:pk>/decide/", views.external_decide, name="external_decide"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/<int:pk>/reverse/", views.ledger_reverse, name="ledger_reverse"),
]


class TrainingArea(AreaViewSet):
    """培训学时: reports, attendance, external claims, the ledger, sessions and targets."""

    name = "training_admin"
    url_prefix = "training"
    menu_label = "培训学时"
    icon = "group"
    menu_order = 310
    routes = admin_patterns
    menu_links = (
        MenuLink("学校学时报表", route="school_report", icon="table", order=0),
        MenuLink("全市学时报表", route="bureau_report", icon="table", order=1),
        MenuLink(
            "培训场次",
            url_name=session_viewset.get_url_name("index"),
            capability="courses.session.read",
            icon="date",
            order=2,
        ),
        MenuLink("出勤登记", route="attendance_list", icon="tick", order=3),
        MenuLink("校外培训审核", route="external_list", icon="doc-full", order=4),
        MenuLink("学时台账", route="ledger", icon="list-ul", order=5),
        MenuLink(
            "学年学时目标",
            url_name=target_viewset.get_url_name("index"),
            capability="portal.backoffice",
            icon="pick",
            order=6,
        ),
    )


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return [session_viewset, target_viewset, TrainingArea()]


# --- mental-health lessons taught (R-18 curriculum coverage) ---------------------------------------

from .lessons import admin as lesson_admin  # noqa: E402  (registers the lesson-record policy)


@hooks.register("register_admin_viewset")
def register_lesson_viewsets():
    return [lesson_admin.lesson_record_viewset, lesson_admin.LessonsArea()]


@hooks.register("register_export_kinds")
def training_exports():
    from .training.exports import CITY_REPORT, SCHOOL_REPORT

    return [SCHOOL_REPORT, CITY_REPORT]
