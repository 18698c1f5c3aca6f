"""Forms for the duty app. Validation that needs the database lives in ``duty.services``."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from schools.models import School
from schools.selectors import schools_for
from schools.viewsets import ScopedModelForm

from . import selectors
from .models import (
    DutyAssignment,
    DutyRotationSlot,
    EntryKind,
    IncidentCategory,
    IncidentStatus,
    SafetyCheck,
)
from .services import roster_row_check, safety_check_check

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _dt_field(label, **kwargs):
    return forms.DateTimeField(label=label, widget=DATETIME_WIDGET, **kwargs)


class IncidentForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.none())
    category = forms.ChoiceField(label="事件类别", choices=IncidentCategory.choices)
    occurred_at = _dt_field("发生时间")
    discovered_at = _dt_field(
        "发现时间", help_text="30 分钟电话报告、2 小时书面报告的时限从发现时起算。"
    )
    place = forms.CharField(label="地点", max_length=100)
    first_facts = forms.CharField(label="初步情况", widget=forms.Textarea(attrs={"rows": 5}))
    student_numbers = forms.CharField(
        label="涉及学生学号",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一个本校学生的学号；没有可不填。",
    )
    parents_contacted_at = _dt_field("联系家长时间", required=False)
    leader_arrived_at = _dt_field("带班领导到场时间", required=False)
    police_involved = forms.BooleanField(label="公安介入", required=False)
    police_guidance = forms.CharField(
        label="公安指导意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="公安机关到场或电话指导的要点；没有公安介入可不填。",
    )
    public_opinion_note = forms.CharField(
        label="舆情处置",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="是否引发舆情、已采取的应对措施。",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = selectors.incident_schools_reportable_by(user=user)
        schools = list(self.fields["school"].queryset[:2])
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].pk

    def student_number_list(self):
        return (
            self.cleaned_data.get("student_numbers", "")
            .replace("，", "\n")
            .replace(",", "\n")
            .split()
        )


class IncidentEditForm(IncidentForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["school"]


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label="报告类型", choices=EntryKind.choices)
    happened_at = _dt_field(
        "报告时间", help_text="电话打出或报告送出的时间；补录时填写实际时间，系统另记登记时间。"
    )
    caller = forms.CharField(label="报告人（打电话者）", max_length=50, required=False)
    callee = forms.CharField(label="接报人（市局）", max_length=50, required=False)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 4}))
    attachment = forms.FileField(
        label="附件",
        required=False,
        help_text="书面报告、终结报告可附签章文件（PDF、图片、Word 或 Excel，20 MB 以内）。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["happened_at"].initial = timezone.localtime().replace(
                second=0, microsecond=0
            )


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部")] + IncidentStatus.choices
    )
    overdue = forms.ChoiceField(
        label="逾期", required=False, choices=[("", "全部")] + selectors.OVERDUE_CHOICES
    )
    category = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部")] + IncidentCategory.choices
    )
    school = forms.ModelChoiceField(
        label="学校", required=False, queryset=School.objects.none(), empty_label="全部"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools_for(user=user)


class RosterImportForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.none())
    file = forms.FileField(
        label="文件（.xlsx 或 .csv）",
        help_text="列：日期、值班类别（带班领导/值班干部）、账号、姓名、值班电话。",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = selectors.roster_schools_managed_by(user=user)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 2 * 1024 * 1024:
            raise forms.ValidationError("文件不能超过 2 MB。")
        return f


class RosterGenerateForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.none())
    month = forms.DateField(
        label="月份",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    replace = forms.BooleanField(label="覆盖本月已有的值班安排", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = selectors.roster_schools_managed_by(user=user)
        if not self.is_bound:
            self.fields["month"].initial = timezone.localdate().replace(day=1)


def _staff_of(schools):
    return (
        get_user_model()
        .objects.filter(memberships__school__in=schools, is_active=True)
        .distinct()
        .order_by("username")
    )


class DutyAssignmentForm(ScopedModelForm):
    scope_fields = {
        "school": selectors.roster_schools_managed_by,
        "person": lambda *, user: _staff_of(selectors.roster_schools_managed_by(user=user)),
    }

    class Meta:
        model = DutyAssignment
        fields = ["school", "date", "duty_role", "person", "note"]

    def clean(self):
        data = super().clean()
        person = data.get("person")
        try:
            roster_row_check(
                school=data.get("school"),
                person=person,
                day=data.get("date"),
                duty_role=data.get("duty_role"),
                exclude_pk=self.instance.pk,
            )
        except forms.ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field, messages)
        return data


class DutyRotationSlotForm(ScopedModelForm):
    scope_fields = {
        "school": selectors.roster_schools_managed_by,
        "person": lambda *, user: _staff_of(selectors.roster_schools_managed_by(user=user)),
    }

    class Meta:
        model = DutyRotationSlot
        fields = ["school", "weekday", "duty_role", "person"]

    def clean(self):
        data = super().clean()
        school, person = data.get("school"), data.get("person")
        if school and person:
            try:
                roster_row_check(
                    school=school,
                    person=person,
                    day=timezone.localdate(),
                    duty_role=data.get("duty_role"),
                    dated=False,  # a weekly line, not a date
                )
            except forms.ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field, messages)
        return data


class SafetyCheckForm(ScopedModelForm):
    scope_fields = {"school": selectors.safety_schools_managed_by}

    class Meta:
        model = SafetyCheck
        fields = [
            "school",
            "date",
            "inspector",
            "items_checked",
            "problems_found",
            "fix_deadline",
            "status",
        ]

    def clean(self):
        data = super().clean()
        try:
            safety_check_check(
                date=data.get("date"),
                problems_found=data.get("problems_found"),
                fix_deadline=data.get("fix_deadline"),
                status=data.get("status"),
            )
        except forms.ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field, messages)
        return data
