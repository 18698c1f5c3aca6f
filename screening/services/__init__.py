"""Writes for screening, by seam: instruments and scoring, guardian consent, results (entry and
import), and cases (warnings, archives, referrals, counselling groups, retention).

Every write validates first and writes inside a transaction; bad input raises
``ScreeningError`` (forms, single writes) or ``portal.spreadsheets.ImportRejected`` (file
imports) with Chinese messages naming the row and column, and nothing is written.
Nothing here logs student data. Callers import from ``screening.services``.
"""

from .attachments import (  # noqa: F401
    ATTACHMENT_MAX_BYTES,
    attachment_add,
    attachment_check,
)
from .cases import (  # noqa: F401
    STUDENT_RECORDS,
    archive_ensure,
    archive_entry_add,
    archives_for_enrolled,
    attention_add,
    case_member_add,
    case_member_remove,
    plan_save,
    referral_record,
    return_plan_save,
    student_records_count,
    student_records_delete,
)
from .common import (  # noqa: F401
    STUDENT_NUMBER_HEADERS,
    TWO_PLACES,
    ScreeningError,
)
from .consent import (  # noqa: F401
    CONSENT_HEADERS,
    CONSENT_STATUS_WORDS,
    METHOD_WORDS,
    RELATIONSHIP_WORDS,
    ConsentEntry,
    consent_bulk,
    consent_record,
    consent_withdraw,
    consents_import,
)
from .instruments import (  # noqa: F401
    InstrumentKey,
    Scored,
    builtin_instruments_ensure,
    instrument_check,
    instrument_save,
    options_parse,
    result_score,
)
from .results import (  # noqa: F401
    DATE_HEADERS,
    TOTAL_HEADERS,
    result_correct,
    result_save,
    results_import,
)
from .rounds import round_add, round_check  # noqa: F401
from .warnings import (  # noqa: F401
    DUE_AFTER,
    SignalOutcome,
    _warnings_for_results,
    concern_raise,
    crisis_notify,
    crisis_recipients,
    followup_notify,
    followup_recipients,
    warning_close,
    warning_due_at,
    warning_referred,
    warning_sign_off,
    warning_signal,
    warning_update,
)
