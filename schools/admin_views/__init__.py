"""Back-office views of the schools app.

``records``: the schools, facilities, classes, staff (creation, password resets) and
students viewsets; ``filters``: their scoped listing filters; ``access_log``: the access-log
viewer; ``import_views``: batch imports; ``psych_gap``: R-10, schools without an active
psychology teacher; ``group``: the 学校管理 menu group. Callers import from
``schools.admin_views``.
"""

from .access_log import AccessLogFilterSet, AccessLogViewSet  # noqa: F401
from .filters import (  # noqa: F401
    FacilityFilterSet,
    SchoolClassFilterSet,
    SchoolFilterSet,
    StaffFilterSet,
    StudentFilterSet,
    TownshipFilterSet,
)
from .group import SchoolsViewSetGroup  # noqa: F401
from .import_views import (  # noqa: F401
    ImportForm,
    ImportJobView,
    ImportTemplateView,
    ImportView,
    ImportViewSet,
)
from .psych_gap import PsychGapView, PsychGapViewSet, psych_gap_panel_context  # noqa: F401
from .records import (  # noqa: F401
    FacilityViewSet,
    SchoolClassViewSet,
    SchoolViewSet,
    StaffCreateView,
    StaffEditView,
    StaffIndexView,
    StaffPasswordResetView,
    StaffViewSet,
    StudentIndexView,
    StudentViewSet,
)
