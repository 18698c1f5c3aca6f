"""Forms: the campaign editor's figure picker and the school's report form."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from wagtail.admin.forms.models import WagtailAdminModelForm

from portal.storage import upload_writable

from .figures import figure_choices, figures_all
from .models import Question, Submission

MAX_FILE_SIZE = 20 * 1024 * 1024


class CampaignForm(WagtailAdminModelForm):
    figure_keys = forms.MultipleChoiceField(
        label="预填数据项",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="学校填报时显示、由平台自动计算的数据；学校可以说明，但不能修改。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["figure_keys"].choices = figure_choices()
        if not self.instance.pk and not self.is_bound:
            self.initial["figure_keys"] = [f.key for f in figures_all()]


def _validate_size(upload):
    if upload and upload.size > MAX_FILE_SIZE:
        raise forms.ValidationError("附件不能超过 20 MB。")


class SubmissionForm(forms.Form):
    """One field per question (``q_<id>``) and one note per figure (``note_<key>``).

    Nothing is required while drafting; ``submission_submit`` checks required questions.
    """

    def __init__(self, *args, submission: Submission, figure_rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.submission = submission
        self.questions = list(submission.campaign.questions.all())
        answers = {a.question_id: a for a in submission.answers.all()} if submission.pk else {}
        for q in self.questions:
            name = f"q_{q.pk}"
            self.fields[name] = self._field_for(q)
            answer = answers.get(q.pk)
            if q.kind == Question.Kind.FILE:
                # The current file is linked through the permission-checked view, never
                # through its storage URL.
                self.fields[name].current = answer if answer and answer.file else None
                if self.fields[name].current:
                    self.fields[f"{name}_clear"] = forms.BooleanField(
                        label="删除已上传的附件", required=False
                    )
            elif answer is not None:
                self.initial[name] = self._initial(q, answer)
        self.figure_rows = figure_rows
        for row in figure_rows:
            name = f"note_{row.figure.key}"
            self.fields[name] = forms.CharField(
                label=f"{row.figure.label}·说明",
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.initial[name] = row.annotation

    @staticmethod
    def _field_for(q: Question) -> forms.Field:
        common = {"label": q.label, "help_text": q.help_text, "required": False}
        if q.kind == Question.Kind.NUMBER:
            return forms.DecimalField(max_digits=14, decimal_places=2, **common)
        if q.kind == Question.Kind.YES_NO:
            return forms.TypedChoiceField(
                choices=[("", "—"), ("yes", "是"), ("no", "否")],
                coerce=lambda v: v == "yes",
                empty_value=None,
                **common,
            )
        if q.kind == Question.Kind.CHOICE:
            return forms.ChoiceField(
                choices=[("", "—")] + [(c, c) for c in q.choice_list], **common
            )
        if q.kind == Question.Kind.FILE:
            return forms.FileField(
                validators=[
                    FileExtensionValidator(settings.WAGTAILDOCS_EXTENSIONS),
                    _validate_size,
                    upload_writable("private/oversight"),
                ],
                widget=forms.FileInput,
                **common,
            )
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, **common)

    @staticmethod
    def _initial(q: Question, answer):
        if q.kind == Question.Kind.YES_NO:
            return {True: "yes", False: "no"}.get(answer.boolean, "")
        if q.kind == Question.Kind.NUMBER:
            return answer.number
        return answer.text

    def question_fields(self):
        out = []
        for q in self.questions:
            name = f"q_{q.pk}"
            clear = self[f"{name}_clear"] if f"{name}_clear" in self.fields else None
            current = getattr(self.fields[name], "current", None)
            out.append((q, self[name], current, clear))
        return out

    def figure_fields(self):
        return [(row, self[f"note_{row.figure.key}"]) for row in self.figure_rows]

    def answers(self) -> dict:
        out = {}
        for q in self.questions:
            value = self.cleaned_data.get(f"q_{q.pk}")
            if q.kind == Question.Kind.FILE and value is None:
                if self.cleaned_data.get(f"q_{q.pk}_clear"):
                    out[q.pk] = False
                continue  # no new upload: keep what is there
            out[q.pk] = value
        return out

    def annotations(self) -> dict:
        return {
            row.figure.key: self.cleaned_data.get(f"note_{row.figure.key}", "")
            for row in self.figure_rows
        }


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="退回意见",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="告诉学校需要修改或补充什么。",
    )
