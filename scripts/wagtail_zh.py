#!/usr/bin/env python3
"""The back office in Chinese: Wagtail strings its own zh_Hans catalogue lacks, and ours.

Wagtail ships an English source catalogue (``locale/en/LC_MESSAGES/*.po``) beside each
translation; every message there without a zh_Hans translation shows in English in our
admin unless ``locale/zh_Hans/LC_MESSAGES/<domain>.po`` (LOCALE_PATHS) provides it.

    .venv/bin/python scripts/wagtail_zh.py check     # exit 1 and list what is still English
    .venv/bin/python scripts/wagtail_zh.py compile   # locale/**/*.po -> .mo (no gettext needed)

The compiled .mo files are committed, so a clean clone needs neither gettext nor this
script; run ``compile`` (or ``make messages``) after editing a .po. After a Wagtail
upgrade, ``check`` lists the new strings to translate. tests/portal/test_admin_chinese.py
runs both offline.
"""

from __future__ import annotations

import ast
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANG = "zh_Hans"


@dataclass
class Message:
    msgid: str
    msgctxt: str | None = None
    plural: str | None = None
    strs: list[str] = field(default_factory=list)  # msgstr, or msgstr[0], msgstr[1]…
    fuzzy: bool = False
    flags: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.strs) and all(self.strs) and not self.fuzzy


def po_read(path: Path) -> list[Message]:
    """The messages of a .po file (the header entry included, obsolete ones left out)."""
    messages: list[Message] = []
    cur: dict = {}
    last = None

    def flush():
        if "msgid" in cur:
            strs = [cur[k] for k in sorted(k for k in cur if k.startswith("msgstr"))]
            messages.append(
                Message(
                    msgid=cur["msgid"],
                    msgctxt=cur.get("msgctxt"),
                    plural=cur.get("msgid_plural"),
                    strs=strs,
                    fuzzy="fuzzy" in cur.get("flags", []),
                    flags=[f for f in cur.get("flags", []) if f != "fuzzy"],
                )
            )

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            flush()
            cur, last = {}, None
        elif line.startswith("#,"):
            cur.setdefault("flags", []).extend(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            cur[last] += ast.literal_eval(line)
        else:
            keyword, _, value = line.partition(" ")
            last = keyword.replace("[", "").replace("]", "")  # msgstr[0] -> msgstr0
            cur[last] = ast.literal_eval(value)
    return messages


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    if "\n" not in escaped or escaped == "\\n":
        return '"' + escaped.replace("\n", "\\n") + '"'
    parts = escaped.split("\n")
    lines = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return '""\n' + "\n".join(f'"{line}"' for line in lines)


def po_write(path: Path, messages: list[Message], *, header: str) -> None:
    out = [header.rstrip("\n"), ""]
    for m in messages:
        if m.flags:
            out.append("#, " + ", ".join(m.flags))
        if m.msgctxt is not None:
            out.append("msgctxt " + _quote(m.msgctxt))
        out.append("msgid " + _quote(m.msgid))
        if m.plural is not None:
            out.append("msgid_plural " + _quote(m.plural))
            out.extend(f"msgstr[{i}] " + _quote(s) for i, s in enumerate(m.strs))
        else:
            out.append("msgstr " + _quote(m.strs[0] if m.strs else ""))
        out.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


def mo_bytes(messages: list[Message]) -> bytes:
    """GNU .mo for the translated messages (the same layout msgfmt writes, sorted keys)."""
    catalog: dict[bytes, bytes] = {}
    for m in messages:
        if m.msgid and not m.translated:
            continue
        key = m.msgid if m.plural is None else m.msgid + "\0" + m.plural
        if m.msgctxt is not None:
            key = m.msgctxt + "\x04" + key
        catalog[key.encode()] = "\0".join(m.strs).encode()
    keys = sorted(catalog)
    ids = b"".join(k + b"\0" for k in keys)
    strs = b"".join(catalog[k] + b"\0" for k in keys)
    n = len(keys)
    key_start = 7 * 4 + 16 * n
    value_start = key_start + len(ids)
    offsets, koffset, voffset = [], 0, 0
    for k in keys:
        offsets.append((len(k), key_start + koffset, len(catalog[k]), value_start + voffset))
        koffset += len(k) + 1
        voffset += len(catalog[k]) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    table_k = b"".join(struct.pack("ii", length, off) for length, off, _, _ in offsets)
    table_v = b"".join(struct.pack("ii", length, off) for _, _, length, off in offsets)
    return header + table_k + table_v + ids + strs


def compile_all(locale: Path = LOCALE) -> list[Path]:
    written = []
    for po in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        data = mo_bytes(po_read(po))
        if not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
            written.append(mo)
    return written


def wagtail_dir() -> Path:
    import wagtail

    return Path(wagtail.__file__).resolve().parent


def missing(*, locale: Path = LOCALE) -> dict[str, list[Message]]:
    """Per domain (django, djangojs): Wagtail's source messages that neither Wagtail's
    zh_Hans catalogue nor ours translates."""
    ours: dict[str, set] = {}
    for po in locale.glob(f"{LANG}/LC_MESSAGES/*.po"):
        ours[po.stem] = {m.key for m in po_read(po) if m.translated}
    result: dict[str, list[Message]] = {}
    seen: set = set()
    for source in sorted(wagtail_dir().glob("**/locale/en/LC_MESSAGES/*.po")):
        domain = source.stem
        target = source.parent.parent.parent / LANG / "LC_MESSAGES" / source.name
        theirs = {m.key for m in po_read(target) if m.translated} if target.exists() else set()
        for m in po_read(source):
            if not m.msgid or m.key in theirs or m.key in ours.get(domain, set()):
                continue
            if (domain, m.key) not in seen:
                seen.add((domain, m.key))
                result.setdefault(domain, []).append(m)
    return result


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "compile":
        for path in compile_all():
            print(f"已编译 {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        gaps = missing()
        for domain, messages in gaps.items():
            for m in messages:
                print(f"{domain}: {m.msgid!r}")
        total = sum(len(v) for v in gaps.values())
        print(f"未翻译的 Wagtail 文字：{total} 条")
        return 1 if total else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
