import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Collection

from resources.forms import XinyuDocumentForm
from resources.models import XinyuDocument
from resources.services import teachers_collection_ensure
from resources.validators import document_file_check
from tests.resources.factories import PDF_BYTES, docx_bytes

pytestmark = pytest.mark.django_db

SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def check(name, content):
    with pytest.raises(ValidationError) as exc:
        document_file_check(SimpleUploadedFile(name, content), name=name)
    return " ".join(exc.value.messages)


def test_svg_and_html_are_rejected_by_extension():
    msg = check("poster.svg", SVG_WITH_SCRIPT)
    assert "“poster.svg”的文件类型（.svg）不在允许范围内" in msg
    assert "不在允许范围内" in check("page.html", b"<html><script></script></html>")


def test_executable_renamed_docx_is_rejected():
    msg = check("教案.docx", EXE)
    assert (
        msg
        == "“教案.docx”的内容与扩展名 .docx 不符，看起来是Windows 可执行程序。请上传真正的Word 文档。"
    )


def test_svg_renamed_txt_and_pdf_renamed_docx_are_rejected():
    assert "网页或 SVG 文件" in check("notes.txt", SVG_WITH_SCRIPT)
    assert "不符" in check("plan.docx", PDF_BYTES)
    # a zip that is not a Word document
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "不符" in check("plan.docx", buf.getvalue())


def test_oversize_is_rejected(settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    msg = check("big.pdf", PDF_BYTES + b"0" * 2000)
    assert "超过了 1.0\xa0KB 的上限" in msg and "big.pdf" in msg


def test_honest_files_pass():
    for name, content in [
        ("plan.docx", docx_bytes()),
        ("a.pdf", PDF_BYTES),
        ("list.csv", "姓名,年级\n张三,七年级\n".encode()),
        ("gbk.txt", "心理健康".encode("gb18030")),
    ]:
        document_file_check(SimpleUploadedFile(name, content), name=name)


def _form(name, content, **data):
    from wagtail.documents.forms import get_document_form

    Form = get_document_form(XinyuDocument)
    assert issubclass(Form, XinyuDocumentForm)
    data = {
        "title": "测试",
        "collection": Collection.get_first_root_node().pk,
        "resource_type": "lesson_plan",
        "stages": ["primary"],
        "audience": "public",
        "listed": "on",
        **data,
    }
    return Form(data=data, files={"file": SimpleUploadedFile(name, content)}, user=None)


def test_admin_form_rejects_with_chinese_message(admin_client):
    form = _form("evil.docx", EXE)
    assert not form.is_valid()
    assert "可执行程序" in " ".join(form.errors["file"])


def test_admin_form_requires_private_collection_for_teachers_only_files():
    form = _form("plan.docx", docx_bytes(), audience="teachers")
    assert not form.is_valid()
    assert "教师专用资料" in str(form.errors)
    form = _form(
        "plan.docx", docx_bytes(), audience="teachers", collection=teachers_collection_ensure().pk
    )
    assert form.is_valid(), form.errors


def test_admin_upload_view_rejects_executable(admin_client):
    response = admin_client.post(
        "/admin/documents/add/",
        {
            "title": "伪装的教案",
            "file": SimpleUploadedFile("plan.docx", EXE),
            "collection": Collection.get_first_root_node().pk,
            "resource_type": "lesson_plan",
            "stages": ["primary"],
            "audience": "public",
        },
    )
    assert response.status_code == 200
    assert "看起来是Windows 可执行程序" in response.content.decode()
    assert not XinyuDocument.objects.filter(title="伪装的教案").exists()
    response = admin_client.post(
        "/admin/documents/add/",
        {
            "title": "真正的教案",
            "file": SimpleUploadedFile("plan.docx", docx_bytes()),
            "collection": Collection.get_first_root_node().pk,
            "resource_type": "lesson_plan",
            "stages": ["primary", "junior"],
            "audience": "public",
        },
    )
    assert response.status_code == 302
    doc = XinyuDocument.objects.get(title="真正的教案")
    assert doc.stages == ["primary", "junior"] and doc.file_size > 0
