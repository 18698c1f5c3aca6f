"""Back office for training: menu, report / attendance / approval views, scoped viewsets."""

from django.forms import modelform_factory
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy

from schools import access
from schools.backoffice import CapabilityMenuItem
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
    menu_order = 2
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
    menu_order = 6
    url_prefix = "training/targets"
    url_namespace = "training_targets"
    form_fields = ["year", "role", "hours"]
    list_display = ["year", "role", "hours"]
    list_filter = ["year"]
    inspect_view_enabled = False


class TrainingGroup(ViewSetGroup):
    menu_label = "培训学时"
    menu_icon = "group"
    menu_order = 310
    submenu_hook = "register_training_menu_item"
    items = (TrainingSessionViewSet, HoursTargetViewSet)


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingGroup()


# --- custom views ---------------------------------------------------------------------------------

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


@hooks.register("register_admin_urls")
def register_training_urls():
    return [path("training/", include((admin_patterns, "training_admin")))]


@hooks.register("register_training_menu_item")
def menu_school_report():
    return CapabilityMenuItem(
        "学校学时报表",
        reverse("training_admin:school_report"),
        icon_name="table",
        order=0,
        capability=views.school_report.capability,
    )


@hooks.register("register_training_menu_item")
def menu_bureau_report():
    return CapabilityMenuItem(
        "全市学时报表",
        reverse("training_admin:bureau_report"),
        icon_name="table",
        order=1,
        capability=views.bureau_report.capability,
    )


@hooks.register("register_training_menu_item")
def menu_attendance():
    return CapabilityMenuItem(
        "出勤登记",
        reverse("training_admin:attendance_list"),
        icon_name="tick",
        order=3,
        capability=views.attendance_list.capability,
    )


@hooks.register("register_training_menu_item")
def menu_external():
    return CapabilityMenuItem(
        "校外培训审核",
        reverse("training_admin:external_list"),
        icon_name="doc-full",
        order=4,
        capability=views.external_list.capability,
    )


@hooks.register("register_training_menu_item")
def menu_ledger():
    return CapabilityMenuItem(
        "学时台账",
        reverse("training_admin:ledger"),
        icon_name="list-ul",
        order=5,
        capability=views.ledger.capability,
    )


# --- mental-health lessons taught (R-18 curriculum coverage) ---------------------------------------

from .lessons import admin as lesson_admin  # noqa: E402  (registers the lesson-record policy)


@hooks.register("register_admin_viewset")
def register_lesson_viewsets():
    return lesson_admin.LessonsGroup()


@hooks.register("register_admin_urls")
def register_lesson_urls():
    return [path("lessons/", include((lesson_admin.admin_patterns, "lessons_admin")))]


@hooks.register("register_lessons_menu_item")
def menu_lesson_import():
    return lesson_admin.lesson_menu_items()[0]


@hooks.register("register_lessons_menu_item")
def menu_lesson_coverage():
    return lesson_admin.lesson_menu_items()[1]


@hooks.register("register_lessons_menu_item")
def menu_lesson_rule():
    return lesson_admin.lesson_menu_items()[2]
