"""Training-hours reports as background exports (``portal.exports``): a school's staff with
their hours, and the city's schools. The figures are the report pages' own
(``reports.school_hours_report`` / ``reports.bureau_hours_report``); the filters are the
pages' period plus, for the city, schools and township.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.exports.forms import ExportForm, SchoolsFilter, filtered, schools_chosen
from portal.exports.registry import XLSX, ExportKind, ExportTable
from schools import access
from schools.calendar import SchoolYear
from schools.vocab import Role

from . import reports

SCHOOL_CAP = "courses.ledger.read"
CITY_CAP = "courses.ledger.city"
STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in access.STAFF_ROLES]
PERIOD_FIELDS = ("period", "year", "school_year", "term", "start", "end")

XLSX_HEADERS = ["姓名", "用户名", "岗位", "期间学时", "目标学时", "完成率（%）", "是否达标"]
PERIOD_HEADERS = ["姓名", "用户名", "岗位", "期间学时"]
CITY_HEADERS = ["学校代码", "学校", "教职工（人）", "期间学时", "人均学时"]
CITY_JUDGED_HEADERS = ["达标人数", "有目标人数", "达标率（%）"]


# --- rows: exactly the figures the report pages show ------------------------------------------


def school_report_headers(report) -> list[str]:
    return XLSX_HEADERS if report["period"].judged else PERIOD_HEADERS


def school_report_rows(report) -> list[list]:
    """The export's rows, exactly the figures the page shows."""
    rows = []
    for r in report["rows"]:
        row = [r.name, r.username, r.role_labels, float(r.hours)]
        if report["period"].judged:
            row += [
                float(r.target) if r.target is not None else "未设定",
                r.percent if r.percent is not None else "",
                "未达标" if r.below else ("达标" if r.target is not None else ""),
            ]
        rows.append(row)
    return rows


def city_report_rows(report, *, total_label: str = "全市合计") -> list[list]:
    """One row per school and a total: the figures the city report shows."""
    judged = report["period"].judged
    rows = []
    for r in report["rows"]:
        row = [r.school.code, r.school.name, r.staff, float(r.hours), float(r.average)]
        if judged:
            row += [r.meeting, r.with_target, r.share]
        rows.append(row)
    staff, hours = report["total_staff"], report["total_hours"]
    total = ["", total_label, staff, float(hours), round(float(hours) / staff, 1) if staff else 0]
    if judged:
        meeting = sum(r.meeting for r in report["rows"])
        with_target = sum(r.with_target for r in report["rows"])
        total += [meeting, with_target, round(100 * meeting / with_target) if with_target else 0]
    rows.append(total)
    return rows


# --- the start forms ------------------------------------------------------------------------------


class PeriodFilter(forms.Form):
    """The report pages' period (``reports.report_period_from``), the same names and choices."""

    period = forms.ChoiceField(label="统计时段", choices=reports.PERIOD_KINDS, required=False)
    year = forms.ChoiceField(label="自然年度", required=False)
    school_year = forms.ChoiceField(label="学年", required=False)
    term = forms.ChoiceField(
        label="学期", required=False, choices=[("1", "第一学期"), ("2", "第二学期")]
    )
    start = forms.DateField(
        label="自（自定义日期）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="至（自定义日期）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def setup(self):
        super().setup()
        this = timezone.localdate().year
        self.fields["year"].choices = [(str(y), f"{y} 年") for y in range(this, this - 4, -1)]
        first = SchoolYear.current().first_year
        self.fields["school_year"].choices = [
            (str(y), SchoolYear(y).plain_label) for y in range(first, first - 4, -1)
        ]
        self.fields["school_year"].initial = str(first)
        self.fields["period"].initial = "school_year"

    summary_skip = PERIOD_FIELDS

    def summary_parts(self):
        parts = super().summary_parts()
        if not self.errors:
            parts.append(f"统计时段：{_period(self.params()).label}")
        return parts

    def clean(self):
        cleaned = super().clean()
        params = {
            k: (v.isoformat() if hasattr(v, "isoformat") else str(v))
            for k, v in cleaned.items()
            if k in PERIOD_FIELDS and v not in (None, "")
        }
        _period, errors = reports.report_period_from(params)
        if errors:
            raise ValidationError(errors)
        return cleaned


class SchoolReportForm(PeriodFilter, ExportForm):
    school = forms.ModelChoiceField(label="学校", queryset=None, empty_label=None)
    role = forms.ChoiceField(label="岗位", required=False)
    below = forms.BooleanField(label="只导出未达标的教师", required=False)

    def setup(self):
        super().setup()
        self.fields["school"].queryset = reports.report_schools_for(user=self.user).order_by("code")
        self.fields["role"].choices = [("", "全部")] + STAFF_ROLE_CHOICES
        self.order_fields(["school", "role", "below"])


class CityReportForm(SchoolsFilter, PeriodFilter, ExportForm):
    pass


# --- building ---------------------------------------------------------------------------------


def _period(params):
    period, _errors = reports.report_period_from(params)
    return period


def _school(user, params):
    return reports.report_schools_for(user=user).get(pk=int(params["school"]))


def school_report_build(*, user, params) -> ExportTable:
    school = _school(user, params)
    period = _period(params)
    role = params.get("role", "")
    report = reports.school_hours_report(
        school=school,
        period=period,
        role=role if role in dict(STAFF_ROLE_CHOICES) else "",
        below_only=bool(params.get("below")),
    )
    headers = school_report_headers(report)
    rows = school_report_rows(report)
    return ExportTable(
        headers=headers,
        rows=rows,
        total=len(rows),
        title="教师学时",
        preface=[[f"{school.name} 教师培训学时（{period.label}）"]],
        widths=(12, 16, 24, 12, 12, 12, 10)[: len(headers)],
        freeze="A3",
        autofilter=True,
    )


def city_report_build(*, user, params) -> ExportTable:
    period = _period(params)
    report = reports.bureau_hours_report(user=user, period=period)
    where = "全市"
    if filtered(params):
        chosen = schools_chosen(user=user, cap=CITY_CAP, params=params)
        wanted = set(chosen.values_list("pk", flat=True))
        kept = [r for r in report["rows"] if r.school.pk in wanted]
        report = {
            **report,
            "rows": kept,
            "total_staff": sum(r.staff for r in kept),
            "total_hours": sum((r.hours for r in kept), reports.ZERO),
        }
        where = params.get("township") or "所选学校"
    headers = CITY_HEADERS + (CITY_JUDGED_HEADERS if period.judged else [])
    rows = city_report_rows(report, total_label=f"{where}合计")
    return ExportTable(
        headers=headers,
        rows=rows,
        total=len(rows),
        title="各校学时",
        preface=[[f"{where}教师培训学时（{period.label}）"]],
        widths=(10, 26, 12, 12, 10, 10, 12, 12)[: len(headers)],
        freeze="A3",
        autofilter=True,
    )


def _school_filename(params) -> str:
    from schools.models import School

    school = School.objects.filter(pk=params.get("school")).only("name").first()
    return f"培训学时-{school.name if school else '学校'}-{_period(params).file_label}"


def _city_filename(params) -> str:
    where = (params.get("township") or "所选学校") if filtered(params) else "全市"
    return f"培训学时-{where}-{_period(params).file_label}"


SCHOOL_REPORT = ExportKind(
    name="training-school-report",
    label="学校教师培训学时",
    capability=SCHOOL_CAP,
    form=SchoolReportForm,
    build=school_report_build,
    filename=_school_filename,
    formats=(XLSX,),
    log_object_type="courses.training-school-report",
    description="一所学校每位教职工在所选时段的学时、目标与是否达标。",
    back_url=lambda: reverse("training_admin:school_report"),
)

CITY_REPORT = ExportKind(
    name="training-city-report",
    label="全市教师培训学时（各校）",
    capability=CITY_CAP,
    form=CityReportForm,
    build=city_report_build,
    filename=_city_filename,
    formats=(XLSX,),
    log_object_type="courses.training-city-report",
    description="各校教职工人数、所选时段的学时、人均学时与达标率；可按乡镇或学校筛选。",
    back_url=lambda: reverse("training_admin:bureau_report"),
)
