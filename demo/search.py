"""Demo step: build the search entries for the demo pages and documents, then the index.

Idempotent. The index is rebuilt here in-process, so a fresh demo is searchable even
before any task worker has run. Text extraction of an uploaded file is queued for after
its transaction commits; a demo loaded inside one outer transaction (the tests) never
sees those run, so any file whose text was not read yet is read here — the demo index is
then the same however the demo was loaded.
"""

import io

from django.core.management import call_command
from django.db.models import F

from search.services import document_extract_text, entries_rebuild


def load(*, out, rng):
    from resources.models import XinyuDocument

    pending = XinyuDocument.objects.exclude(file="").exclude(extracted_file=F("file"))
    for pk in pending.values_list("pk", flat=True):
        document_extract_text.call(pk)
    counts = entries_rebuild(progress=out.every)
    out(f"  搜索条目：页面 {counts['pages']} 个，文档 {counts['documents']} 个")
    call_command("update_index", stdout=io.StringIO(), stderr=io.StringIO())
    out("  搜索索引已重建")
