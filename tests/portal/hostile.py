"""Hostile spreadsheets, built in the test: a padded dimension, a zip bomb, 100,000 rows,
huge and wide cells. Each sheet is written to the zip as a stream (the test itself never
holds the unpacked sheet in memory)."""

import io
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _column(n: int) -> str:
    name = ""
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def row_xml(number: int, values) -> bytes:
    cells = "".join(
        f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
        for i, v in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def xlsx_with_sheet(path, chunks, *, dimension="A1:C3") -> None:
    """An .xlsx at ``path`` whose first sheet's <sheetData> is the byte ``chunks``."""
    base = io.BytesIO()
    Workbook().save(base)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != SHEET:
                out.writestr(info, src.read(info.filename))
        with out.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(HEAD + f'<dimension ref="{dimension}"/><sheetData>'.encode())
            for chunk in chunks:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")


def dimension_bomb(path, rows) -> None:
    """Real rows, but a sheet that declares every cell Excel allows (A1:XFD1048576)."""
    xlsx_with_sheet(
        path,
        (row_xml(n, r) for n, r in enumerate(rows, start=1)),
        dimension="A1:XFD1048576",
    )


def zip_bomb(path, megabytes=300) -> None:
    """A few hundred KB on disk, ``megabytes`` of whitespace once unpacked."""
    block = b" " * (1024 * 1024)
    xlsx_with_sheet(path, [row_xml(1, ["姓名"]), *([block] * megabytes)])


def many_rows_xlsx(path, count=100_000) -> None:
    xlsx_with_sheet(
        path,
        [row_xml(1, ["用户名", "姓名", "角色"])]
        + [row_xml(n, [f"u{n}", "某某", "教师"]) for n in range(2, count + 2)],
    )


def many_rows_csv(path, count=100_000) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("用户名,姓名,角色\n")
        for n in range(count):
            f.write(f"u{n},某某,教师\n")


def huge_cell_xlsx(path, chars=3_000_000) -> None:
    xlsx_with_sheet(path, [row_xml(1, ["姓名"]), row_xml(2, ["长" * chars])])


def huge_cell_csv(path, chars=1_500_000) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("姓名\n" + "长" * chars + "\n")


def wide_row_xlsx(path, columns=16_000) -> None:
    xlsx_with_sheet(path, [row_xml(1, ["x"] * columns)])
