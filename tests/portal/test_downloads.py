"""Downloads are named in Chinese (RFC 6266 filename*), through one helper."""

import urllib.parse

import pytest

from portal.downloads import content_disposition, filename_clean
from portal.templatetags.portal_tags import kind_label
from tests.resources.factories import docx_bytes, make_document


def saved_name(header: str) -> str:
    """What a browser saves: the filename* parameter, percent-decoded."""
    star = header.split("filename*=UTF-8''", 1)[1].split(";", 1)[0]
    return urllib.parse.unquote(star)


def test_content_disposition_carries_the_chinese_name_and_an_ascii_fallback():
    header = content_disposition("培训学时-临澜市第一实验学校-2026.xlsx")
    assert header.startswith("attachment; filename=")
    assert saved_name(header) == "培训学时-临澜市第一实验学校-2026.xlsx"
    header.encode("latin-1")  # a header must be latin-1: no raw Chinese in it
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback == "2026.xlsx"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("教案：考砸了的那一天（七年级）.docx", "教案-考砸了的那一天-七年级.docx"),
        ('a/b\\c:d*e?"f<g>h|.pdf', "a-b-c-d-e-f-g-h.pdf"),
        ("  .docx", "download.docx"),
        ("报告 2026.版本", "报告-2026.版本"),
    ],
)
def test_filename_clean_removes_what_a_file_system_refuses(raw, clean):
    assert filename_clean(raw) == clean


@pytest.mark.django_db
def test_lesson_plan_downloads_under_its_title(client):
    doc = make_document(
        title="教案-七年级-挫折教育-第1课", filename="lesson-plan-x-1.docx", content=docx_bytes()
    )
    response = client.get(doc.url)
    assert response.status_code == 200
    assert saved_name(response["Content-Disposition"]) == "教案-七年级-挫折教育-第1课.docx"


def test_kind_label_does_not_double_the_kind():
    assert kind_label("教案-七年级-挫折教育-第1课", "教案") == "教案-七年级-挫折教育-第1课"
    assert kind_label("豆豆发芽了", "课件") == "课件：豆豆发芽了"
