"""Who sees which screening records, and what the pages built on them show.

``scope``: the one place that limits screening records to a user (design.md's role table via
``schools.access``, R-16, R-25); ``figures``: counts, coverage and the bureau's suppressed
aggregate; ``archive``: one student's archive page. Callers import from
``screening.selectors``.
"""

from .archive import (  # noqa: F401
    archive_links,
    archive_page,
)
from .figures import (  # noqa: F401
    NO_ROUND,
    RESULT_LEVELS,
    CoverageCounts,
    _suppress_count,
    bureau_aggregate,
    coverage,
    coverage_counts,
    coverage_share,
    figure_schools_for,
    screened_count,
    screened_results,
    screened_student_ids,
    unchecked_counts,
    warning_counts,
    warning_level_counts,
    warning_table,
)
from .lists import (  # noqa: F401
    ATTENTION_CAP,
    attention_classes_for,
    attention_rows,
    plans_review_overdue,
)
from .scope import (  # noqa: F401
    ACTIVE_WARNING,
    CONSENT_AGE,
    SMALL_CELL,
    ConsentRow,
    FollowUpFlag,
    archive_students_for,
    case_memberships_of,
    case_student_ids,
    concern_students_for,
    consent_rounds_for,
    consent_rows,
    consent_summary,
    current_results,
    followup_flags_for,
    instrument_schools_for,
    instruments_for,
    instruments_managed_by,
    may_manage_case_group,
    may_write_case,
    referrals_for,
    results_for,
    round_classes_for,
    round_results,
    round_schools_for,
    round_summary,
    round_target_classes,
    round_target_students,
    rounds_for,
    rounds_managed_by,
    warnings_for,
    warnings_managed_by,
    warnings_read_in_full_by,
    warnings_signed_off_by,
)
from .timeline import TimelineEvent, student_timeline, warning_events  # noqa: F401
