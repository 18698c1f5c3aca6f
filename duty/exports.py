"""The incident list as a background export (``portal.exports``): the inbox's rows and
filters (``selectors.incident_inbox``), plus township and the dates of discovery.

Student names are written only for those who may see them (``incident_student_names_visible``),
and each name written leaves an access-log line, as when the export was built in the request.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone

from portal.exports.forms import (
    DatesFilter,
    ExportForm,
    SchoolsFilter,
    date_param,
    filtered,
    schools_chosen,
)
from portal.exports.registry import CSV, ExportKind, ExportTable
from schools.audit import access_log_records

from . import selectors
from .models import IncidentCategory, IncidentStatus

EXPORT_CAP = "duty.incident.export"
INCIDENT_TYPE = "duty.incidentreport"
HEADERS = ["编号", "学校", "类别", "状态", "发生时间", "发现时间", "地点"] + [
    "电话报告",
    "书面报告",
    "涉及学生",
    "报告人",
]


class IncidentsForm(SchoolsFilter, DatesFilter, ExportForm):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部")] + IncidentStatus.choices
    )
    overdue = forms.ChoiceField(
        label="逾期", required=False, choices=[("", "全部")] + selectors.OVERDUE_CHOICES
    )
    category = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部")] + IncidentCategory.choices
    )

    def setup(self):
        super().setup()
        for name in ("start", "end"):
            self.fields[name].label = f"发现日期{'自' if name == 'start' else '至'}"


def _name_lines(*, user, incident, students) -> list[dict]:
    """The access-log lines of one exported incident that names students: the incident and
    each student named (written in batches by ``access_log_records``)."""
    lines = [
        dict(
            user=user,
            action="export",
            object_type=INCIDENT_TYPE,
            object_id=incident.pk,
            school=incident.school_id,
        )
    ]
    for student in students:
        lines.append(
            dict(
                user=user,
                action="incident-export",
                object_type="schools.student",
                object_id=student.pk,
                school=incident.school_id,
            )
        )
    return lines


def incidents_build(*, user, params) -> ExportTable:
    now = timezone.now()
    qs = selectors.incident_inbox(
        user=user,
        now=now,
        status=params.get("status", ""),
        overdue=params.get("overdue", ""),
        category=params.get("category", ""),
    )
    if filtered(params):
        qs = qs.filter(school__in=schools_chosen(user=user, cap=EXPORT_CAP, params=params))
    if start := date_param(params, "start"):
        qs = qs.filter(discovered_at__date__gte=start)
    if end := date_param(params, "end"):
        qs = qs.filter(discovered_at__date__lte=end)
    qs = qs.select_related("school", "reporter").prefetch_related("students")

    def rows():
        pending: list[dict] = []
        for incident in qs.iterator(chunk_size=500):
            clocks = selectors.incident_clocks(incident=incident, now=now)
            students = list(incident.students.all())
            if selectors.incident_student_names_visible(user=user, incident=incident):
                names = "、".join(s.name for s in students)
                if students:
                    pending += _name_lines(user=user, incident=incident, students=students)
            else:
                names = f"{len(students)} 名"
            yield [
                incident.pk,
                incident.school.name,
                incident.get_category_display(),
                incident.get_status_display(),
                f"{timezone.localtime(incident.occurred_at):%Y-%m-%d %H:%M}",
                f"{timezone.localtime(incident.discovered_at):%Y-%m-%d %H:%M}",
                incident.place,
                clocks[0].text,
                clocks[1].text,
                names,
                str(incident.reporter),
            ]
            if len(pending) >= 500:
                access_log_records(pending)
                pending = []
        access_log_records(pending)

    return ExportTable(headers=HEADERS, rows=rows(), total=qs.count(), title="事件报告")


INCIDENTS = ExportKind(
    name="duty-incidents",
    label="事件报告",
    capability=EXPORT_CAP,
    form=IncidentsForm,
    build=incidents_build,
    filename=lambda params: f"事件报告-{timezone.localdate():%Y%m%d}",
    formats=(CSV,),
    log_object_type=INCIDENT_TYPE,
    description="事件列表（含电话、书面报告时限）；可按学校、乡镇、发现日期、状态和类别筛选。",
    back_url=lambda: reverse("duty_admin:incidents"),
)
