"""The start form of an export: its filters, shared pieces for schools, township and dates.

A kind's form subclasses :class:`ExportForm` (with :class:`SchoolsFilter` and
:class:`DatesFilter` where they make sense). The schools offered are those the kind's
capability reaches for the user (``access.schools_for``): the bureau chooses among every
school, a school's staff only their own. What the form cleaned is stored as the job's
``params`` (:meth:`ExportForm.params`, plain JSON); the task resolves them again through
:func:`schools_chosen`, with the same capability, when it runs.
"""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import QuerySet

from schools import access
from schools.models import School

from .registry import FORMAT_LABELS


class ExportForm(forms.Form):
    """The filters of one kind; ``format`` appears when the kind offers more than one."""

    def __init__(self, *args, user, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.kind = kind
        if len(kind.formats) > 1:
            self.fields["format"] = forms.ChoiceField(
                label="文件格式",
                choices=[(f, FORMAT_LABELS[f]) for f in kind.formats],
                initial=kind.formats[0],
                required=False,
            )
        self.setup()

    def setup(self) -> None:
        """Subclasses narrow their fields to the user here."""

    def chosen_format(self) -> str:
        return self.cleaned_data.get("format") or self.kind.formats[0]

    def params(self) -> dict:
        """The cleaned filters as JSON: records by id, dates as ISO text, empty ones left out."""
        out = {}
        for name, value in self.cleaned_data.items():
            if name == "format" or value in (None, "", [], ()):
                continue
            if isinstance(value, QuerySet):
                value = sorted(value.values_list("pk", flat=True))
            elif hasattr(value, "pk"):
                value = value.pk
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            elif isinstance(value, bool):
                value = bool(value)
            out[name] = value
        return out

    #: Fields a subclass says in its own words (``summary_parts``), not one by one.
    summary_skip: tuple[str, ...] = ()

    def summary_parts(self) -> list[str]:
        return []

    def summary(self) -> str:
        """The filters in words, for the job's title: “学校：甲校、乙校；2025-09-01 至 …”."""
        parts = self.summary_parts()
        for name, value in self.cleaned_data.items():
            if name == "format" or name in self.summary_skip or value in (None, "", [], False):
                continue
            field = self.fields[name]
            if isinstance(value, QuerySet):
                names = [str(v) for v in value[:3]]
                more = value.count() - len(names)
                text = "、".join(names) + (f" 等 {len(names) + more} 所" if more > 0 else "")
            elif isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.ModelChoiceField
            ):
                text = str(dict(field.choices).get(value, value))
            elif value is True:
                text = "是"
            else:
                text = str(value)
            parts.append(f"{field.label}：{text}")
        return "；".join(parts)


class SchoolsFilter(forms.Form):
    """学校 (any number; none = every school in reach) and 乡镇（街道）."""

    township = forms.ChoiceField(label="乡镇（街道）", required=False)
    schools = forms.ModelMultipleChoiceField(
        label="学校",
        required=False,
        queryset=School.objects.none(),
        help_text="不选则为全部学校；按住 Ctrl（苹果电脑按 ⌘）可多选。",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def setup(self) -> None:
        super().setup()
        scope = access.schools_for(user=self.user, cap=self.kind.capability).order_by("code")
        self.fields["schools"].queryset = scope
        townships = sorted(
            {t for t in scope.exclude(township="").values_list("township", flat=True)}
        )
        self.fields["township"].choices = [("", "全部")] + [(t, t) for t in townships]
        if len(townships) < 2:
            del self.fields["township"]
        if len(scope[:2]) < 2:
            del self.fields["schools"]  # one school only: nothing to choose


class DatesFilter(forms.Form):
    """A period: from and to (both optional; inclusive)."""

    start = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "结束日期不能早于开始日期。")
        return cleaned


def schools_chosen(*, user, cap: str, params: dict) -> QuerySet[School]:
    """The schools an export's filters name, within what ``cap`` reaches for ``user`` now
    (a school outside it is dropped, whatever the stored filters say)."""
    scope = access.schools_for(user=user, cap=cap)
    if params.get("schools"):
        scope = scope.filter(pk__in=[int(pk) for pk in params["schools"]])
    if params.get("township"):
        scope = scope.filter(township=params["township"])
    return scope.order_by("code")


def filtered(params: dict) -> bool:
    """Whether the filters narrow the schools (a city total then no longer applies)."""
    return bool(params.get("schools") or params.get("township"))


def date_param(params: dict, name: str) -> datetime.date | None:
    value = params.get(name)
    return datetime.date.fromisoformat(value) if value else None
