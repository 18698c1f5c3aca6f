"""访问日志: the access-log viewer and its filters (also used by the screening log viewer)."""

import django_filters
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn

from .. import selectors
from ..models import AccessLog
from ..viewsets import ScopedModelViewSet


class AccessLogFilterSet(WagtailFilterSet):
    """The log viewer's filters: person, student (name or 学号), kind of record, action,
    result and dates. Both log viewers (学校管理 and 心理测评与档案) use it."""

    person = django_filters.CharFilter(method="_person", label="人员（用户名或姓名）")
    student = django_filters.CharFilter(
        method="_student",
        label="学生（姓名或学号）",
        help_text="完全一致才匹配；已删除的学生可用“#内部编号”查找。",
    )
    area = django_filters.ChoiceFilter(
        method="_area",
        choices=[(key, label) for key, (label, _types) in selectors.ACCESS_LOG_AREAS.items()],
        label="记录类别",
    )
    action = django_filters.ChoiceFilter(choices=selectors.access_log_action_choices, label="操作")
    allowed = django_filters.BooleanFilter(label="结果（是否允许）")
    at = django_filters.DateFromToRangeFilter(label="日期", widget=DateRangePickerWidget)

    class Meta:
        model = AccessLog
        fields = ["action", "allowed"]

    def _person(self, queryset, name, value):
        return selectors.access_log_by_person(queryset, text=value)

    def _student(self, queryset, name, value):
        return selectors.access_log_by_student(queryset, text=value)

    def _area(self, queryset, name, value):
        return selectors.access_log_by_area(queryset, area=value)


class AccessLogViewSet(ScopedModelViewSet):
    """访问日志: read-only, paginated, filtered (AccessLogFilterSet); the auditor exports it.
    Every listing and export of it is itself logged."""

    model = AccessLog
    menu_label = "访问日志"
    icon = "list-ul"
    name = "schools_access_log"
    url_prefix = "schools/access-log"
    log_access = True
    list_per_page = 50
    list_display = [
        DateColumn("at", label="时间"),
        "user",
        "action",
        "object_type",
        "object_id",
        Column("student_pk", label="学生（内部编号）"),
        Column("count", label="条数"),
        "school",
        BooleanColumn("allowed", label="允许"),
        "ip",
    ]
    list_export = [
        "at",
        "user.username",
        "user.real_name",
        "action",
        "object_type",
        "object_id",
        "student_pk",
        "count",
        "school",
        "allowed",
        "ip",
        "path",
    ]
    export_headings = {"user.username": "用户名", "user.real_name": "姓名"}
    export_filename = "访问日志"
    export_predicate = selectors.may_export_access_log
    export_kind = "access-log"  # built in the background: schools.exports.ACCESS_LOG
    filterset_class = AccessLogFilterSet
    search_fields = ["object_id", "path"]
    exclude_form_fields = []
