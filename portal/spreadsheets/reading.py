"""Reading (every import): an uploaded .xlsx (first sheet) or .csv (UTF-8, with or without BOM,
or GBK/GB18030) becomes rows of cell values, header first, with hard limits enforced *while
streaming* so that a hostile file is refused before it costs memory or time:

- bytes on disk (checked before anything is read);
- the uncompressed size of every zip member, from the zip directory, before parsing (and
  again while decompressing, in case the directory lies);
- rows and columns: the sheet's XML is parsed row by row; the declared ``<dimension>`` is
  ignored (openpyxl's read-only sheets pad every row to it, which is how a 1.7 KB file asks
  for 17 billion cells), reading stops at the first row past the limit;
- the length of a cell.

Each limit has its own Chinese message (``errors.MSG_*``); every refusal is
:class:`~portal.spreadsheets.errors.ImportRejected`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from . import errors as msg
from .errors import ImportRejected

MAX_BYTES = 5 * 1024 * 1024
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_UNCOMPRESSED = 60 * 1024 * 1024
MAX_MEMBERS = 300
MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 2000


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_cell_chars: int = MAX_CELL_CHARS
    max_member_bytes: int = MAX_MEMBER_BYTES


def _source_bytes(source, limits: Limits) -> bytes:
    """The uploaded bytes, refusing a file over the limit before reading it."""
    if isinstance(source, bytes | bytearray):
        size = len(source)
    else:
        size = getattr(source, "size", None)
        if size is None:
            here = source.tell()
            source.seek(0, io.SEEK_END)
            size = source.tell() - here
            source.seek(here)
    if size > limits.max_bytes:
        raise ImportRejected(msg.MSG_TOO_BIG.format(size=_mb(size), limit=_mb(limits.max_bytes)))
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise ImportRejected(msg.MSG_TOO_BIG_READ.format(limit=_mb(limits.max_bytes)))
    return data


def rows_read(*, name: str, data, limits: Limits | None = None) -> list[list]:
    """The cells of an uploaded .xlsx (first sheet, typed values) or .csv (UTF-8 or GBK), row
    by row, header first; list index + 1 is the row number the user sees. Trailing empty
    cells are dropped. ``data`` is bytes or an uploaded file. :class:`ImportRejected` with a
    message for the user when the file cannot be read or breaks a limit."""
    limits = limits or Limits()
    lower = (name or "").lower()
    if not (lower.endswith(".xlsx") or lower.endswith(".csv")):
        raise ImportRejected(msg.MSG_ONLY_XLSX_CSV)
    raw = _source_bytes(data, limits)
    if lower.endswith(".xlsx"):
        return _xlsx_rows(raw, limits)
    return _csv_rows(raw, limits)


class _Rows:
    """Collects rows, enforcing the row, column and cell limits as they arrive."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.rows: list[list] = []
        self.data_rows = 0
        self.last_number = 2 * limits.max_rows + 1  # blank rows allowed in between

    def add(self, number: int, values: list) -> None:
        while values and (values[-1] is None or values[-1] == ""):
            values.pop()
        if not values:
            return  # blank rows are never stored; gaps are filled below only when needed
        limits = self.limits
        if len(values) > limits.max_columns:
            raise ImportRejected(
                msg.MSG_TOO_MANY_COLUMNS.format(
                    row=number, count=len(values), limit=limits.max_columns
                )
            )
        if number > self.last_number or (number > 1 and self.data_rows >= limits.max_rows):
            raise ImportRejected(msg.MSG_TOO_MANY_ROWS.format(limit=limits.max_rows, row=number))
        for column, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise ImportRejected(
                    msg.MSG_CELL_TOO_LONG.format(
                        row=number, column=column, length=len(value), limit=limits.max_cell_chars
                    )
                )
        if number > 1:
            self.data_rows += 1
        while len(self.rows) < number - 1:
            self.rows.append([])
        self.rows.append(values)


def _decode(data: bytes) -> str:
    """UTF-8 or GB18030 (a superset of GBK, as Chinese Excel saves), a UTF-8 BOM stripped
    first in either case (some tools put one in front of GBK text)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejected(msg.MSG_ENCODING)


def _csv_rows(data: bytes, limits: Limits) -> list[list]:
    text = _decode(data)
    rows = _Rows(limits)
    # A cell over the limit stops the reader itself (csv's own cap is per process; never more
    # than ours plus one, so a huge cell is refused without building it whole).
    old_limit = csv.field_size_limit()
    csv.field_size_limit(limits.max_cell_chars + 1)
    try:
        reader = csv.reader(io.StringIO(text))
        number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                number = reader.line_num
                if "field larger" in str(exc):
                    raise ImportRejected(
                        msg.MSG_CSV_CELL_TOO_LONG.format(row=number, limit=limits.max_cell_chars)
                    ) from None
                raise ImportRejected(msg.MSG_CSV_UNREADABLE.format(row=number)) from None
            number += 1
            rows.add(number, values)
    finally:
        csv.field_size_limit(old_limit)
    return rows.rows


class _CappedReader(io.RawIOBase):
    """A zip member stream that refuses to give more than ``limit`` bytes."""

    def __init__(self, raw, limit: int, name: str):
        self.raw, self.left, self.name = raw, limit, name

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        self.left -= len(data)
        if self.left < 0:
            raise ImportRejected(msg.MSG_MEMBER_TOO_BIG.format(name=self.name))
        buffer[: len(data)] = data
        return len(data)

    def close(self):
        self.raw.close()
        super().close()


def _zip_check(data: bytes, limits: Limits) -> None:
    """Refuse from the zip directory alone: too many members or members too big unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise ImportRejected(msg.MSG_XLSX_UNREADABLE) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ImportRejected(msg.MSG_XLSX_STRANGE)
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > limits.max_member_bytes or total > MAX_TOTAL_UNCOMPRESSED:
                raise ImportRejected(msg.MSG_MEMBER_TOO_BIG.format(name=info.filename))


def _xlsx_rows(data: bytes, limits: Limits) -> list[list]:
    return _xlsx_sheets(data, limits, first_only=True)[0][1]


def xlsx_sheets_read(*, data, limits: Limits) -> list[tuple[str, list[list]]]:
    """Every sheet of an .xlsx as ``(title, rows)``, under the same streaming limits (each
    sheet on its own); for reading a document's text, say."""
    return _xlsx_sheets(_source_bytes(data, limits), limits, first_only=False)


def _xlsx_sheets(data: bytes, limits: Limits, *, first_only: bool):
    _zip_check(data, limits)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets = book.worksheets[:1] if first_only else book.worksheets
        if not sheets:
            raise ValueError("no sheet")
    except Exception:  # noqa: BLE001 - any unreadable workbook is the user's file problem
        raise ImportRejected(msg.MSG_XLSX_UNREADABLE) from None
    out = []
    try:
        for sheet in sheets:
            source = _CappedReader(
                book._archive.open(sheet._worksheet_path),
                limits.max_member_bytes,
                sheet._worksheet_path,
            )
            with io.BufferedReader(source, 64 * 1024) as stream:
                out.append((sheet.title, _sheet_rows(stream, book, limits)))
    except ImportRejected:
        raise
    except Exception:  # noqa: BLE001 - a malformed sheet is the user's file problem
        raise ImportRejected(msg.MSG_XLSX_UNREADABLE) from None
    finally:
        book.close()
    return out


def _sheet_rows(stream, book, limits: Limits) -> list[list]:
    """Rows as the sheet's XML has them, parsed element by element.

    Never ``sheet.iter_rows()``: read-only sheets pad every row (and add empty rows) up to the
    declared ``<dimension>``. Here the cells of a row are counted as they open, every element
    is dropped once read, and reading stops at the first limit passed.
    """
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    row_tag, cell_tag = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}c"
    parser = WorkSheetParser(
        None,
        book.shared_strings,
        data_only=True,
        epoch=book.epoch,
        date_formats=book._date_formats,
        timedelta_formats=book._timedelta_formats,
    )
    rows = _Rows(limits)
    max_elements = 4 * limits.max_columns  # empty styled cells count too, within reason
    stack: list = []
    in_row, cells_in_row, row_elements, row_label = False, 0, 0, ""
    for event, element in iterparse(stream, events=("start", "end")):
        if event == "start":
            stack.append(element)
            if element.tag == cell_tag and in_row:
                cells_in_row += 1
                if cells_in_row > max_elements:
                    raise ImportRejected(
                        msg.MSG_TOO_MANY_CELLS.format(row=row_label, limit=limits.max_columns)
                    )
            elif element.tag == row_tag:
                in_row, cells_in_row = True, 0
                row_label = element.get("r") or str(parser.row_counter + 1)
                row_elements += 1
                if row_elements > rows.last_number + 1:
                    raise ImportRejected(
                        msg.MSG_TOO_MANY_ROW_ELEMENTS.format(limit=limits.max_rows)
                    )
            continue
        stack.pop()
        if element.tag == row_tag:
            in_row = False
            number, cells = parser.parse_row(element)
            present = [c for c in cells if c["value"] is not None and c["value"] != ""]
            if present:
                last = max(c["column"] for c in present)
                if last > limits.max_columns:
                    raise ImportRejected(
                        msg.MSG_CELL_BEYOND.format(
                            row=number, column=last, limit=limits.max_columns
                        )
                    )
                values = [None] * last
                for c in present:
                    values[c["column"] - 1] = c["value"]
                rows.add(number, values)
        elif in_row:
            continue  # a cell's parts are read with its row
        # Drop what has been read: the element, and its parent's reference to it.
        element.clear()
        if stack:
            del stack[-1][-1:]
    return rows.rows
