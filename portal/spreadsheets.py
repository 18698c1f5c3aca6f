"""The one place the portal reads and writes spreadsheets (.xlsx and .csv).

Reading (every import): an uploaded .xlsx (first sheet) or .csv (UTF-8, with or without BOM,
or GBK/GB18030) becomes rows of cell values, header first, with hard limits enforced *while
streaming* so that a hostile file is refused before it costs memory or time:

- bytes on disk (checked before anything is read);
- the uncompressed size of every zip member, from the zip directory, before parsing (and
  again while decompressing, in case the directory lies);
- rows and columns: the sheet's XML is parsed row by row; the declared ``<dimension>`` is
  ignored (openpyxl's read-only sheets pad every row to it, which is how a 1.7 KB file asks
  for 17 billion cells), reading stops at the first row past the limit;
- the length of a cell.

Each limit has its own Chinese message. Error lists shown to people are capped
(:func:`errors_capped`).

Writing (every export, every template): :func:`xlsx_build` and :func:`csv_build` write text
cells as text, never as formulas, and neutralise text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return by prefixing an apostrophe (:func:`cell_safe`), so that
what one role typed never becomes a live formula in another role's spreadsheet.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

MAX_BYTES = 5 * 1024 * 1024
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_UNCOMPRESSED = 60 * 1024 * 1024
MAX_MEMBERS = 300
MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 2000
ERRORS_SHOWN = 200

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"


class SpreadsheetRejected(Exception):
    """The file cannot be read (format, encoding or a limit); ``errors`` are for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.errors = [message]


class ErrorList(list):
    """The first :data:`ERRORS_SHOWN` messages; ``total`` is how many there were."""

    total: int = 0


def errors_capped(errors: Iterable[str], *, shown: int = ERRORS_SHOWN) -> ErrorList:
    """At most ``shown`` messages, and a last line saying how many more there were."""
    errors = list(errors)
    capped = ErrorList(errors[:shown])
    capped.total = len(errors)
    if len(errors) > shown:
        capped.append(f"……以上只列出前 {shown} 处，共 {len(errors)} 处问题，其余未逐条列出。")
    return capped


# --- reading ------------------------------------------------------------------------------------


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
        raise SpreadsheetRejected(
            f"文件过大（{_mb(size)}），一次最多上传 {_mb(limits.max_bytes)}，请分批导入。"
        )
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise SpreadsheetRejected(f"文件过大，一次最多上传 {_mb(limits.max_bytes)}，请分批导入。")
    return data


def rows_read(*, name: str, data, limits: Limits | None = None) -> list[list]:
    """The cells of an uploaded .xlsx (first sheet, typed values) or .csv (UTF-8 or GBK), row
    by row, header first; list index + 1 is the row number the user sees. Trailing empty
    cells are dropped. ``data`` is bytes or an uploaded file. :class:`SpreadsheetRejected`
    with a message for the user when the file cannot be read or breaks a limit."""
    limits = limits or Limits()
    lower = (name or "").lower()
    if not (lower.endswith(".xlsx") or lower.endswith(".csv")):
        raise SpreadsheetRejected("只支持 .xlsx 或 .csv 文件。")
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
            raise SpreadsheetRejected(
                f"第 {number} 行有 {len(values)} 列，超过上限 {limits.max_columns} 列，"
                "请删除多余的列后再导入。"
            )
        if number > self.last_number or (number > 1 and self.data_rows >= limits.max_rows):
            raise SpreadsheetRejected(
                f"行数超过上限：一次最多导入 {limits.max_rows} 行数据（第 {number} 行超出），"
                "请分批导入。"
            )
        for column, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise SpreadsheetRejected(
                    f"第 {number} 行第 {column} 列的内容过长（{len(value)} 个字符，"
                    f"上限 {limits.max_cell_chars}），请检查该单元格。"
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
    raise SpreadsheetRejected("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件。")


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
                    raise SpreadsheetRejected(
                        f"第 {number} 行附近有单元格内容过长（上限 {limits.max_cell_chars} "
                        "个字符），请检查该行。"
                    ) from None
                raise SpreadsheetRejected(
                    f"第 {number} 行无法按 CSV 格式读取，请用 Excel 另存为 CSV 后重试。"
                ) from None
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
            raise SpreadsheetRejected(_member_too_big(self.name))
        buffer[: len(data)] = data
        return len(data)

    def close(self):
        self.raw.close()
        super().close()


def _member_too_big(name: str) -> str:
    return (
        f"文件中的“{name}”解压后过大，可能已损坏或经过特殊构造，"
        "请用 Excel 打开后另存为新的 .xlsx 文件再导入。"
    )


def _zip_check(data: bytes, limits: Limits) -> None:
    """Refuse from the zip directory alone: too many members or members too big unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise SpreadsheetRejected("无法读取该 Excel 文件，请确认是 .xlsx 格式。") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise SpreadsheetRejected("该 Excel 文件的内部结构异常，请另存为新的 .xlsx 文件。")
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > limits.max_member_bytes or total > MAX_TOTAL_UNCOMPRESSED:
                raise SpreadsheetRejected(_member_too_big(info.filename))


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
        raise SpreadsheetRejected("无法读取该 Excel 文件，请确认是 .xlsx 格式。") from None
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
    except SpreadsheetRejected:
        raise
    except Exception:  # noqa: BLE001 - a malformed sheet is the user's file problem
        raise SpreadsheetRejected("无法读取该 Excel 文件，请确认是 .xlsx 格式。") from None
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
                    raise SpreadsheetRejected(
                        f"第 {row_label} 行的列数超过上限 {limits.max_columns} 列，"
                        "请删除多余的列后再导入。"
                    )
            elif element.tag == row_tag:
                in_row, cells_in_row = True, 0
                row_label = element.get("r") or str(parser.row_counter + 1)
                row_elements += 1
                if row_elements > rows.last_number + 1:
                    raise SpreadsheetRejected(
                        f"行数超过上限：一次最多导入 {limits.max_rows} 行数据，请分批导入。"
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
                    raise SpreadsheetRejected(
                        f"第 {number} 行第 {last} 列有内容，超过上限 {limits.max_columns} 列，"
                        "请删除多余的列后再导入。"
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


# --- writing ------------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value):
    """A value as it may go into a cell: numbers and dates as they are, anything else as text,
    text that a spreadsheet would read as a formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal | datetime.date | datetime.datetime):
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            from django.utils import timezone

            return timezone.localtime(value).replace(tzinfo=None)
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


@dataclass
class Sheet:
    """One worksheet: optional title lines, a bold header row, data rows."""

    title: str
    headers: Sequence[str] = ()
    rows: Iterable[Sequence] = ()
    widths: Sequence[int] = ()
    preface: Sequence[Sequence] = ()
    freeze: str | None = None
    autofilter: bool = False  # a filter over the header row and the rows below it


def xlsx_build(*sheets: Sheet) -> bytes:
    """An .xlsx of ``sheets``; every text cell is a string cell, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def cells(ws, values, *, header=False):
        out = []
        for value in values:
            safe = cell_safe(value)
            if isinstance(safe, str):
                # Control characters a workbook cannot hold are dropped, never a 500.
                cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", safe))
                cell.data_type = "s"  # text is text, whatever it starts with
            else:
                cell = WriteOnlyCell(ws, value=safe)
                if isinstance(safe, datetime.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(safe, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
            if header:
                cell.font = bold
            out.append(cell)
        return out

    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        for index, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        if sheet.freeze:
            ws.freeze_panes = sheet.freeze
        for line in sheet.preface:
            ws.append(cells(ws, line))
        header_row = len(sheet.preface) + 1
        if sheet.headers:
            ws.append(cells(ws, sheet.headers, header=True))
        last_row = header_row
        for row in sheet.rows:
            ws.append(cells(ws, row))
            last_row += 1
        if sheet.autofilter and sheet.headers:
            last_col = get_column_letter(len(sheet.headers))
            ws.auto_filter.ref = f"A{header_row}:{last_col}{last_row}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class _Echo:
    def write(self, value):
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV text line by line (a UTF-8 BOM first, so Excel reads Chinese correctly)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    if headers:
        yield writer.writerow([cell_safe(h) for h in headers])
    for row in rows:
        yield writer.writerow([cell_safe(v) for v in row])


def csv_build(headers: Sequence[str], rows: Iterable[Sequence] = ()) -> bytes:
    return "".join(csv_lines(headers, rows)).encode("utf-8")


def _disposition(filename: str, download_name: str | None) -> str:
    """Named by the one download-name rule (RFC 6266 ``filename*``, an ASCII fallback)."""
    from portal.downloads import content_disposition

    return content_disposition(download_name or filename)


def xlsx_response(data: bytes, *, filename: str, download_name: str | None = None):
    response = HttpResponse(data, content_type=XLSX_MIME)
    response["Content-Disposition"] = _disposition(filename, download_name)
    return response


def csv_response(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    filename: str,
    download_name: str | None = None,
    stream: bool = False,
):
    lines = csv_lines(headers, rows)
    if stream:
        response = StreamingHttpResponse(line.encode("utf-8") for line in lines)
        response["Content-Type"] = CSV_MIME
    else:
        response = HttpResponse("".join(lines).encode("utf-8"), content_type=CSV_MIME)
    response["Content-Disposition"] = _disposition(filename, download_name)
    return response
