"""The kinds of export, registered by the apps that own their data.

An app declares each kind once, in its own ``exports.py``, and registers it with a Wagtail
hook (``wagtail_hooks.py``)::

    @hooks.register(EXPORT_KINDS_HOOK)
    def screening_exports():
        return [FIGURES]

A kind names the capability that allows it — the same one its report page's export checked
before, and the only rule asked when a job is started, run and downloaded —, its label, its
file name and format(s), its filter form and ``build``: a function of the user and the
filters that returns an :class:`ExportTable` (headers, the rows as a generator, and the
number of rows when it is known, for the progress bar).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from wagtail import hooks

EXPORT_KINDS_HOOK = "register_export_kinds"

CSV = "csv"
XLSX = "xlsx"
FORMAT_LABELS = {CSV: "CSV（Excel 可直接打开）", XLSX: "Excel（.xlsx）"}


@dataclass
class ExportTable:
    """What a kind's ``build`` returns: the sheet to write, its rows still to be read."""

    headers: Sequence[str]
    rows: Iterable[Sequence]
    total: int | None = None  # rows expected (progress); None when not known beforehand
    title: str = "导出"  # the worksheet's name (.xlsx)
    preface: Sequence[Sequence] = ()  # title lines above the header row (.xlsx only)
    widths: Sequence[int] = ()
    freeze: str | None = None
    autofilter: bool = False
    notes: Sequence[Sequence] = ()  # a second sheet “说明” (.xlsx only)
    school: object = None  # the one school the rows are of, for the access-log line


@dataclass(frozen=True)
class ExportKind:
    name: str  # the URL's name of the kind, e.g. "screening-figures"
    label: str  # e.g. "测评汇总（各校 × 学段）"
    capability: str  # asked to start, to run and to download; the old export view's
    form: type  # an ``ExportForm`` subclass: the filters
    build: Callable[..., ExportTable]  # build(*, user, params) -> ExportTable
    filename: Callable[[dict], str]  # filename(params) -> name without extension
    formats: tuple[str, ...] = (CSV,)  # the first is the default
    log_object_type: str = ""  # the access-log line of a download (its object type)
    log_action: str = "export"
    description: str = ""  # one sentence on the start page
    back_url: Callable[[], str] | None = field(default=None, compare=False)  # the report page


def kinds() -> dict[str, ExportKind]:
    """Every registered kind, by name."""
    found: dict[str, ExportKind] = {}
    for provider in hooks.get_hooks(EXPORT_KINDS_HOOK):
        for kind in provider():
            found[kind.name] = kind
    return found


def kind_get(name: str) -> ExportKind | None:
    return kinds().get(name)
