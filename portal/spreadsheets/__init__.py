"""The one place the portal reads and writes spreadsheets (.xlsx and .csv).

- ``errors``: the one error type of a refused file or row (:class:`ImportRejected`), the
  cap on messages shown (:func:`errors_capped`) and every message as a constant (``MSG_*``,
  ``REASON_*``) that importers and tests use.
- ``reading``: an upload → rows of cells, under hard limits checked while streaming.
- ``schema``: a file's columns (:class:`Column`, :class:`Schema`), the cell parsers, and
  :func:`rows_run`, the all-or-nothing row runner under every import.
- ``writing``: the safe writer under every export and template (:func:`xlsx_build`,
  :func:`csv_build`, the responses, and ``xlsx_write`` / ``csv_write``
  that stream to a file); text never becomes a formula.

Use it as ``from portal import spreadsheets`` and ``spreadsheets.<name>``.
"""

from .errors import *  # noqa: F403  (the MSG_*/REASON_* constants)
from .errors import ERRORS_SHOWN, ErrorList, ImportRejected, errors_capped
from .reading import (
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_ROWS,
    MAX_TOTAL_UNCOMPRESSED,
    Limits,
    rows_read,
    xlsx_sheets_read,
)
from .schema import (
    PROGRESS_EVERY,
    Column,
    Row,
    RowError,
    Schema,
    Table,
    cell_message,
    cell_text,
    choice,
    date,
    date_parse,
    decimal,
    email,
    header_key,
    integer,
    phone,
    rows_run,
    table_from_rows,
    table_read,
    text,
)
from .writing import (
    CSV_MIME,
    XLSX_MIME,
    Sheet,
    cell_safe,
    csv_build,
    csv_lines,
    csv_response,
    csv_write,
    xlsx_build,
    xlsx_response,
    xlsx_write,
)

__all__ = [
    "CSV_MIME",
    "ERRORS_SHOWN",
    "MAX_BYTES",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_ROWS",
    "MAX_TOTAL_UNCOMPRESSED",
    "PROGRESS_EVERY",
    "XLSX_MIME",
    "Column",
    "ErrorList",
    "ImportRejected",
    "Limits",
    "Row",
    "RowError",
    "Schema",
    "Sheet",
    "Table",
    "cell_message",
    "cell_safe",
    "cell_text",
    "choice",
    "csv_build",
    "csv_lines",
    "csv_response",
    "csv_write",
    "date",
    "date_parse",
    "decimal",
    "errors_capped",
    "header_key",
    "integer",
    "email",
    "phone",
    "rows_read",
    "rows_run",
    "table_from_rows",
    "table_read",
    "text",
    "xlsx_build",
    "xlsx_response",
    "xlsx_write",
    "xlsx_sheets_read",
]
