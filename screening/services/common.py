"""What every screening write shares: the one error type of refused input."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from portal import spreadsheets
from schools.imports import ImportFailed, date_parse, rows_read

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


STUDENT_NUMBER_HEADERS = {"学号", "学籍号", "student_number"}


def table_read(*, data, filename: str) -> list[list]:
    """Rows (header first) of an uploaded .xlsx or .csv; ScreeningError if unreadable."""
    try:
        return rows_read(name=filename, data=data)
    except ImportFailed as exc:
        raise ScreeningError(exc.errors) from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_date(value) -> datetime.date:
    day = date_parse(value)
    if day is None:
        raise ValueError(value)
    return day
