"""Demo step: build the search entries for the demo pages and documents. Idempotent."""

from .services import entries_rebuild


def load(*, out, rng):
    counts = entries_rebuild(progress=out.every)
    out(f"  搜索条目：页面 {counts['pages']} 个，文档 {counts['documents']} 个")
