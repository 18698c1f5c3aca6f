"""批量导入: upload a roll of staff or students, the templates, a large import's progress."""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from portal.downloads import download_name_set

from .. import imports, selectors
from ..backoffice import CapabilityMenuItem, CapabilityRequiredMixin
from ..models import School


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
        from ..models import StaffImportJob

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
