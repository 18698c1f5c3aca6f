"""Back office for mental-health lessons taught: the scoped viewset, the import and the
per-class coverage of a school. Scope and rules: ``courses.lessons.selectors`` and
``courses.lessons.services``."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.permissions import register_permission_policy

from portal.downloads import download_name_set
from schools import access
from schools.backoffice import AreaViewSet, MenuLink, capability_view, not_found
from schools.calendar import Period
from schools.imports import ImportFailed, table_read
from schools.models import School
from schools.selectors import townships_of
from schools.viewsets import (
    ScopedModelForm,
    ScopedModelViewSet,
    ScopedPermissionPolicy,
)
from schools.vocab import Grade, is_kindergarten

from ..models import LessonRecord, LessonRule
from . import imports as lesson_imports
from . import selectors as sel
from .services import lesson_record_check, lesson_rule_set

lesson_policy = ScopedPermissionPolicy(
    LessonRecord,
    read=sel.lesson_records_for,
    write=sel.lesson_records_editable_by,
    may_read=sel.may_read_lessons,
    may_write=sel.may_record_lessons,
)
register_permission_policy(LessonRecord, lesson_policy)


# --- the viewset ---------------------------------------------------------------------------


class LessonRecordForm(ScopedModelForm):
    """Choices limited to the user's classes and teachers; the rules of the service."""

    scope_fields = {"school_class": sel.lesson_classes_for, "teacher": sel.lesson_teachers_for}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "lesson" in self.fields:
            self.fields["lesson"].queryset = sel.lesson_choices()
        if "curriculum" in self.fields:
            self.fields["curriculum"].queryset = sel.curriculum_choices()
        if "teacher" in self.fields:
            self.fields["teacher"].help_text = "不填即为登记人本人。"

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.for_user is None:
            return cleaned
        try:
            record = lesson_record_check(
                by=self.for_user,
                record=self.instance,
                school_class=cleaned.get("school_class"),
                taught_on=cleaned.get("taught_on"),
                teacher=cleaned.get("teacher"),
                lesson=cleaned.get("lesson"),
                curriculum=cleaned.get("curriculum"),
                topic=cleaned.get("topic", ""),
                periods=cleaned.get("periods") or 1,
                note=cleaned.get("note", ""),
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return cleaned
        # The values the service settled (curriculum from the lesson, the teacher).
        cleaned.update(curriculum=record.curriculum, teacher=record.teacher, topic=record.topic)
        return cleaned


class LessonRecordFilterSet(WagtailFilterSet):
    taught_on = django_filters.DateFromToRangeFilter(label="授课日期", widget=DateRangePickerWidget)
    grade = django_filters.ChoiceFilter(
        field_name="school_class__grade", choices=Grade.choices, label="年级"
    )

    class Meta:
        model = LessonRecord
        fields = ["taught_on"]


class LessonRecordViewSet(ScopedModelViewSet):
    model = LessonRecord
    permission_policy = lesson_policy
    icon = "doc-full"
    menu_label = "授课记录"
    name = "lesson_records"
    url_prefix = "lessons/records"
    url_namespace = "lesson_records"
    form_fields = [
        "school_class",
        "taught_on",
        "curriculum",
        "lesson",
        "topic",
        "teacher",
        "periods",
        "note",
    ]
    list_display = ["taught_on", "school_class", "title", "teacher", "periods", "school"]
    filterset_class = LessonRecordFilterSet
    search_fields = ["topic", "school_class__name", "school__name"]
    inspect_view_fields = [
        "school",
        "school_class",
        "taught_on",
        "curriculum",
        "lesson",
        "topic",
        "teacher",
        "periods",
        "note",
        "recorded_by",
        "recorded_at",
    ]

    def get_form_class(self, for_update=False):
        return forms.modelform_factory(
            self.model,
            form=LessonRecordForm,
            fields=self.form_fields,
            formfield_callback=self.formfield_for_dbfield,
        )


# --- import and per-class coverage ------------------------------------------------------------


def _view(cap):
    return capability_view(cap, object_type="courses.lessonrecord", action="lessons")


class LessonImportForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.none())
    file = forms.FileField(label="文件", help_text="Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        schools = School.objects.filter(pk__in=sel.recorder_school_ids(user=user))
        self.fields["school"].queryset = schools
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].pk


@_view("courses.lesson.record")
def lesson_import_view(request):
    form = LessonImportForm(request.POST or None, request.FILES or None, user=request.user)
    context = {"title": "导入授课记录", "form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        school = form.cleaned_data["school"]
        try:
            table = table_read(name=upload.name, data=upload)
            context["count"] = lesson_imports.lesson_import(
                by=request.user, school=school, table=table
            )
            context["school"] = school
        except ImportFailed as failed:
            context["errors"] = failed.errors
            status = 400
    elif request.method == "POST":
        status = 400
    context["columns"] = "、".join(lesson_imports.COLUMNS)
    return render(request, "courses/admin/lesson_import.html", context, status=status)


@_view("courses.lesson.record")
def lesson_import_template(request, fmt):
    if fmt == "xlsx":
        data = lesson_imports.template_xlsx()
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = lesson_imports.template_csv()
        mime = "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=mime)
    return download_name_set(response, filename=f"授课记录导入模板.{fmt}")


@_view("courses.lesson.coverage")
def lesson_coverage_view(request):
    """Per class of one school: periods recorded this school year and whether covered."""
    schools = list(
        access.schools_for(user=request.user, cap="courses.lesson.coverage").order_by("code")
    )
    if not schools:  # pragma: no cover - the capability reaches a school
        not_found(request, action="view", object_type="courses.lessoncoverage")
    wanted = request.GET.get("school", "")
    school = next((s for s in schools if str(s.pk) == wanted), schools[0])
    if wanted and str(school.pk) != wanted:
        not_found(request, action="view", object_type="courses.lessoncoverage", object_id=wanted)
    period = Period.school_year()
    rows = sel.class_lesson_summary(school=school, start=period.start, as_of=period.as_of)
    covered = sum(1 for r in rows if r["covered"])
    rule = sel.lesson_rule()
    kindergarten = is_kindergarten(school.kind)
    return render(
        request,
        "courses/admin/lesson_coverage.html",
        {
            "title": f"课程覆盖情况 · {school.name}",
            "school": school,
            "schools": schools if len(schools) > 1 else [],
            # A thousand schools: grouped by township (one select, no query).
            "townships": townships_of(schools) if len(schools) > 1 else [],
            "rows": rows,
            "covered": covered,
            "share": round(100 * covered / len(rows), 1) if rows else None,
            "expected": sel.lessons_expected(
                start=period.start, as_of=period.as_of, kindergarten=kindergarten, rule=rule
            ),
            "rule_text": rule.text(kindergarten=kindergarten),
            "group_label": "幼儿园" if kindergarten else "中小学",
            "period": period,
        },
    )


class LessonRuleForm(forms.ModelForm):
    class Meta:
        model = LessonRule
        fields = ["interval_days", "periods", "kindergarten_interval_days", "kindergarten_periods"]


@_view("courses.lesson.rule")
def lesson_rule_view(request):
    """The bureau's own rule for how often a class has a mental-health lesson (本局规定)."""
    rule = sel.lesson_rule()
    form = LessonRuleForm(request.POST or None, instance=rule)
    saved = False
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rule = lesson_rule_set(by=request.user, **form.cleaned_data)
                saved = True
                form = LessonRuleForm(instance=rule)
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
        else:
            status = 400
    return render(
        request,
        "courses/admin/lesson_rule.html",
        {"title": "心理健康课开课频次（本局规定）", "form": form, "rule": rule, "saved": saved},
        status=status,
    )


admin_patterns = [
    path("import/", lesson_import_view, name="import"),
    path("import/template.<str:fmt>", lesson_import_template, name="import_template"),
    path("coverage/", lesson_coverage_view, name="coverage"),
    path("rule/", lesson_rule_view, name="rule"),
]


lesson_record_viewset = LessonRecordViewSet()


class LessonsArea(AreaViewSet):
    """心理健康课: the records of lessons taught, their import and per-class coverage."""

    name = "lessons_admin"
    url_prefix = "lessons"
    menu_label = "心理健康课"
    icon = "doc-full"
    menu_order = 305
    routes = admin_patterns
    menu_links = (
        MenuLink(
            "授课记录",
            url_name="lesson_records:index",
            capability="courses.lesson.read",
            icon="doc-full",
            order=0,
        ),
        MenuLink("导入授课记录", route="import", icon="upload", order=1),
        MenuLink("班级课程覆盖", route="coverage", icon="table", order=2),
        MenuLink("开课频次（本局规定）", route="rule", icon="cog", order=3),
    )
