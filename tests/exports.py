"""Running an export the way a person does: open the start form, post it (with the page's
hidden fields: CSRF token, one-time key), land on the job's page, download the file.
Tasks run inline in tests, so the job is finished when the post returns."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from django.urls import reverse

from portal.models import ExportJob


class _FormValues(HTMLParser):
    """What a browser sends for the page's first POST form left as it is: hidden and text
    inputs, checked boxes, each select's selected options (a single select: its first option
    when none is marked)."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside the first POST form
        self.done = False
        self.values: dict[str, list[str]] = {}
        self.select = None  # [name, multiple, options, selected]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.depth = 1
        elif not self.depth:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button"):
                self.values.setdefault(attrs["name"], []).append(attrs.get("value") or "")
        elif tag == "select" and attrs.get("name"):
            self.select = [attrs["name"], "multiple" in attrs, [], []]
        elif tag == "option" and self.select is not None:
            value = attrs.get("value") or ""
            self.select[2].append(value)
            if "selected" in attrs:
                self.select[3].append(value)

    def handle_endtag(self, tag):
        if tag == "select" and self.select is not None:
            name, multiple, options, selected = self.select
            chosen = selected or ([] if multiple or not options else options[:1])
            if chosen:
                self.values[name] = chosen
            self.select = None
        elif tag == "form" and self.depth:
            self.depth, self.done = 0, True


def form_values(page) -> dict[str, list[str]]:
    parser = _FormValues()
    parser.feed(page.content.decode())
    return parser.values


def export_start(client, kind: str, data: dict | None = None, *, query: str = ""):
    """Post the start form of ``kind`` as a browser would, with ``data`` changed; returns
    the response (302 to the job, or the form again)."""
    url = reverse("exports_admin:start", args=[kind])
    page = client.get(f"{url}?{query}" if query else url)
    assert page.status_code == 200, page.status_code
    return client.post(url, {**form_values(page), **(data or {})})


def _errors(response) -> list[str]:
    import re

    return re.findall(r'role="alert">(.*?)</', response.content.decode(), flags=re.S)


def export_job(client, kind: str, data: dict | None = None, *, query: str = "") -> ExportJob:
    """Start an export of ``kind`` and return its (finished) job."""
    response = export_start(client, kind, data, query=query)
    assert response.status_code == 302, (response.status_code, _errors(response))
    assert response["Location"].startswith("/admin/exports/"), response["Location"]
    pk = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    return ExportJob.objects.get(pk=pk)


def download_response(client, job):
    """The download response; its body is read into ``response.body``."""
    response = client.get(reverse("exports_admin:download", args=[job.pk]))
    assert response.status_code == 200, response.status_code
    assert "attachment" in response["Content-Disposition"]
    response.body = b"".join(response.streaming_content)
    return response


def download(client, job) -> bytes:
    return download_response(client, job).body


def saved_name(response) -> str:
    """The file name a browser saves the download under (RFC 6266 ``filename*``)."""
    from urllib.parse import unquote

    return unquote(response["Content-Disposition"].split("filename*=UTF-8''", 1)[1])


def xlsx_rows(data: bytes, sheet: str | None = None) -> list[tuple]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return list((book[sheet] if sheet else book.active).iter_rows(values_only=True))


def csv_text(data: bytes) -> str:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without a BOM: Excel would garble Chinese"
    return data.decode("utf-8-sig")
