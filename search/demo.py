"""Demo step: build the search entries for the demo pages and documents, then the index.

Idempotent. The index is rebuilt here in-process, so a fresh demo is searchable even
before any task worker has run.
"""

import io

from django.core.management import call_command

from .services import entries_rebuild


def load(*, out, rng):
    counts = entries_rebuild(progress=out.every)
    out(f"  搜索条目：页面 {counts['pages']} 个，文档 {counts['documents']} 个")
    call_command("update_index", stdout=io.StringIO(), stderr=io.StringIO())
    out("  搜索索引已重建")
