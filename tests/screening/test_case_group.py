"""Temporary counselling group (R-16): a plain teacher added to one student's case opens the
back office for that case only, while a member; removed, they lose it."""

import datetime

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from schools.models import AccessLog, Membership
from schools.services import membership_save
from schools.vocab import Role
from screening.services import (
    ScreeningError,
    case_member_add,
    case_member_remove,
    concern_raise,
)
from tests.factories import make_member


@pytest.fixture
def case(world):
    """A concern about same_grade (a class other than the class teacher's own)."""
    warning = concern_raise(
        student=world.same_grade,
        level="key",
        concern="连续三天午休时独自哭泣。",
        user=world.psych,
    )
    other = concern_raise(
        student=world.other_grade, level="key", concern="与同学冲突后情绪激动。", user=world.psych
    )
    return {"warning": warning, "other_warning": other}


def _access_admin(user):
    fresh = type(user).objects.get(pk=user.pk)  # no permission cache
    return fresh.has_perm("wagtailadmin.access_admin")


def _lines_after(before):
    return list(AccessLog.objects.filter(pk__gt=before).order_by("pk"))


def _last_pk():
    last = AccessLog.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_plain_teacher_added_opens_that_case_only_and_loses_it_when_removed(client, world, case):
    teacher = world.teacher
    client.force_login(teacher)
    archive = reverse("screening:archive", args=[world.same_grade.pk])
    assert not _access_admin(teacher)
    assert client.get(archive).status_code == 302  # Wagtail turns a plain teacher away

    case_member_add(student=world.same_grade, member=teacher, user=world.psych)
    assert _access_admin(teacher)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    before = _last_pk()
    response = client.get(archive)
    assert response.status_code == 200 and world.same_grade.name in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    [line] = _lines_after(before)
    assert (line.user, line.action, line.allowed, line.object_id) == (
        teacher,
        "view",
        True,
        str(world.same_grade.pk),
    )
    # The case's warning opens; another student's archive and warning do not.
    assert (
        client.get(reverse("screening:warning_detail", args=[case["warning"].pk])).status_code
        == 200
    )
    body = client.get(reverse("screening:warnings")).content.decode()
    assert world.same_grade.name in body and world.other_grade.name not in body
    for url in (
        reverse("screening:archive", args=[world.own.pk]),
        reverse("screening:warning_detail", args=[case["other_warning"].pk]),
    ):
        before = _last_pk()
        response = client.get(url)
        assert response.status_code == 404
        [line] = _lines_after(before)
        assert line.allowed is False and line.user == teacher
    # The overview lists the case so the teacher can find it.
    body = client.get(reverse("screening:index")).content.decode()
    assert archive in body

    case_member_remove(student=world.same_grade, member=teacher)
    assert not _access_admin(teacher)
    response = client.get(archive)
    assert response.status_code == 302 and reverse("wagtailadmin_login") in response["Location"]
    assert world.same_grade.name not in response.content.decode()


def test_staff_member_with_other_roles_removed_gets_404_and_a_denial_line(client, world, case):
    helper = world.class_teacher  # head of a7_1; same_grade is in a7_2
    case_member_add(student=world.same_grade, member=helper, user=world.psych)
    client.force_login(helper)
    archive = reverse("screening:archive", args=[world.same_grade.pk])
    assert client.get(archive).status_code == 200
    case_member_remove(student=world.same_grade, member=helper)
    assert _access_admin(helper)  # still a class teacher
    before = _last_pk()
    response = client.get(archive)
    # Out of the group a class teacher holds no archive capability: the one 403 page.
    assert response.status_code == 403
    assert world.same_grade.name not in response.content.decode()
    [line] = _lines_after(before)
    assert (line.action, line.allowed, line.user) == ("view-denied", False, helper)


def test_leaving_the_school_ends_the_case_and_the_back_office(client, world, case):
    teacher = world.teacher
    case_member_add(student=world.same_grade, member=teacher, user=world.psych)
    assert _access_admin(teacher)
    membership = Membership.objects.get(user=teacher)
    membership.active_from = timezone.localdate() - datetime.timedelta(days=30)
    membership.active_to = timezone.localdate() - datetime.timedelta(days=1)
    membership_save(membership=membership)
    assert not _access_admin(teacher)


def test_only_active_staff_of_the_school_can_be_added(world):
    outsider = make_member(Role.TEACHER, world.b)
    with pytest.raises(ScreeningError, match="不在本校任职"):
        case_member_add(student=world.same_grade, member=outsider, user=world.psych)
    assert not _access_admin(outsider)


def _admin_urls():
    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
                yield from walk(p.url_patterns, inner)
            elif isinstance(p, URLPattern) and p.name:
                yield f"{ns}:{p.name}" if ns else p.name

    for name in sorted(set(walk(get_resolver().url_patterns))):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if url.startswith("/admin/") and not any(skip in url for skip in ("logout", "failwhale")):
            yield name, url


# What a plain teacher may already do anywhere (their own incident reports and the school's
# duty calendar, see duty/README.md) plus the case they were added to.
CASE_MEMBER_APP_VIEWS = {
    "screening:index",
    "screening:warnings",
    # The support plans of their case whose review date has passed (they may edit the plan).
    "screening:plans_overdue",
    "duty_admin:incidents",
    "duty_admin:incident_create",
    "duty_admin:incident_export",
    "duty_admin:notices",
    "duty_admin:roster_calendar",
    # The return-to-school check-ins due of the case they work (screening.warning.write).
    "screening:checkins",
    # Any teacher in the back office records the lessons they taught themselves (scoped to
    # their own records, see courses/lessons/selectors.py).
    "lesson_records:index",
    "lesson_records:index_results",
    "lesson_records:add",
    "lessons_admin:import",
    # Everyone in the back office reads their own messages (消息中心) and lists their own
    # exports (我的导出: starting one asks the export's own capability).
    "notifications_admin:inbox",
    "exports_admin:index",
    # The capability table lets every member of staff read these (duty.roster.read,
    # courses.session.read, the hours targets): the same rows a teacher already sees in the
    # duty calendar and the learner area's training list.
    "dutyassignment:index",
    "dutyassignment:index_results",
    "dutyrotationslot:index",
    "dutyrotationslot:index_results",
    "training_sessions:index",
    "training_sessions:index_results",
    "training_targets:index",
    "training_targets:index_results",
}


def test_nothing_else_in_the_back_office_opens_for_a_case_member(client, world, case):
    """Every admin page without arguments: the case member reaches no app page beyond the
    list above, and no Wagtail page a class teacher (a back-office user with no editing
    rights) could not already open."""
    case_member_add(student=world.same_grade, member=world.teacher, user=world.psych)
    urls = list(_admin_urls())

    def opened(user):
        client.force_login(user)
        return {name for name, url in urls if client.get(url).status_code == 200}

    member = opened(world.teacher)
    baseline = opened(world.class_teacher)
    app_views = {n for n in member if not n.startswith("wagtail")}
    assert app_views <= CASE_MEMBER_APP_VIEWS, app_views - CASE_MEMBER_APP_VIEWS
    wagtail_views = member - app_views
    assert wagtail_views <= baseline, wagtail_views - baseline
    assert "wagtailadmin_home" in member
