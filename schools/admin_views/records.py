"""The schools, facilities, classes, staff and students viewsets of the back office;
staff creation and password resets."""

from django.http import Http404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import access, hooks, selectors
from ..audit import access_log_record
from ..forms import (
    FacilityForm,
    SchoolClassForm,
    SchoolForm,
    StaffCreateForm,
    StaffEditForm,
    StudentForm,
)
from ..models import Facility, Membership, School, SchoolClass, Student
from ..services import (
    staff_member_add,
    staff_member_update,
    staff_password_reset,
    students_enrolled,
)
from ..viewsets import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
)
from .filters import (
    FacilityFilterSet,
    SchoolClassFilterSet,
    SchoolFilterSet,
    StaffFilterSet,
    StudentFilterSet,
)


class SchoolViewSet(ScopedModelViewSet):
    model = School
    menu_label = "学校"
    icon = "site"
    name = "schools_school"
    url_prefix = "schools/list"
    list_display = ["name", "code", "kind", "township", BooleanColumn("is_public", label="公办")]
    filterset_class = SchoolFilterSet
    search_fields = ["name", "code", "township"]

    def get_form_class(self, for_update=False):
        return SchoolForm


class FacilityViewSet(ScopedModelViewSet):
    model = Facility
    menu_label = "场所与渠道"
    icon = "home"
    name = "schools_facility"
    url_prefix = "schools/facilities"
    list_display = ["kind", "school", "status", "location", "opening_hours"]
    filterset_class = FacilityFilterSet
    search_fields = ["school__name", "location"]

    def get_form_class(self, for_update=False):
        return FacilityForm


class SchoolClassViewSet(ScopedModelViewSet):
    model = SchoolClass
    menu_label = "班级"
    icon = "group"
    name = "schools_class"
    url_prefix = "schools/classes"
    list_display = ["name", "school", "grade", "head_teacher"]
    filterset_class = SchoolClassFilterSet
    search_fields = ["name", "school__name"]

    def get_form_class(self, for_update=False):
        return SchoolClassForm


class StaffCreateView(ScopedCreateView):
    """Adds a person by username (creating the account if new) through ``staff_member_add``."""

    success_message = "已添加教职工“%(object)s”。"

    def save_instance(self):
        data = self.form.cleaned_data
        membership, password = staff_member_add(
            by=self.request.user,
            school=data.get("school"),
            username=data["username"],
            real_name=data["real_name"],
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            role=data["role"],
            grade=data.get("grade"),
            psych_employment=data.get("psych_employment", ""),
            active_from=data.get("active_from"),
            active_to=data.get("active_to"),
        )
        self.initial_password = password
        return membership

    def get_success_message(self, instance):
        message = super().get_success_message(instance)
        password = getattr(self, "initial_password", None)
        if password:
            message += (
                f" 新账号“{instance.user.username}”的初始密码：{password}"
                "（只显示这一次，请转告本人并提醒其登录后修改）。"
            )
        return message

    def form_valid(self, form):
        from django.core.exceptions import ValidationError

        try:
            return super().form_valid(form)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            return self.form_invalid(form)


class StaffEditView(ScopedEditView):
    def save_instance(self):
        return staff_member_update(by=self.request.user, membership=self.form.instance)


class StaffPasswordResetView(WagtailAdminTemplateMixin, TemplateView):
    """重置密码: a school admin gives a colleague of their school a temporary password.
    GET asks for confirmation, POST resets and shows the password once."""

    template_name = "schools/admin/password_reset.html"
    page_title = "重置密码"
    header_icon = "key"

    def dispatch(self, request, pk):
        self.membership = selectors.staff_managed_by(user=request.user).filter(pk=pk).first()
        if self.membership is None:
            access_log_record(
                request=request,
                action="password-reset-denied",
                object_type="schools.membership",
                object_id=str(pk)[:50],
                allowed=False,
            )
            raise Http404
        self.password = None
        self.error = None
        return super().dispatch(request, pk=pk)

    def post(self, request, pk):
        from django.core.exceptions import ValidationError

        try:
            self.password = staff_password_reset(
                by=request.user, membership=self.membership, request=request
            )
        except ValidationError as exc:
            self.error = " ".join(exc.messages)
        return self.get(request, pk)

    def get_page_subtitle(self):
        return str(self.membership.user)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "membership": self.membership,
            "password": self.password,
            "error": self.error,
            "index_url": reverse("schools_staff:index"),
        }


class StaffIndexView(ScopedIndexView):
    @cached_property
    def columns(self):
        # The name is the title column: it links to the entry and carries the row's
        # buttons (edit, 重置密码, delete).
        columns = super().columns
        from wagtail.admin.ui.tables import TitleColumn

        title = self._get_title_column_class(TitleColumn)(
            "user",
            label="姓名",
            accessor="user",
            get_url=lambda m: self.get_edit_url(m) or self.get_inspect_url(m),
        )
        return [title, *columns[1:]]

    def get_list_more_buttons(self, instance):
        from wagtail.admin.widgets.button import ListingButton

        buttons = super().get_list_more_buttons(instance)
        if selectors.staff_may_manage(user=self.request.user, membership=instance):
            buttons.append(
                ListingButton(
                    "重置密码",
                    url=reverse("schools_staff:password_reset", args=[instance.pk]),
                    icon_name="key",
                    priority=30,
                )
            )
        return buttons


class StaffViewSet(ScopedModelViewSet):
    model = Membership
    menu_label = "教职工"
    icon = "user"
    name = "schools_staff"
    url_prefix = "schools/staff"
    add_view_class = StaffCreateView
    edit_view_class = StaffEditView
    list_display = [
        Column("user", label="姓名", accessor="user"),
        Column("username", label="用户名", accessor="user.username"),
        "school",
        "role",
        "grade",
        "psych_employment",
        DateColumn("active_to", label="截止日期"),
    ]
    filterset_class = StaffFilterSet
    search_fields = ["user__username", "user__real_name", "school__name"]
    index_view_class = StaffIndexView

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "password/<int:pk>/",
                StaffPasswordResetView.as_view(),
                name="password_reset",
            )
        ]

    def get_form_class(self, for_update=False):
        return StaffEditForm if for_update else StaffCreateForm


class StudentCreateView(ScopedCreateView):
    """A student added in the back office is enrolled: every app keeps what it keeps from
    that day on (screening opens the archive)."""

    def save_instance(self):
        from django.db import transaction

        with transaction.atomic():
            student = super().save_instance()
            students_enrolled(students=[student], by=self.request.user)
        return student


def _link_buttons(links, *, header=False):
    from wagtail.admin.widgets.button import HeaderButton, ListingButton

    kind = HeaderButton if header else ListingButton
    if header:
        return [kind(label, url=url, icon_name="doc-full") for label, url in links]
    return [kind(label, url=url, icon_name="doc-full", priority=40) for label, url in links]


class StudentIndexView(ScopedIndexView):
    """学生: students in reach who are 在读; school admins may ask for those who left.
    Beside each row, what other apps link to for the student (``schools.hooks``: the
    心理档案 for those who may open it), asked once for the page."""

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        self.student_links = hooks.student_links(
            user=self.request.user, students=context.get("object_list") or ()
        )
        return context

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        links = getattr(self, "student_links", {}).get(instance.pk, ())
        return buttons + _link_buttons(links)

    def get_base_queryset(self):
        archived = self.request.GET.get("archived") == "true"
        return selectors.students_listed_for(user=self.request.user, archived=archived)

    def access_log_school(self):
        ids = access.school_ids_for(user=self.request.user, cap="schools.student.read")
        return next(iter(ids)) if len(ids) == 1 else None


class StudentInspectView(ScopedInspectView):
    """A student's record, with what other apps link to for the student (the archive)."""

    @cached_property
    def header_buttons(self):
        links = hooks.student_links(user=self.request.user, students=[self.object])
        return super().header_buttons + _link_buttons(links.get(self.object.pk, ()), header=True)


class StudentViewSet(ScopedModelViewSet):
    """Minors' records: every view of one student, every listing and every export is written
    to the access log."""

    model = Student
    menu_label = "学生"
    icon = "user"
    name = "schools_student"
    url_prefix = "schools/students"
    log_access = True
    index_view_class = StudentIndexView
    add_view_class = StudentCreateView
    inspect_view_class = StudentInspectView
    list_display = ["student_number", "name", "school_class", "gender", "school"]
    list_export = ["student_number", "name", "school_class", "gender", "school"]
    export_filename = "学生名单"
    filterset_class = StudentFilterSet
    search_fields = ["student_number", "name"]
    inspect_view_fields = [
        "school",
        "school_class",
        "student_number",
        "name",
        "gender",
        "birth_date",
        "guardian_name",
        "guardian_phone",
        "is_active",
        "left_on",
    ]

    def get_form_class(self, for_update=False):
        return StudentForm
