"""Running an export the way a person does: open the start form, post it (with the page's
hidden fields: CSRF token, one-time key), land on the job's page, download the file.
Tasks run inline in tests, so the job is finished when the post returns."""

from __future__ import annotations

import io

from django.urls import reverse

from portal.models import ExportJob

from .csrf import hidden_fields


def export_start(client, kind: str, data: dict | None = None, *, query: str = ""):
    """Post the start form of ``kind``; returns the response (302 to the job, or the form)."""
    url = reverse("exports_admin:start", args=[kind])
    page = client.get(f"{url}?{query}" if query else url)
    assert page.status_code == 200, page.status_code
    return client.post(url, {**hidden_fields(page), **(data or {})})


def export_job(client, kind: str, data: dict | None = None, *, query: str = "") -> ExportJob:
    """Start an export of ``kind`` and return its (finished) job."""
    response = export_start(client, kind, data, query=query)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].startswith("/admin/exports/"), response["Location"]
    pk = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    return ExportJob.objects.get(pk=pk)


def download(client, job) -> bytes:
    response = client.get(reverse("exports_admin:download", args=[job.pk]))
    assert response.status_code == 200, response.status_code
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def xlsx_rows(data: bytes, sheet: str | None = None) -> list[tuple]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return list((book[sheet] if sheet else book.active).iter_rows(values_only=True))


def csv_text(data: bytes) -> str:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without a BOM: Excel would garble Chinese"
    return data.decode("utf-8-sig")
