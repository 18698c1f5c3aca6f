"""Back-office forms for screening. Choices always come from ``screening.selectors``."""

from django import forms
from django.utils import timezone

from schools.viewsets import ScopedModelForm

from . import selectors
from .models import (
    ArchiveEntry,
    Attachment,
    AttentionCategory,
    GuardianConsent,
    Instrument,
    ScreeningRound,
    WarningLevel,
)
from .services import instrument_check

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InstrumentForm(ScopedModelForm):
    """A school's own instrument; an inconsistent one cannot be saved (R-12)."""

    scope_fields = {"school": selectors.instrument_schools_for}

    def is_valid(self):
        if not super().is_valid():
            return False

        def rows(name):
            formset = self.formsets.get(name)
            if formset is None:
                return []
            return [
                f.cleaned_data
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]

        errors = instrument_check(
            scoring=self.cleaned_data.get("scoring"), items=rows("items"), cutoffs=rows("cutoffs")
        )
        for message in errors:
            self.add_error(None, message)
        return not errors


class RoundForm(ScopedModelForm):
    scope_fields = {
        "school": selectors.round_schools_for,
        "instruments": selectors.instruments_for,
        "classes": selectors.round_classes_for,
    }

    grades = forms.TypedMultipleChoiceField(
        label="目标年级", coerce=int, required=False, choices=()
    )

    class Meta:
        model = ScreeningRound
        fields = [
            "school",
            "name",
            "instruments",
            "grades",
            "classes",
            "starts_on",
            "ends_on",
            "basis",
            "basis_note",
            "status",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from schools.vocab import Grade

        self.fields["grades"].choices = Grade.choices
        self.fields["grades"].widget = forms.CheckboxSelectMultiple(choices=Grade.choices)

    def clean(self):
        from .services import round_check

        data = super().clean()
        try:
            round_check(
                school=data.get("school"),
                starts_on=data.get("starts_on"),
                ends_on=data.get("ends_on"),
                grades=data.get("grades"),
                classes=data.get("classes"),
            )
        except forms.ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field, messages)
        return data


class ImportForm(forms.Form):
    instrument = forms.ModelChoiceField(label="量表", queryset=Instrument.objects.none())
    file = forms.FileField(label="文件（.xlsx 或 .csv）")
    taken_on = forms.DateField(
        label="测评日期",
        initial=timezone.localdate,
        widget=DATE,
        help_text="文件中没有“测评日期”列时使用。",
    )

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = round.instruments.all()


class ConcernForm(forms.Form):
    student = forms.ModelChoiceField(label="学生", queryset=None)
    level = forms.ChoiceField(label="关注级别", choices=WarningLevel.choices)
    concern = forms.CharField(label="观察到的情况", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = selectors.concern_students_for(user=user).order_by(
            "school_class__name", "student_number"
        )


class WarningUpdateForm(forms.Form):
    """Working a warning: status, owner, due time, a note (each change an action)."""

    status = forms.ChoiceField(label="状态", choices=())
    owner = forms.ChoiceField(label="负责人", choices=(), required=False)
    due_at = forms.DateTimeField(
        label="处置期限",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        label="跟进记录", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, owners=(), **kwargs):
        from .models import Warning
        from .services.warnings import WORK_STATUSES

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (v, label) for v, label in Warning.Status.choices if v in WORK_STATUSES
        ]
        self.fields["owner"].choices = [("", "（不变）")] + [
            (str(u.pk), u.real_name or u.username) for u in owners
        ]
        self._owners = {str(u.pk): u for u in owners}

    def clean_owner(self):
        value = self.cleaned_data.get("owner")
        return self._owners.get(value) if value else None


class WarningCloseForm(forms.Form):
    outcome = forms.CharField(
        label="结案说明",
        required=False,  # the service refuses an empty one with its own message
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明处置结果，例如：已转介并复学、情绪恢复稳定、家长已知情。",
    )


class ResultCorrectForm(forms.Form):
    reason = forms.CharField(
        label="更正原因", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    total = forms.DecimalField(label="更正后的总分", required=False, max_digits=7, decimal_places=2)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=ArchiveEntry.Kind.choices)
    on = forms.DateField(label="日期", initial=timezone.localdate, widget=DATE)
    summary = forms.CharField(label="记录", widget=forms.Textarea(attrs={"rows": 3}))


class AttentionForm(forms.Form):
    category = forms.ChoiceField(label="关注类别", choices=AttentionCategory.Category.choices)
    since = forms.DateField(label="起始日期", initial=timezone.localdate, widget=DATE)
    note = forms.CharField(label="说明", required=False, max_length=200)


class PlanForm(forms.Form):
    goals = forms.CharField(label="目标", widget=forms.Textarea(attrs={"rows": 3}))
    actions = forms.CharField(label="措施", widget=forms.Textarea(attrs={"rows": 3}))
    responsible = forms.CharField(label="责任人", max_length=100)
    review_on = forms.DateField(label="复评日期", widget=DATE)


class ReferralForm(forms.Form):
    institution = forms.CharField(label="转介机构", max_length=100)
    referred_on = forms.DateField(label="转介日期", initial=timezone.localdate, widget=DATE)
    reason = forms.CharField(label="转介原因", widget=forms.Textarea(attrs={"rows": 2}))
    parents_informed_at = forms.DateTimeField(label="告知家长时间", required=False)
    parents_agreed = forms.BooleanField(label="家长同意", required=False)
    task_split = forms.CharField(
        label="家校医分工", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(forms.Form):
    """A file for an entry, a referral or a return plan (``owner`` is e.g. ``referral:12``)."""

    owner = forms.RegexField(regex=r"^(entry|referral|return):\d+$", widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="附件类别", choices=Attachment.Kind.choices)
    file = forms.FileField(label="文件", help_text="PDF、JPG 或 PNG，不超过 10 MB。")


class ReturnPlanForm(forms.Form):
    returned_on = forms.DateField(label="复学日期", widget=DATE)
    plan = forms.CharField(label="复学安排", widget=forms.Textarea(attrs={"rows": 2}))
    week_done_on = forms.DateField(label="一周回访完成", required=False, widget=DATE)
    month_done_on = forms.DateField(label="一个月回访完成", required=False, widget=DATE)
    quarter_done_on = forms.DateField(label="三个月回访完成", required=False, widget=DATE)


class ConsentForm(forms.Form):
    """One guardian's decision, entered by the psychology teacher."""

    status = forms.ChoiceField(
        label="同意情况", choices=GuardianConsent.Status.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label="监护人表态日期", initial=timezone.localdate, widget=DATE)
    guardian_name = forms.CharField(label="监护人姓名", max_length=50, required=False)
    relationship = forms.ChoiceField(
        label="与学生关系",
        choices=[("", "—")] + list(GuardianConsent.Relationship.choices),
        required=False,
    )
    method = forms.ChoiceField(
        label="获取方式",
        choices=[("", "—")] + list(GuardianConsent.Method.choices),
        required=False,
    )
    note = forms.CharField(label="备注", max_length=200, required=False)


class ConsentBulkForm(forms.Form):
    """The same decision for the students ticked in the list (a class's returned slips)."""

    status = forms.ChoiceField(label="登记为", choices=GuardianConsent.Status.choices)
    decided_on = forms.DateField(label="表态日期", initial=timezone.localdate, widget=DATE)
    method = forms.ChoiceField(
        label="获取方式",
        choices=[("", "—")] + list(GuardianConsent.Method.choices),
        required=False,
    )


class ConsentImportForm(forms.Form):
    file = forms.FileField(label="文件（.xlsx 或 .csv）")
    decided_on = forms.DateField(
        label="表态日期",
        initial=timezone.localdate,
        widget=DATE,
        help_text="文件中没有“监护人表态日期”列或该格为空时使用。",
    )
