"""A training certificate prints on exactly one A4 landscape sheet, without the site's
header, navigation or footer, from the learner's page and from the public verify page."""

import io
import os
from pathlib import Path

import pytest
from django.test import Client, override_settings
from pypdf import PdfReader

from courses.models import HoursEntry
from courses.training import services as svc
from portal.models import PortalSettings
from schools.vocab import Role
from tests.courses.factories import RIGHT, answers, make_module
from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)

A4_LANDSCAPE_PT = (842, 595)


@pytest.fixture
def entry(transactional_db, home):
    portal = PortalSettings.for_site(home.get_site())
    portal.bureau_name, portal.portal_name = "临江市教育局", "临江心育"
    portal.save()
    teacher = make_member(Role.TEACHER)
    teacher.real_name = "欧阳晓雯"
    teacher.save()
    module = make_module(home, hours="3.5", sections=8)
    for block in module.sections:
        svc.section_complete(teacher=teacher, module=module, section_id=block.id)
    svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT]))
    return HoursEntry.objects.get(teacher=teacher, module=module)


def test_certificate_prints_on_one_a4_landscape_page(live_server, browser, entry, screenshot_dir):
    shots = Path(os.environ.get("SHOTS_DIR", screenshot_dir))
    client = Client()
    client.force_login(entry.teacher)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    code = entry.certificate_code
    with override_settings(WAGTAILADMIN_BASE_URL="https://xinyu.example.cn"):
        for name, path in (
            ("me", f"/me/training/certificates/{code}/"),
            ("verify", f"/verify/{code}/"),
        ):
            response = page.goto(live_server.url + path, wait_until="networkidle")
            assert response.status == 200
            assert page.locator(".certificate-qr svg").is_visible()
            page.screenshot(path=str(shots / f"certificate-{name}.png"), full_page=True)
            page.emulate_media(media="print")
            assert not page.locator(".site-header").is_visible()
            assert not page.locator(".site-footer").is_visible()
            assert not page.locator(".breadcrumbs, .no-print").first.is_visible()
            page.screenshot(path=str(shots / f"certificate-{name}-print.png"))
            pdf = page.pdf(
                format="A4", landscape=True, print_background=True, prefer_css_page_size=True
            )
            (shots / f"certificate-{name}.pdf").write_bytes(pdf)
            reader = PdfReader(io.BytesIO(pdf))
            assert len(reader.pages) == 1, f"{name}: {len(reader.pages)} pages"
            box = reader.pages[0].mediabox
            assert (round(float(box.width)), round(float(box.height))) == A4_LANDSCAPE_PT
            # Chinese extracts only where a CJK font is installed; the code, the address
            # and the hours do everywhere.
            text = reader.pages[0].extract_text().replace(" ", "")
            for expected in ("3.5", code, f"https://xinyu.example.cn/verify/{code}/"):
                assert expected in text, expected
            page.emulate_media(media="screen")
    # Nothing fetched from outside: the QR code is drawn in the page.
    assert not [u for u in requests if "127.0.0.1" not in u and "localhost" not in u]
    context.close()
