"""R-10: schools without an active psychology teacher; the access log for the bureau."""

import datetime

import pytest
from django.urls import reverse

from schools.audit import access_log_record
from schools.models import AccessLog
from schools.vocab import Role
from tests.factories import MembershipFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gap_schools(world):
    """甲校 has an active psych teacher (from ``world``); others lack one in various ways."""
    expired = SchoolFactory(name="丙校", code="C001", township="南湖镇", kind="primary")
    MembershipFactory(
        school=expired,
        role=Role.PSYCH_TEACHER,
        active_from=datetime.date(2019, 9, 1),
        active_to=datetime.date(2023, 7, 1),
    )
    future = SchoolFactory(name="丁校", code="D001", kind="kindergarten")
    MembershipFactory(
        school=future,
        role=Role.PSYCH_TEACHER,
        active_from=datetime.date.today() + datetime.timedelta(days=30),
    )
    part_time = SchoolFactory(name="戊校", code="E001")
    MembershipFactory(school=part_time, role=Role.PSYCH_TEACHER, psych_employment="part")
    only_teachers = SchoolFactory(name="己校", code="F001")
    MembershipFactory(school=only_teachers, role=Role.TEACHER)
    kg_staffed = SchoolFactory(name="庚园", code="G001", kind="kindergarten")
    MembershipFactory(school=kg_staffed, role=Role.PSYCH_TEACHER, psych_employment="part")
    # 乙校 (from world) has only a school admin. 丁校 is a kindergarten: listed apart, no gap.
    return {
        "missing": ["乙校", "丙校", "己校"],
        "covered": ["甲校", "戊校"],
        "kindergartens": {"丁校": "未配备", "庚园": "已配备"},
    }


@pytest.mark.parametrize("role", ["bureau_admin", "bureau_auditor"])
def test_psych_gap_lists_exactly_the_schools_lacking_an_active_psych_teacher(
    world, gap_schools, login, role
):
    client = login(world.users[role])
    response = client.get(reverse("schools_psych_gap:index"))
    assert response.status_code == 200
    text = response.content.decode()
    gaps, kindergartens = text.split("幼儿园（单列，不计为缺口）")
    for name in gap_schools["missing"]:
        assert f"<td>{name}</td>" in gaps, name
    for name in gap_schools["covered"] + list(gap_schools["kindergartens"]):
        assert f"<td>{name}</td>" not in gaps, name
    assert "南湖镇" in gaps and "小学" in gaps  # township and kind shown
    assert "有 <strong>3</strong> 所" in gaps
    for name, state in gap_schools["kindergartens"].items():
        row = kindergartens.split(f"<td>{name}</td>", 1)[1].split("</tr>", 1)[0]
        assert f"<td>{state}</td>" in row, name


@pytest.mark.parametrize("role", ["school_admin", "school_leader", "psych_teacher", "teacher"])
def test_psych_gap_is_for_the_bureau_only(world, gap_schools, login, role):
    client = login(world.users[role])
    response = client.get(reverse("schools_psych_gap:index"))
    assert "丙校" not in response.content.decode()
    if role == "teacher":  # no back office at all: Wagtail's own gate, the admin login
        assert response.status_code == 302
        assert response.url.startswith(reverse("wagtailadmin_login"))
        return
    assert response.status_code == 403
    line = AccessLog.objects.get(allowed=False)
    assert (line.user, line.object_type) == (world.users[role], "schools.psych_gap")


def test_bureau_dashboard_shows_the_gap_count(world, gap_schools, login):
    client = login(world.users["bureau_admin"])
    text = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "5 所中小学中有 <strong>3</strong> 所没有在岗的心理健康教育教师" in text
    school_admin = login(world.users["school_admin"])
    assert "心理教师配备" not in school_admin.get(reverse("wagtailadmin_home")).content.decode()


def test_access_log_listing_for_bureau_with_filters(world, login):
    someone = UserFactory(username="snooper", real_name="窥探者")
    access_log_record(
        user=someone,
        action="view-denied",
        object_type="schools.student",
        object_id="9",
        allowed=False,
    )
    psych = world.users["psych_teacher"]
    psych.real_name = "心理老师甲"
    psych.save()
    access_log_record(
        user=psych,
        action="view",
        object_type="schools.student",
        object_id="77",
        school=world.a,
    )
    for role in ("bureau_admin", "bureau_auditor"):
        client = login(world.users[role])
        url = reverse("schools_access_log:index")
        text = client.get(url, {"allowed": "false"}).content.decode()
        assert "窥探者" in text and "心理老师甲" not in text
        text = client.get(url, {"person": "snooper"}).content.decode()
        assert "窥探者" in text and "心理老师甲" not in text
        assert "心理老师甲" in client.get(url).content.decode()
        today = datetime.date.today().isoformat()
        response = client.get(url, {"at_from": today, "at_to": today})
        assert response.status_code == 200 and "窥探者" in response.content.decode()
        response = client.get(url, {"at_to": "2000-01-01"})
        assert "窥探者" not in response.content.decode()
        # Read-only: no adding, changing or deleting log lines.
        line = AccessLog.objects.filter(user=someone).first()
        for action_url in (
            reverse("schools_access_log:add"),
            reverse("schools_access_log:edit", args=[line.pk]),
            reverse("schools_access_log:delete", args=[line.pk]),
        ):
            response = client.post(action_url, {"action": "x"})
            assert response.status_code == 403
        assert AccessLog.objects.filter(pk=line.pk, action="view-denied").exists()


@pytest.mark.parametrize("role", ["school_admin", "school_leader", "psych_teacher"])
def test_access_log_hidden_from_schools(world, login, role):
    client = login(world.users[role])
    response = client.get(reverse("schools_access_log:index"))
    assert response.status_code == 403
    line = AccessLog.objects.get(allowed=False)
    assert (line.action, line.object_type) == ("index-denied", "schools.accesslog")
