from decimal import Decimal

import pytest

from courses.models import HoursEntry
from courses.training import selectors as sel
from courses.training import services as svc
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member

from .factories import RIGHT, answers, make_module, set_targets

pytestmark = pytest.mark.django_db


def _complete(teacher, module):
    for block in module.sections:
        svc.section_complete(teacher=teacher, module=module, section_id=block.id)
    svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT]))
    return HoursEntry.objects.get(teacher=teacher, module=module)


@pytest.mark.parametrize(
    "url",
    [
        "/me/",
        "/me/training/",
        "/me/training/history/",
        "/me/training/sessions/",
        "/me/training/external/new/",
    ],
)
def test_learner_pages_need_login(client, home, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_target_is_highest_of_roles(db):
    set_targets(psych_teacher=24, class_teacher=12, teacher=6)
    school = SchoolFactory()
    both = make_member(Role.CLASS_TEACHER, school=school)
    make_member(Role.PSYCH_TEACHER, school=school, user=both)
    year = sel.current_year()
    assert sel.teacher_overview(teacher=both)["target"] == Decimal("24")
    plain = make_member(Role.TEACHER, school=school)
    overview = sel.teacher_overview(teacher=plain)
    assert overview["target"] == Decimal("6") and overview["below_target"]
    # Last year's targets are not this year's.
    set_targets(year=year - 1, teacher=99)
    assert sel.teacher_overview(teacher=plain)["target"] == Decimal("6")


def test_me_shows_hours_against_target_and_certificates(client, home):
    set_targets(teacher=6)
    teacher = make_member(Role.TEACHER)
    module = make_module(home, hours="1.5")
    entry = _complete(teacher, module)
    client.force_login(teacher)
    me = client.get("/me/").content.decode()
    assert "已获学时：1.5" in me and "目标 6.0 学时" in me and "未达标" in me
    assert 'value="25"' in me  # 1.5 / 6 = 25 %
    overview = client.get("/me/training/").content.decode()
    assert module.title in overview and entry.certificate_code in overview
    history = client.get("/me/training/history/").content.decode()
    assert module.title in history
    cert = client.get(f"/me/training/certificates/{entry.certificate_code}/")
    assert cert.status_code == 200 and "教师培训结业证书" in cert.content.decode()
    # Another teacher cannot open this certificate page.
    client.force_login(make_member(Role.TEACHER))
    assert client.get(f"/me/training/certificates/{entry.certificate_code}/").status_code == 404


def test_verify_valid_unknown_and_revoked(client, home):
    teacher = make_member(Role.TEACHER)
    admin = make_member(Role.SCHOOL_ADMIN, school=teacher.memberships.get().school)
    module = make_module(home)
    entry = _complete(teacher, module)
    valid = client.get(f"/verify/{entry.certificate_code}/")
    assert valid.status_code == 200 and "证书有效" in valid.content.decode()
    assert teacher.real_name in valid.content.decode()
    lower = client.get(f"/verify/?code={entry.certificate_code.lower()}")
    assert lower.status_code == 302 and lower["Location"].endswith(f"/{entry.certificate_code}/")
    unknown = client.get("/verify/ZZZZZZZZZZ/")
    assert unknown.status_code == 404 and "未找到" in unknown.content.decode()
    svc.entry_reverse(entry=entry, user=admin, reason="重复登记")
    revoked = client.get(f"/verify/{entry.certificate_code}/")
    body = revoked.content.decode()
    assert "已失效" in body and "证书有效" not in body
