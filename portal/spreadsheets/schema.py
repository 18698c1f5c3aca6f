"""A file's columns and the all-or-nothing row runner every import goes through.

- :func:`table_read`: an upload → :class:`Table` (the header as typed, then each non-blank
  data row as ``(row number, {header: text})``; row numbers are the spreadsheet's own).
- :class:`Column` / :class:`Schema`: the columns an import knows, with their other spellings;
  a header row is matched whatever its stray spaces, BOM, full-width letters or case, and
  missing required columns are named in one message (:data:`MSG_MISSING_COLUMNS`).
- Cell parsers (:func:`text`, :func:`date`, :func:`integer`, :func:`decimal`,
  :func:`choice`, :func:`phone`): text in, value out, or ``ValueError(reason)``.
- :func:`rows_run`: parse every row by the schema, hand it to the importer's row function,
  collect *every* problem as "第 N 行“列”：原因", and refuse the whole file
  (:class:`ImportRejected`) before anything is written; then write everything at once.
"""

from __future__ import annotations

import contextlib
import datetime
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from . import errors as msg
from .errors import ImportRejected
from .reading import Limits, rows_read

PROGRESS_EVERY = 250

# --- cells and tables ---------------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as the text a person typed: dates as 2026-03-15, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_key(text) -> str:
    """How a header is compared: full-width folded to half-width (NFKC), spaces, BOM and
    zero-width characters dropped, Latin letters in lower case."""
    folded = unicodedata.normalize("NFKC", cell_text(text))
    return "".join(
        ch for ch in folded if not ch.isspace() and ch not in "\ufeff\u200b\u200c\u200d"
    ).lower()


@dataclass
class Table:
    """A read file: its header row (as typed) and its non-blank data rows, each with the row
    number the user sees (the header is row 1) and ``{header: text}``."""

    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


def table_from_rows(raw: Sequence[Sequence]) -> Table:
    """A :class:`Table` of rows of cell values, header first (as :func:`rows_read` gives)."""
    if not raw:
        raise ImportRejected(msg.MSG_EMPTY_FILE)
    headers = [cell_text(h) for h in raw[0]]
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        texts = [cell_text(v) for v in values]
        if not any(texts):
            continue
        rows.append(
            (number, {h: (texts[i] if i < len(texts) else "") for i, h in enumerate(headers) if h})
        )
    return Table(headers=[h for h in headers if h], rows=rows)


def table_read(*, name: str, data, limits: Limits | None = None) -> Table:
    """An uploaded .xlsx or .csv (UTF-8 or GBK) as a :class:`Table`, read with the hard limits
    of :func:`rows_read`. :class:`ImportRejected` if it cannot be read or is empty."""
    return table_from_rows(rows_read(name=name, data=data, limits=limits))


# --- cell parsers: text in (never blank), value out, or ValueError(reason) -----------------------


def text(value: str) -> str:
    return value


_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]


def date_parse(value) -> datetime.date | None:
    """A date from a spreadsheet cell: a date/datetime cell, or text such as 2026-03-15,
    2026/3/15, 2026.03.15, 20260315 or 2026年3月15日. ``None`` if it is not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = cell_text(value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def date(value: str) -> datetime.date:
    day = date_parse(value)
    if day is None:
        raise ValueError(msg.REASON_DATE.format(value=value, example=msg.DATE_EXAMPLE))
    return day


def integer(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(msg.REASON_INTEGER.format(value=value)) from None


def decimal(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        raise ValueError(msg.REASON_DECIMAL.format(value=value)) from None
    if not number.is_finite():
        raise ValueError(msg.REASON_DECIMAL.format(value=value))
    return number


def _options_said(labels: Sequence[str]) -> str:
    quoted = [f"“{label}”" for label in labels]
    if len(quoted) <= 1:
        return "".join(quoted)
    return "、".join(quoted[:-1]) + "或" + quoted[-1]


def choice(words: Mapping[str, Any], *, options: str | Sequence[str] | None = None) -> Callable:
    """A parser for a cell that is one of ``words`` (what people write → the value stored),
    compared as headers are (full-width, spaces, case). ``options`` is what the message
    offers (default: the first word written for each value)."""
    index = {header_key(word): value for word, value in words.items()}
    if options is None:
        firsts: dict = {}
        for word, value in words.items():
            firsts.setdefault(value, word)
        options = list(firsts.values())
    said = options if isinstance(options, str) else _options_said(options)

    def parse(value: str):
        try:
            return index[header_key(value)]
        except KeyError:
            raise ValueError(msg.REASON_CHOICE.format(value=value, options=said)) from None

    return parse


def phone(value: str) -> str:
    from accounts.models import phone_validator

    try:
        phone_validator(value)
    except ValidationError:
        raise ValueError(msg.REASON_PHONE.format(value=value)) from None
    return value


def email(value: str) -> str:
    """An e-mail address (``someone@example.cn``), or the row's message."""
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(msg.REASON_EMAIL.format(value=value)) from None
    return value


# --- columns and schemas ------------------------------------------------------------------------

_AUTO = object()


@dataclass(frozen=True)
class Column:
    """One column an import knows.

    ``name`` is how templates and messages spell it; ``aliases`` other spellings accepted in
    the header. ``required``: the header must have it. ``blank_ok=False``: every row must fill
    it (:data:`REASON_REQUIRED` otherwise). ``parse`` turns a non-blank cell into its value
    (``ValueError(reason)`` when it cannot); a blank cell, or a column the file lacks, gives
    ``default`` ("" for :func:`text`, else None). ``key`` is the name in the row's values
    (default ``name``); ``fields`` the model fields whose validation errors belong here.
    """

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    parse: Callable[[str], Any] = text
    blank_ok: bool = True
    max_length: int | None = None
    key: str = ""
    fields: tuple[str, ...] = ()
    default: Any = _AUTO

    @property
    def value_key(self) -> str:
        return self.key or self.name

    @property
    def empty(self):
        if self.default is not _AUTO:
            return self.default
        return "" if self.parse is text else None


class Schema:
    """The columns of one kind of file."""

    def __init__(self, columns: Iterable[Column]):
        self.columns = list(columns)
        self._by_header: dict[str, Column] = {}
        for column in self.columns:
            for spelling in (column.name, *column.aliases):
                self._by_header.setdefault(header_key(spelling), column)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name_or_key: str) -> Column | None:
        for column in self.columns:
            if name_or_key in (column.name, column.value_key):
                return column
        return None

    def column_for_field(self, field_name: str) -> Column | None:
        for column in self.columns:
            if field_name in column.fields or field_name == column.value_key:
                return column
        return None

    def found(self, headers: Iterable[str]) -> dict[str, str]:
        """Column name → the header as the file spells it, for the columns the header has
        (the first spelling wins when a column appears twice)."""
        bound: dict[str, str] = {}
        for header in headers:
            column = self._by_header.get(header_key(header))
            if column is not None and column.name not in bound:
                bound[column.name] = header
        return bound

    def column_texts(self, table: Table, name: str) -> list[str]:
        """One column's text in every data row of ``table`` (say, for one query before the
        run); empty when the file lacks the column."""
        header = self.found(table.headers).get(name)
        if header is None:
            return []
        return [cells.get(header, "") for _number, cells in table.rows]

    def bind(self, headers: Iterable[str]) -> dict[str, str]:
        """As :meth:`found`, refusing a header without every required column."""
        bound = self.found(headers)
        missing = [c.name for c in self.columns if c.required and c.name not in bound]
        if missing:
            raise ImportRejected(msg.MSG_MISSING_COLUMNS.format(columns="、".join(missing)))
        return bound


# --- the row runner -----------------------------------------------------------------------------


class RowError(Exception):
    """Raised by a row function: this row's ``column`` is wrong because ``message``."""

    def __init__(self, column: str, message: str):
        super().__init__(f"{column}：{message}")
        self.column, self.message = column, message


def _sentence(reason: str) -> str:
    reason = str(reason).strip()
    return reason if reason.endswith(("。", "！", "？")) else reason + "。"


def cell_message(*, row: int, column: str, reason: str) -> str:
    """第 N 行“列”：原因。"""
    return msg.MSG_ROW_CELL.format(row=row, column=column, reason=_sentence(reason))


class Row(dict):
    """One data row's parsed values (``row["学号"]``), its number, and its problems so far."""

    def __init__(self, *, number: int, schema: Schema, labels: dict[str, str]):
        super().__init__()
        self.number, self.schema, self.labels = number, schema, labels
        self.problems: list[tuple[str | None, str]] = []

    def label(self, column: str | None) -> str | None:
        """A column as this file spells it in its header."""
        if column is None:
            return None
        found = self.schema.column(column)
        name = found.name if found else column
        return self.labels.get(name, name)

    def failed(self, column: str | None = None) -> bool:
        """Whether this row (or this column of it) already has a problem."""
        if column is None:
            return bool(self.problems)
        label = self.label(column)
        return any(c == label for c, _ in self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    def error(self, column: str | None, reason: str) -> None:
        """Note a problem of this row's ``column`` (the first one of a cell is the one told)."""
        label = self.label(column)
        if label is not None and self.failed(column):
            return
        self.problems.append((label, reason))

    def validation_error(self, exc: ValidationError) -> None:
        """Note a model's or service's validation errors, each under its field's column."""
        if hasattr(exc, "error_dict"):
            for field_name, messages in exc.message_dict.items():
                column = None
                if field_name != NON_FIELD_ERRORS:
                    found = self.schema.column_for_field(field_name)
                    column = found.name if found else None
                for message in messages:
                    self.error(column, message)
        else:
            for message in exc.messages:
                self.error(None, message)

    def messages(self) -> list[str]:
        """The row's problems, left to right in the schema's column order (then the rest)."""
        order = {self.label(c.name): i for i, c in enumerate(self.schema.columns)}
        problems = sorted(self.problems, key=lambda p: order.get(p[0], len(order)))
        return [
            cell_message(row=self.number, column=column, reason=reason)
            if column
            else msg.MSG_ROW.format(row=self.number, reason=_sentence(reason))
            for column, reason in problems
        ]


def _row_parse(row: Row, schema: Schema, cells: dict[str, str]) -> None:
    for column in schema.columns:
        header = row.labels.get(column.name)
        raw = cells.get(header, "") if header is not None else ""
        value = column.empty
        if raw == "":
            if not column.blank_ok and header is not None:
                row.error(column.name, msg.REASON_REQUIRED)
        elif column.max_length is not None and len(raw) > column.max_length:
            row.error(column.name, msg.REASON_TOO_LONG.format(limit=column.max_length))
        else:
            try:
                value = column.parse(raw)
            except ValueError as exc:
                row.error(column.name, str(exc))
                value = column.empty if column.parse is text else None
        row[column.value_key] = value


def rows_run(
    source: Table | Sequence[Sequence],
    schema: Schema,
    row_fn: Callable[[int, Row], Any],
    *,
    write: Callable[[list], Any] | None = None,
    atomic: bool = True,
    no_rows: str = msg.MSG_NO_ROWS,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
    payload: dict | None = None,
):
    """Check every row of ``source`` (a :class:`Table`, or rows of cells with the header
    first), then write them all, or refuse the file with every problem named.

    1. The header must have every required column (else one message naming them all).
    2. Each data row is parsed by the schema, then ``row_fn(row_number, row)`` is called
       with the values (even when some cells did not parse: those are ``None`` and
       ``row.failed(column)`` says so, so that every problem of a row is told at once).
       It returns what to write for the row (``None``: nothing), and may note problems with
       ``row.error(column, reason)``, raise :class:`RowError` or raise a ``ValidationError``
       (fields mapped to columns by ``Column.fields``). It must not write.
    3. Any problem → :class:`ImportRejected` with them all ("第 N 行“列”：原因", the column as
       the file spells it; capped for display), ``payload`` attached; nothing written.
    4. ``write(planned)`` with every row's result, inside one transaction when ``atomic``
       (pass ``atomic=False`` when ``write`` keeps its own transaction, or the caller holds
       one already); its return value is returned. Without ``write``, the planned list is returned.

    ``progress(rows_checked)`` is called every ``progress_every`` rows.
    """
    table = source if isinstance(source, Table) else table_from_rows(source)
    labels = schema.bind(table.headers)
    if not table.rows:
        raise ImportRejected(no_rows)
    errors: list[str] = []
    planned: list = []
    for index, (number, cells) in enumerate(table.rows, start=1):
        if progress and index % progress_every == 0:
            progress(index)
        row = Row(number=number, schema=schema, labels=labels)
        _row_parse(row, schema, cells)
        result = None
        try:
            result = row_fn(number, row)
        except ImportRejected:
            raise
        except RowError as exc:
            row.error(exc.column, exc.message)
        except ValidationError as exc:
            row.validation_error(exc)
        if row.problems:
            errors.extend(row.messages())
        elif result is not None:
            planned.append(result)
    if errors:
        raise ImportRejected(errors, payload=payload)
    if write is None:
        return planned
    with transaction.atomic() if atomic else contextlib.nullcontext():
        return write(planned)
