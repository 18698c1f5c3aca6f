"""What every screening write shares: the error type of refused input that is not a file.

File imports (results, consents) refuse with ``portal.spreadsheets.ImportRejected`` like
every other import; ``ScreeningError`` is for forms and single writes.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from portal import spreadsheets

TWO_PLACES = Decimal("0.01")


class ScreeningError(Exception):
    """Refused input. ``errors`` is a list of Chinese messages, each naming row/field."""

    def __init__(self, errors, *, consent_missing=()):
        self.errors = spreadsheets.errors_capped(
            list(errors) if isinstance(errors, (list, tuple)) else [errors]
        )
        # Students refused for want of a guardian's consent (the screen links to it).
        self.consent_missing = list(consent_missing)
        super().__init__("；".join(self.errors))


def _today() -> datetime.date:
    return timezone.localdate()


# The spellings of the student-number column in an import's header.
STUDENT_NUMBER_HEADERS = {"学号", "学籍号", "student_number"}
STUDENT_NUMBER_COLUMN = spreadsheets.Column(
    "学号",
    aliases=tuple(sorted(STUDENT_NUMBER_HEADERS - {"学号"})),
    key="student_number",
    blank_ok=False,
)
