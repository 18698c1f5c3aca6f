"""学校管理: the back-office menu group of the schools app."""

from wagtail.admin.viewsets.base import ViewSetGroup

from .access_log import AccessLogViewSet
from .import_views import ImportViewSet
from .psych_gap import PsychGapViewSet
from .records import (
    FacilityViewSet,
    SchoolClassViewSet,
    SchoolViewSet,
    StaffViewSet,
    StudentViewSet,
)


class SchoolsViewSetGroup(ViewSetGroup):
    menu_label = "学校管理"
    menu_icon = "site"
    menu_order = 200
    items = (
        SchoolViewSet,
        FacilityViewSet,
        SchoolClassViewSet,
        StaffViewSet,
        StudentViewSet,
        ImportViewSet,
        PsychGapViewSet,
        AccessLogViewSet,
    )
