"""Back-office views for screening records (registered under /admin/screening/), by seam.

Every view takes its scope from ``screening.selectors`` and declares its capability with
``schools.backoffice.capability_view``. Every view, list, export or print of student records,
and every denied attempt, writes exactly one AccessLog line; responses are never cached.
"""

from .attachments import attachment_download  # noqa: F401
from .cases import (  # noqa: F401
    archive,
    archive_add,
    concern_raise,
    my_class,
)
from .consent import consent_import, consent_student, round_consent  # noqa: F401
from .figures import access_log, figures, figures_export  # noqa: F401
from .lists import attention_list, plans_overdue  # noqa: F401
from .rounds import (  # noqa: F401
    index,
    result_correct,
    result_enter,
    round_export,
    round_import,
    round_list,
    round_results,
)
from .warnings import checkins, warning_detail, warning_list  # noqa: F401
