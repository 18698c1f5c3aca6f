"""Denials at Wagtail's admin gate (R-25): a signed-in user turned away from a screening URL
before any screening view runs still leaves exactly one denial line; anonymous visitors sent
to the login page leave none; users the gate lets through are logged by the views, once."""

import pytest
from django.urls import reverse

from schools.models import AccessLog
from screening.services import case_member_add, case_member_remove, concern_raise


@pytest.fixture
def case(world):
    """A warning about same_grade, whose case group the plain teacher and the class teacher
    (head of another class, so a back-office user of their own) joined and left."""
    warning = concern_raise(
        student=world.same_grade, level="key", concern="连续三天午休时独自哭泣。", user=world.psych
    )
    for member in (world.teacher, world.class_teacher):
        case_member_add(student=world.same_grade, member=member, user=world.psych)
        case_member_remove(student=world.same_grade, member=member)
    return warning


def _urls(world, warning):
    """name → (url, object id the denial line should carry)."""
    student = str(world.same_grade.pk)
    return {
        "archive": (reverse("screening:archive", args=[world.same_grade.pk]), student),
        "archive_add": (
            reverse("screening:archive_add", args=[world.same_grade.pk, "entry"]),
            student,
        ),
        "consent_student": (
            reverse("screening:consent_student", args=[world.round.pk, world.same_grade.pk]),
            student,
        ),
        "warning_detail": (
            reverse("screening:warning_detail", args=[warning.pk]),
            str(warning.pk),
        ),
        "warnings": (reverse("screening:warnings"), ""),
        "index": (reverse("screening:index"), ""),
    }


def _request(client, url, method):
    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = getattr(client, method)(url)
    return response, list(AccessLog.objects.filter(pk__gt=before).order_by("pk"))


def _no_student_data(world, response):
    body = response.content.decode()
    for student in (world.own, world.same_grade, world.other_grade, world.other_school):
        assert student.name not in body and student.student_number not in body


@pytest.mark.parametrize("method", ["get", "post"])
def test_removed_member_without_back_office_leaves_one_denial_line(client, world, case, method):
    client.force_login(world.teacher)
    for name, (url, object_id) in _urls(world, case).items():
        response, lines = _request(client, url, method)
        assert response.status_code == 302, name
        assert reverse("wagtailadmin_login") in response["Location"], name
        _no_student_data(world, response)
        assert len(lines) == 1, (name, [(x.action, x.allowed) for x in lines])
        [line] = lines
        assert (line.user, line.action, line.allowed, line.object_id, line.school) == (
            world.teacher,
            "denied",
            False,
            object_id,
            None,
        ), name
        assert line.object_type == f"screening.{name}" and line.path == url, name


def test_the_archive_denial_names_the_student_by_id_only(client, world, case):
    client.force_login(world.teacher)
    url = reverse("screening:archive", args=[world.same_grade.pk])
    _, [line] = _request(client, url, "get")
    logged = " ".join(str(v) for v in (line.action, line.object_type, line.object_id, line.path))
    assert world.same_grade.name not in logged
    assert world.same_grade.student_number not in logged


def test_screening_models_under_the_same_prefix_are_covered_too(client, world, case):
    client.force_login(world.teacher)
    url = reverse("screening_rounds:edit", args=[world.round.pk])
    assert url.startswith("/admin/screening/")
    response, [line] = _request(client, url, "get")
    assert response.status_code == 302
    assert (line.action, line.allowed, line.object_id) == ("denied", False, str(world.round.pk))


def test_anonymous_visitors_sent_to_login_leave_no_line(client, world, case):
    for name, (url, _) in _urls(world, case).items():
        for method in ("get", "post"):
            response, lines = _request(client, url, method)
            assert response.status_code == 302, name
            assert reverse("wagtailadmin_login") in response["Location"], name
            _no_student_data(world, response)
            assert lines == [], (name, method)


def test_other_admin_pages_turned_away_are_not_screening_denials(client, world, case):
    client.force_login(world.teacher)
    response, lines = _request(client, reverse("wagtailadmin_home"), "get")
    assert response.status_code == 302
    assert lines == []


# Users the gate lets through: the view's own line, and only that one.
THROUGH_THE_GATE = {
    # role → {url name: (status, action of the one line)}
    "class_teacher": {  # removed from the case but still a class teacher
        "archive": (403, "view-denied"),  # no archive capability at all: the 403 page
        "consent_student": (403, "change-denied"),  # consent is the psychology teacher's
        "warning_detail": (404, "view-denied"),  # warnings: yes, but not this one
    },
    "psych": {
        "archive": (200, "view"),
        "consent_student": (200, "view"),
        "warning_detail": (200, "view"),
    },
    "bureau_admin": {  # the bureau holds no case capability: the 403 page
        "archive": (403, "view-denied"),
        "warning_detail": (403, "view-denied"),
    },
}


@pytest.mark.parametrize("role", sorted(THROUGH_THE_GATE))
def test_users_with_back_office_get_exactly_the_views_line(client, world, case, role):
    user = getattr(world, role)
    client.force_login(user)
    urls = _urls(world, case)
    for name, (status, action) in THROUGH_THE_GATE[role].items():
        response, lines = _request(client, urls[name][0], "get")
        assert response.status_code == status, (role, name)
        assert [(x.user, x.action, x.allowed) for x in lines] == [(user, action, status == 200)], (
            role,
            name,
        )
        if status != 200:
            _no_student_data(world, response)
