"""Back-office views of the schools app: viewsets, staff creation, imports, R-10, access log."""

import django_filters
from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from portal.downloads import download_name_set

from . import access, imports, selectors
from .audit import access_log_record
from .backoffice import CapabilityMenuItem, CapabilityRequiredMixin
from .forms import (
    FacilityForm,
    SchoolClassForm,
    SchoolForm,
    StaffCreateForm,
    StaffEditForm,
    StudentForm,
)
from .models import AccessLog, Facility, Membership, School, SchoolClass, Student
from .services import staff_member_add, staff_member_update, staff_password_reset
from .viewsets import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedModelViewSet,
)
from .vocab import Grade, Role, SchoolKind

# --- listing filters whose choices never reach beyond the user's scope ----------------------------


class TownshipFilterSet(WagtailFilterSet):
    township = django_filters.CharFilter(
        field_name="school__township", lookup_expr="icontains", label="乡镇（街道）"
    )


class SchoolFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(choices=SchoolKind.choices, label="学校类型")
    township = django_filters.CharFilter(lookup_expr="icontains", label="乡镇（街道）")

    class Meta:
        model = School
        fields = ["kind", "is_public"]


class FacilityFilterSet(TownshipFilterSet):
    class Meta:
        model = Facility
        fields = ["kind", "status"]


class SchoolClassFilterSet(TownshipFilterSet):
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label="年级")

    class Meta:
        model = SchoolClass
        fields = ["grade"]


class StaffFilterSet(TownshipFilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices, label="角色")

    class Meta:
        model = Membership
        fields = ["role", "psych_employment"]


def _scoped_classes(request):
    if request is None:
        return SchoolClass.objects.none()
    return selectors.classes_for(user=request.user)


class StudentFilterSet(WagtailFilterSet):
    grade = django_filters.ChoiceFilter(
        field_name="school_class__grade", choices=Grade.choices, label="年级"
    )
    school_class = django_filters.ModelChoiceFilter(queryset=_scoped_classes, label="班级")
    # Read by StudentIndexView.get_base_queryset (archived students are not listed).
    archived = django_filters.BooleanFilter(
        method="_as_is", label="已离校（归档）学生", help_text="仅学校管理员可查看。"
    )

    class Meta:
        model = Student
        fields = ["gender"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is None or not selectors.may_manage_students(user=request.user):
            del self.filters["archived"]

    def _as_is(self, queryset, name, value):
        return queryset


class AccessLogFilterSet(WagtailFilterSet):
    """The log viewer's filters: person, student (name or 学号), kind of record, action,
    result and dates. Both log viewers (学校管理 and 心理测评与档案) use it."""

    person = django_filters.CharFilter(method="_person", label="人员（用户名或姓名）")
    student = django_filters.CharFilter(
        method="_student",
        label="学生（姓名或学号）",
        help_text="完全一致才匹配；已删除的学生可用“#内部编号”查找。",
    )
    area = django_filters.ChoiceFilter(
        method="_area",
        choices=[(key, label) for key, (label, _types) in selectors.ACCESS_LOG_AREAS.items()],
        label="记录类别",
    )
    action = django_filters.ChoiceFilter(choices=selectors.access_log_action_choices, label="操作")
    allowed = django_filters.BooleanFilter(label="结果（是否允许）")
    at = django_filters.DateFromToRangeFilter(label="日期", widget=DateRangePickerWidget)

    class Meta:
        model = AccessLog
        fields = ["action", "allowed"]

    def _person(self, queryset, name, value):
        return selectors.access_log_by_person(queryset, text=value)

    def _student(self, queryset, name, value):
        return selectors.access_log_by_student(queryset, text=value)

    def _area(self, queryset, name, value):
        return selectors.access_log_by_area(queryset, area=value)


# --- viewsets ------------------------------------------------------------------------------------


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


class StudentIndexView(ScopedIndexView):
    """学生: students in reach who are 在读; school admins may ask for those who left."""

    def get_base_queryset(self):
        archived = self.request.GET.get("archived") == "true"
        return selectors.students_listed_for(user=self.request.user, archived=archived)

    def access_log_school(self):
        ids = access.school_ids_for(user=self.request.user, cap="schools.student.read")
        return next(iter(ids)) if len(ids) == 1 else None


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


class AccessLogViewSet(ScopedModelViewSet):
    """访问日志: read-only, paginated, filtered (AccessLogFilterSet); the auditor exports it.
    Every listing and export of it is itself logged."""

    model = AccessLog
    menu_label = "访问日志"
    icon = "list-ul"
    name = "schools_access_log"
    url_prefix = "schools/access-log"
    log_access = True
    list_per_page = 50
    list_display = [
        DateColumn("at", label="时间"),
        "user",
        "action",
        "object_type",
        "object_id",
        Column("student_pk", label="学生（内部编号）"),
        Column("count", label="条数"),
        "school",
        BooleanColumn("allowed", label="允许"),
        "ip",
    ]
    list_export = [
        "at",
        "user.username",
        "user.real_name",
        "action",
        "object_type",
        "object_id",
        "student_pk",
        "count",
        "school",
        "allowed",
        "ip",
        "path",
    ]
    export_headings = {"user.username": "用户名", "user.real_name": "姓名"}
    export_filename = "访问日志"
    export_predicate = selectors.may_export_access_log
    filterset_class = AccessLogFilterSet
    search_fields = ["object_id", "path"]
    exclude_form_fields = []


# --- imports -------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="导入内容", choices=[(k, v[0]) for k, v in imports.KINDS.items()]
    )
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.none())
    file = forms.FileField(label="文件", help_text="Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        managed = selectors.schools_managed_by(user=user)
        if not selectors.may_manage_students(user=user):
            # The bureau manages schools and staff, never a student roll.
            self.fields["kind"].choices = [
                (k, v[0]) for k, v in imports.KINDS.items() if k != "students"
            ]
        self.fields["school"].queryset = managed
        if managed.count() == 1:
            self.fields["school"].initial = managed.first().pk


class ImportView(CapabilityRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "schools/admin/import.html"
    page_title = "批量导入"
    header_icon = "upload"
    capability = "schools.records.write"
    denied_object_type = "schools.import"

    def get(self, request):
        form = ImportForm(user=request.user, initial={"kind": request.GET.get("kind", "")})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request):
        form = ImportForm(request.POST, request.FILES, user=request.user)
        context = {"form": form}
        if form.is_valid():
            upload = form.cleaned_data["file"]
            school = form.cleaned_data["school"]
            kind = form.cleaned_data["kind"]
            try:
                table = imports.table_read(name=upload.name, data=upload)
                if kind == "staff" and len(table.rows) > imports.STAFF_INLINE_ROWS:
                    job = imports.staff_import_job_start(
                        by=request.user, school=school, table=table
                    )
                    return redirect("schools_import:job", job.pk)
                run = imports.student_import if kind == "students" else imports.staff_import
                result = run(by=request.user, school=school, table=table)
            except imports.ImportRejected as failed:
                context["errors"] = failed.errors
            else:
                context["result"] = result
                context["imported_kind"] = imports.KINDS[kind][0]
                context["school"] = school
                context["first_login_links"] = imports.first_login_links(
                    user_ids=[pk for _u, _n, pk in result.new_accounts]
                )
        return self.render_to_response(self.get_context_data(**context))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = [
            (
                label,
                reverse("schools_import:template", args=[kind, "xlsx"]),
                reverse("schools_import:template", args=[kind, "csv"]),
                "、".join(columns),
            )
            for kind, (label, columns) in imports.KINDS.items()
            if kind != "students" or selectors.may_manage_students(user=self.request.user)
        ]
        return context


class ImportTemplateView(CapabilityRequiredMixin, View):
    capability = "schools.records.write"
    denied_object_type = "schools.import"

    def get(self, request, kind, fmt):
        if kind not in imports.KINDS or fmt not in ("xlsx", "csv"):
            raise Http404
        label = imports.KINDS[kind][0]
        if fmt == "xlsx":
            data = imports.template_xlsx(kind=kind)
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            data = imports.template_csv(kind=kind)
            mime = "text/csv; charset=utf-8"
        response = HttpResponse(data, content_type=mime)
        return download_name_set(response, filename=f"{label}导入模板.{fmt}")


class ImportJobView(CapabilityRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """A large staff import's progress, then its outcome: only for the person who started it
    (while they still manage that school)."""

    template_name = "schools/admin/import_job.html"
    page_title = "教职工导入进度"
    header_icon = "upload"
    capability = "schools.records.write"
    denied_object_type = "schools.import"

    def get(self, request, pk):
        from .models import StaffImportJob

        job = (
            StaffImportJob.objects.filter(
                pk=pk,
                created_by=request.user,
                school__in=selectors.schools_managed_by(user=request.user),
            )
            .select_related("school")
            .first()
        )
        if job is None:
            raise Http404
        context = {"job": job}
        if job.status == job.Status.DONE:
            context["first_login_links"] = imports.first_login_links(user_ids=job.new_user_ids)
        return self.render_to_response(self.get_context_data(**context))


class ImportViewSet(ViewSet):
    name = "schools_import"
    url_prefix = "schools/import"
    menu_label = "批量导入"
    icon = "upload"

    def get_urlpatterns(self):
        return [
            path("", ImportView.as_view(), name="index"),
            path("template/<str:kind>.<str:fmt>", ImportTemplateView.as_view(), name="template"),
            path("jobs/<int:pk>/", ImportJobView.as_view(), name="job"),
        ]

    def get_menu_item(self, order=None):
        return CapabilityMenuItem(
            label=self.menu_label,
            url=reverse("schools_import:index"),
            name="schools-import",
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
            capability=ImportView.capability,
        )


# --- schools without an active psychology teacher ----------------------------------------------


class PsychGapView(CapabilityRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "schools/admin/psych_gap.html"
    page_title = "未配备心理教师的学校"
    header_icon = "warning"
    capability = "schools.psychgap.read"
    denied_object_type = "schools.psych_gap"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        schools = selectors.schools_without_psych_teacher(user=self.request.user)
        context["schools"] = list(schools.order_by("township", "code"))
        context["total"] = selectors.schools_for(user=self.request.user).count()
        return context


class PsychGapViewSet(ViewSet):
    name = "schools_psych_gap"
    url_prefix = "schools/psych-gap"
    menu_label = "心理教师配备缺口"
    icon = "warning"

    def get_urlpatterns(self):
        return [path("", PsychGapView.as_view(), name="index")]

    def get_menu_item(self, order=None):
        return CapabilityMenuItem(
            label=self.menu_label,
            url=reverse("schools_psych_gap:index"),
            name="psych-gap",
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
            capability=PsychGapView.capability,
        )


class SchoolsViewSetGroup(ViewSetGroup):
    menu_label = "学校管理"
    menu_icon = "site"
    menu_order = 200
    items = (
        SchoolViewSet,
        FacilityViewSet,
        SchoolClassViewSet,
        StaffViewSet,
        StudentViewSet,
        ImportViewSet,
        PsychGapViewSet,
        AccessLogViewSet,
    )


def psych_gap_panel_context(request) -> dict | None:
    """Figures for the bureau's dashboard panel; None for everyone else."""
    if not access.can(user=request.user, cap=PsychGapView.capability):
        return None
    return {
        "missing": selectors.schools_without_psych_teacher(user=request.user).count(),
        "total": selectors.schools_for(user=request.user).count(),
        "url": reverse("schools_psych_gap:index"),
    }
