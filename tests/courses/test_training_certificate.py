"""Training certificates worth printing: names, hours, modules, a QR code for the absolute
verify address; the public verify page shows the same certificate."""

import re
from pathlib import Path

import pytest
import segno
from django.conf import settings
from django.test import override_settings

from courses.models import HoursEntry
from courses.training import selectors as sel
from courses.training import services as svc
from portal.models import PortalSettings
from schools.vocab import Role
from tests.factories import make_member

from .factories import RIGHT, answers, make_module

pytestmark = pytest.mark.django_db

BASE = "https://xinyu.example.cn"


def _complete(teacher, module):
    for block in module.sections:
        svc.section_complete(teacher=teacher, module=module, section_id=block.id)
    svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT]))
    return HoursEntry.objects.get(teacher=teacher, module=module)


@pytest.fixture
def names(home):
    portal = PortalSettings.for_site(home.get_site())
    portal.bureau_name, portal.portal_name = "临江市教育局", "临江心育"
    portal.save()
    return portal


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _certificate_html(html: str) -> str:
    match = re.search(r'<article class="certificate.*?</article>', html, re.S)
    assert match, "no certificate on the page"
    return match.group(0)


@override_settings(WAGTAILADMIN_BASE_URL=BASE + "/")
def test_certificate_page_has_names_hours_modules_and_qr(client, home, names):
    teacher = make_member(Role.TEACHER)
    module = make_module(home, hours="1.5")
    entry = _complete(teacher, module)
    client.force_login(teacher)
    html = client.get(f"/me/training/certificates/{entry.certificate_code}/").content.decode()
    cert = _certificate_html(html)
    url = f"{BASE}/verify/{entry.certificate_code}/"
    # The QR code is inline SVG (no request), and encodes exactly the verify address.
    expected_svg = sel.certificate_qr_svg(url=url)
    assert expected_svg.startswith("<svg") and expected_svg in cert
    assert (
        segno.make(url, error="m", micro=False).svg_inline(
            scale=4, border=2, omitsize=True, svgclass="certificate-qr-code", title=url
        )
        in cert
    )
    assert "<img" not in cert and " src=" not in cert
    text = _text(cert)
    assert "临江市教育局" in text and "临江心育" in text and "教师培训结业证书" in text
    assert teacher.get_full_name() in text and "1.5 学时" in text
    assert module.title in text
    for block in module.sections:
        assert block.value["title"] in text
    assert url in text and entry.certificate_code in text
    # A4 landscape for print, and no site chrome on paper.
    css = (Path(settings.BASE_DIR) / "static" / "css" / "certificate.css").read_text()
    assert "size: A4 landscape" in css
    assert "certificate.css" in html and 'class="certificate-page"' in html


@override_settings(WAGTAILADMIN_BASE_URL=BASE)
def test_verify_page_shows_the_same_certificate(client, home, names):
    teacher = make_member(Role.TEACHER)
    module = make_module(home, hours="2")
    entry = _complete(teacher, module)
    client.force_login(teacher)
    own = _certificate_html(
        client.get(f"/me/training/certificates/{entry.certificate_code}/").content.decode()
    )
    client.logout()
    public = client.get(f"/verify/{entry.certificate_code}/")
    assert public.status_code == 200
    assert _certificate_html(public.content.decode()) == own
    assert sel.certificate_qr_svg(url=f"{BASE}/verify/{entry.certificate_code}/") in own


def test_revoked_certificate_is_marked_void_on_verify(client, home, names):
    teacher = make_member(Role.TEACHER)
    admin = make_member(Role.SCHOOL_ADMIN, school=teacher.memberships.get().school)
    entry = _complete(teacher, make_module(home))
    svc.entry_reverse(entry=entry, user=admin, reason="重复登记")
    cert = _certificate_html(client.get(f"/verify/{entry.certificate_code}/").content.decode())
    assert "certificate--revoked" in cert and "证书已失效" in cert
