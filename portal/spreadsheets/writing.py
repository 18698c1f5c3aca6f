"""Writing (every export, every template): :func:`xlsx_build` and :func:`csv_build` write text
cells as text, never as formulas, and neutralise text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return by prefixing an apostrophe (:func:`cell_safe`), so that
what one role typed never becomes a live formula in another role's spreadsheet. No other
module builds an .xlsx or a CSV.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"

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
    out = io.BytesIO()
    xlsx_write(out, *sheets)
    return out.getvalue()


def xlsx_write(out, *sheets: Sheet) -> None:
    """Write an .xlsx of ``sheets`` to ``out`` (a binary file or a path), rows streamed as
    they come (a background export writes a large workbook without holding it in memory)."""
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
    book.save(out)


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


def csv_write(out, headers: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write the CSV of ``csv_lines`` (BOM first) to the binary file ``out``, line by line."""
    for line in csv_lines(headers, rows):
        out.write(line.encode("utf-8"))


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
