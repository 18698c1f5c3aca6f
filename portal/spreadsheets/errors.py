"""The one error type of a refused file or row, and every message the spreadsheet code shows.

A message a user sees names the row (the header is row 1, as the spreadsheet numbers it) and,
for a cell, the column as the file spells it. Importers and tests use these constants instead
of repeating the text.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

ERRORS_SHOWN = 200

# --- a cell, a row, the header ------------------------------------------------------------------

# One bad cell: "第 5 行“学号”：与第 2 行重复。"
MSG_ROW_CELL = "第 {row} 行“{column}”：{reason}"
# A problem of a whole row that no single column owns (rare: prefer MSG_ROW_CELL).
MSG_ROW = "第 {row} 行：{reason}"
# Required columns missing from the header row ("、"-joined names).
MSG_MISSING_COLUMNS = "第 1 行（表头）缺少列：{columns}。"
MSG_EMPTY_FILE = "文件是空的。"
# A header and nothing under it (importers may say what was expected instead).
MSG_NO_ROWS = "文件中除表头外没有数据行。"
MSG_MORE_ERRORS = "……以上只列出前 {shown} 处，共 {total} 处问题，其余未逐条列出。"
# Any problem that cannot be put down to the file (the task backend keeps the traceback).
MSG_UNEXPECTED = (
    "导入时出现意外错误，没有导入任何数据。请稍后重新上传；如果仍然失败，请联系系统管理员。"
)

# --- reasons the cell parsers give (the text after "第 N 行“列”：") -------------------------------

REASON_REQUIRED = "不能为空。"
REASON_DATE = "无法识别“{value}”，日期请写成 {example} 的格式。"
REASON_INTEGER = "“{value}”不是整数。"
REASON_DECIMAL = "“{value}”不是数字。"
REASON_CHOICE = "无法识别“{value}”，应为{options}。"
REASON_PHONE = "“{value}”不是有效的电话号码。"
REASON_EMAIL = "“{value}”不是有效的电子邮箱地址。"
REASON_TOO_LONG = "不能超过 {limit} 个字符。"
DATE_EXAMPLE = "2026-03-15"

# --- the file itself ----------------------------------------------------------------------------

MSG_ONLY_XLSX_CSV = "只支持 .xlsx 或 .csv 文件。"
MSG_XLSX_UNREADABLE = "无法读取该 Excel 文件，请确认是 .xlsx 格式。"
MSG_XLSX_STRANGE = "该 Excel 文件的内部结构异常，请另存为新的 .xlsx 文件。"
MSG_ENCODING = "无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件。"
MSG_TOO_BIG = "文件过大（{size}），一次最多上传 {limit}，请分批导入。"
MSG_TOO_BIG_READ = "文件过大，一次最多上传 {limit}，请分批导入。"
MSG_MEMBER_TOO_BIG = (
    "文件中的“{name}”解压后过大，可能已损坏或经过特殊构造，"
    "请用 Excel 打开后另存为新的 .xlsx 文件再导入。"
)
MSG_TOO_MANY_COLUMNS = "第 {row} 行有 {count} 列，超过上限 {limit} 列，请删除多余的列后再导入。"
MSG_TOO_MANY_CELLS = "第 {row} 行的列数超过上限 {limit} 列，请删除多余的列后再导入。"
MSG_CELL_BEYOND = "第 {row} 行第 {column} 列有内容，超过上限 {limit} 列，请删除多余的列后再导入。"
MSG_TOO_MANY_ROWS = "行数超过上限：一次最多导入 {limit} 行数据（第 {row} 行超出），请分批导入。"
MSG_TOO_MANY_ROW_ELEMENTS = "行数超过上限：一次最多导入 {limit} 行数据，请分批导入。"
MSG_CELL_TOO_LONG = (
    "第 {row} 行第 {column} 列的内容过长（{length} 个字符，上限 {limit}），请检查该单元格。"
)
MSG_CSV_CELL_TOO_LONG = "第 {row} 行附近有单元格内容过长（上限 {limit} 个字符），请检查该行。"
MSG_CSV_UNREADABLE = "第 {row} 行无法按 CSV 格式读取，请用 Excel 另存为 CSV 后重试。"


class ErrorList(list):
    """The first :data:`ERRORS_SHOWN` messages; ``total`` is how many there were."""

    total: int = 0


def errors_capped(errors: Iterable[str], *, shown: int = ERRORS_SHOWN) -> ErrorList:
    """At most ``shown`` messages, and a last line saying how many more there were."""
    errors = list(errors)
    capped = ErrorList(errors[:shown])
    capped.total = len(errors)
    if len(errors) > shown:
        capped.append(MSG_MORE_ERRORS.format(shown=shown, total=len(errors)))
    return capped


class ImportRejected(ValidationError):
    """A file, or rows of it, refused; nothing was written.

    ``errors`` are the Chinese messages to show (at most :data:`ERRORS_SHOWN`, then a line
    saying how many more; ``errors.total`` counts them all). ``payload`` carries what an
    importer adds for its page (screening: ``consent_missing``, the students refused for want
    of a guardian's consent). A :class:`~django.core.exceptions.ValidationError`, so
    ``messages`` is the same list and form-handling code that catches validation errors shows
    it as it is.
    """

    def __init__(self, errors: str | Iterable[str], *, payload: dict | None = None):
        if isinstance(errors, str):
            errors = [errors]
        self.errors = errors if isinstance(errors, ErrorList) else errors_capped(errors)
        self.payload = dict(payload or {})
        super().__init__(list(self.errors))

    def __str__(self) -> str:
        return "\n".join(self.errors)


__all__ = [
    "DATE_EXAMPLE",
    "ERRORS_SHOWN",
    "ErrorList",
    "ImportRejected",
    "errors_capped",
    *(name for name in dir() if name.startswith(("MSG_", "REASON_"))),
]
