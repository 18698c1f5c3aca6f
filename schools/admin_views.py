"""Back-office views of the schools app: viewsets, staff creation, imports, R-10, access log."""

import django_filters
from django import forms
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from . import imports, selectors
from .forms import (
    FacilityForm,
    SchoolClassForm,
    SchoolForm,
    StaffCreateForm,
    StaffEditForm,
    StudentForm,
)
from .models import AccessLog, Facility, Membership, School, SchoolClass, Student
from .services import staff_member_add, staff_member_update
from .viewsets import (
    PredicateMenuItem,
    PredicateRequiredMixin,
    ScopedCreateView,
    ScopedEditView,
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

    class Meta:
        model = Student
        fields = ["gender", "is_active"]


class AccessLogFilterSet(WagtailFilterSet):
    allowed = django_filters.BooleanFilter(label="结果（是否允许）")
    username = django_filters.CharFilter(
        field_name="user__username", lookup_expr="icontains", label="用户名"
    )
    at = django_filters.DateFromToRangeFilter(label="日期", widget=DateRangePickerWidget)

    class Meta:
        model = AccessLog
        fields = ["allowed"]


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

    def get_form_class(self, for_update=False):
        return StaffEditForm if for_update else StaffCreateForm


class StudentViewSet(ScopedModelViewSet):
    """Minors' records: every view of one student is written to the access log."""

    model = Student
    menu_label = "学生"
    icon = "user"
    name = "schools_student"
    url_prefix = "schools/students"
    log_access = True
    list_display = ["student_number", "name", "school_class", "gender", "school"]
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
    ]

    def get_form_class(self, for_update=False):
        return StudentForm


class AccessLogViewSet(ScopedModelViewSet):
    model = AccessLog
    menu_label = "访问日志"
    icon = "list-ul"
    name = "schools_access_log"
    url_prefix = "schools/access-log"
    list_display = [
        DateColumn("at", label="时间"),
        "user",
        "action",
        "object_type",
        "object_id",
        "school",
        BooleanColumn("allowed", label="允许"),
        "ip",
    ]
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
        self.fields["school"].queryset = managed
        if managed.count() == 1:
            self.fields["school"].initial = managed.first().pk


class ImportView(PredicateRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "schools/admin/import.html"
    page_title = "批量导入"
    header_icon = "upload"
    predicate = selectors.may_manage_school_records
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
            run = imports.student_import if kind == "students" else imports.staff_import
            try:
                table = imports.table_read(name=upload.name, data=upload.read())
                result = run(by=request.user, school=school, table=table)
            except imports.ImportFailed as failed:
                context["errors"] = failed.errors
            else:
                context["result"] = result
                context["imported_kind"] = imports.KINDS[kind][0]
                context["school"] = school
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
        ]
        return context


class ImportTemplateView(PredicateRequiredMixin, View):
    predicate = selectors.may_manage_school_records
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
        filename = f"{kind}-template.{fmt}"
        response["Content-Disposition"] = (
            f"attachment; filename={filename}; filename*=UTF-8''{label}导入模板.{fmt}".encode().decode(
                "latin-1"
            )
        )
        return response


class ImportViewSet(ViewSet):
    name = "schools_import"
    url_prefix = "schools/import"
    menu_label = "批量导入"
    icon = "upload"

    def get_urlpatterns(self):
        return [
            path("", ImportView.as_view(), name="index"),
            path("template/<str:kind>.<str:fmt>", ImportTemplateView.as_view(), name="template"),
        ]

    def get_menu_item(self, order=None):
        return PredicateMenuItem(
            label=self.menu_label,
            url=reverse("schools_import:index"),
            name="schools-import",
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
            predicate=selectors.may_manage_school_records,
        )


# --- schools without an active psychology teacher ----------------------------------------------


class PsychGapView(PredicateRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "schools/admin/psych_gap.html"
    page_title = "未配备心理教师的学校"
    header_icon = "warning"
    predicate = selectors.is_bureau
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
        return PredicateMenuItem(
            label=self.menu_label,
            url=reverse("schools_psych_gap:index"),
            name="psych-gap",
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
            predicate=selectors.is_bureau,
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
    if not selectors.is_bureau(user=request.user):
        return None
    return {
        "missing": selectors.schools_without_psych_teacher(user=request.user).count(),
        "total": selectors.schools_for(user=request.user).count(),
        "url": reverse("schools_psych_gap:index"),
    }
