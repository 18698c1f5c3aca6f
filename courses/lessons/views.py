"""Learner area: a teacher records the mental-health lessons they taught (/me/lessons/).

The same rules as the back office (``courses.lessons.services.lesson_record_check``). A class outside
the teacher's schools is a logged 404, never a hint that it exists.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from portal import idempotency
from schools.audit import access_log_record
from schools.models import SchoolClass

from ..models import LessonPage
from . import selectors as sel
from .services import lesson_record_add

SUBMIT_FORM = "lessons.new"


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class _ClassChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class LessonRecordForm(forms.Form):
    school_class = _ClassChoice(label="班级", queryset=SchoolClass.objects.none())
    taught_on = forms.DateField(
        label="授课日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    lesson = forms.ModelChoiceField(
        label="课例", queryset=LessonPage.objects.none(), required=False
    )
    topic = forms.CharField(
        label="课题",
        max_length=100,
        required=False,
        help_text="不是平台课例时，填写本校自编课的课题。",
    )
    teacher = _UserChoice(
        label="授课教师", queryset=None, required=False, help_text="不填即为您本人。"
    )
    periods = forms.IntegerField(label="课时", min_value=1, max_value=4, initial=1)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        classes = sel.lesson_classes_for(user=user)
        self.fields["school_class"].queryset = classes
        if len({c.school_id for c in classes}) > 1:
            self.fields["school_class"].label_from_instance = lambda c: f"{c.school.name} {c.name}"
        self.fields["lesson"].queryset = sel.lesson_choices()
        teachers = sel.lesson_teachers_for(user=user)
        if sel.manager_school_ids(user=user):
            self.fields["teacher"].queryset = teachers
        else:
            del self.fields["teacher"]

    def save(self):
        data = self.cleaned_data
        try:
            return lesson_record_add(
                by=self.user,
                school_class=data["school_class"],
                taught_on=data["taught_on"],
                teacher=data.get("teacher"),
                lesson=data.get("lesson"),
                topic=data.get("topic", ""),
                periods=data["periods"],
                note=data.get("note", ""),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
            return None


def _foreign_class(request) -> str | None:
    """The id of a posted or preselected class that exists but is outside the user's scope."""
    raw = request.POST.get("school_class") or request.GET.get("class") or ""
    if not raw.isdigit():
        return None
    if sel.lesson_classes_for(user=request.user).filter(pk=raw).exists():
        return None
    return raw if SchoolClass.objects.filter(pk=raw).exists() else None


@login_required
@never_cache
def my_lessons(request):
    user = request.user
    records = (
        sel.lesson_records_for(user=user)
        .filter(Q(teacher=user) | Q(recorded_by=user))
        .order_by("-taught_on", "-recorded_at")[:50]
    )
    return render(
        request,
        "courses/lessons/my_lessons.html",
        {"records": records, "may_record": sel.may_record_lessons(user=user)},
    )


@login_required
@never_cache
def my_lesson_new(request):
    user = request.user
    if not sel.may_record_lessons(user=user):
        access_log_record(
            request=request,
            action="record-denied",
            object_type="courses.lessonrecord",
            allowed=False,
        )
        return render(
            request,
            "403.html",
            {"message": "只有在本市学校任职的教师才能登记授课记录。"},
            status=403,
        )
    foreign = _foreign_class(request)
    if foreign:
        access_log_record(
            request=request,
            action="record-denied",
            object_type="schools.schoolclass",
            object_id=foreign,
            allowed=False,
        )
        raise Http404
    initial = {}
    lesson_id = request.GET.get("lesson", "")
    lesson = sel.lesson_choices().filter(pk=lesson_id).first() if lesson_id.isdigit() else None
    if lesson is not None:
        initial["lesson"] = lesson.pk
    if request.GET.get("class", "").isdigit():
        initial["school_class"] = int(request.GET["class"])
    if earlier := idempotency.submitted_before(request, form=SUBMIT_FORM):
        return idempotency.submitted_response(request, earlier)
    form = LessonRecordForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():

        def create():
            record = form.save()
            if record is None:
                return None
            return reverse("lessons:mine"), (
                f"已登记：{record.taught_on:%Y-%m-%d} {record.school_class.name}《{record.title}》"
                f"{record.periods} 课时。"
            )

        done = idempotency.submit_form_once(request, form=form, name=SUBMIT_FORM, create=create)
        if done is not None:
            return done
    return render(
        request,
        "courses/lessons/my_lesson_form.html",
        {"form": form, "lesson": lesson},
        status=400 if request.method == "POST" else 200,
    )
