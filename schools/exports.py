"""The access log as a background export (``portal.exports``): the bureau auditor's task
(``schools.accesslog.export``). The filters are the log viewer's (``AccessLogFilterSet``),
the columns its ``list_export``; a province's log has millions of lines, so CSV is offered
first and the rows are read in chunks.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from portal.exports.forms import DatesFilter, ExportForm, date_param
from portal.exports.registry import CSV, XLSX, ExportKind, ExportTable

from . import selectors
from .models import AccessLog

EXPORT_CAP = "schools.accesslog.export"


class AccessLogExportForm(DatesFilter, ExportForm):
    person = forms.CharField(label="人员（用户名或姓名）", required=False, max_length=100)
    student = forms.CharField(
        label="学生（姓名或学号）",
        required=False,
        max_length=100,
        help_text="完全一致才匹配；已删除的学生可用“#内部编号”查找。",
    )
    area = forms.ChoiceField(label="记录类别", required=False)
    action = forms.ChoiceField(label="操作", required=False)
    allowed = forms.ChoiceField(
        label="结果",
        required=False,
        choices=[("", "全部"), ("true", "允许"), ("false", "拒绝")],
    )

    def setup(self):
        super().setup()
        self.fields["area"].choices = [("", "全部")] + [
            (key, label) for key, (label, _types) in selectors.ACCESS_LOG_AREAS.items()
        ]
        self.fields["action"].choices = [("", "全部")] + selectors.access_log_action_choices()
        self.order_fields(["person", "student", "area", "action", "allowed", "start", "end"])


def _columns():
    from .admin_views.access_log import AccessLogViewSet

    fields = AccessLogViewSet.list_export
    headings = AccessLogViewSet.export_headings
    out = []
    for field in fields:
        if field in headings:
            out.append(headings[field])
        else:
            out.append(capfirst(str(AccessLog._meta.get_field(field.split(".")[0]).verbose_name)))
    return fields, out


def access_log_build(*, user, params) -> ExportTable:
    from .admin_views.access_log import AccessLogFilterSet
    from .viewsets import _export_value

    data = {k: params[k] for k in ("person", "student", "area", "action", "allowed") if k in params}
    if start := date_param(params, "start"):
        data["at_from"] = start.isoformat()
    if end := date_param(params, "end"):
        data["at_to"] = end.isoformat()
    lines = AccessLogFilterSet(data, queryset=selectors.access_log_for(user=user)).qs
    lines = lines.order_by("-at", "-pk")
    fields, headers = _columns()
    rows = (
        [_export_value(line, field) for field in fields] for line in lines.iterator(chunk_size=2000)
    )
    return ExportTable(
        headers=headers,
        rows=rows,
        total=lines.count(),
        title="访问日志",
        freeze="A2",
        autofilter=True,
    )


ACCESS_LOG = ExportKind(
    name="access-log",
    label="访问日志",
    capability=EXPORT_CAP,
    form=AccessLogExportForm,
    build=access_log_build,
    filename=lambda params: f"访问日志-{timezone.localdate():%Y%m%d}",
    formats=(CSV, XLSX),
    log_object_type="schools.accesslog",
    description="按人员、学生、记录类别、操作、结果和日期筛选的访问日志（只记编号，不含记录内容）。",
    back_url=lambda: reverse("schools_access_log:index"),
)
