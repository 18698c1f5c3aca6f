"""A concern's author reads it only while class teacher of that student's class, and then
only its status — never the psychology teacher's notes, scores or referral details."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from schools.models import AccessLog, Membership
from schools.selectors import forget_memberships
from schools.vocab import Role
from screening.services import concern_raise, referral_record, result_save, warning_update
from tests.factories import make_member

from .factories import answers_for, phq9

NOTE = "已与家长电话沟通，建议到市第三人民医院心理科复诊"


@pytest.fixture
def concern(world):
    result_save(
        round=world.round,
        instrument=phq9(),
        student=world.own,
        answers=answers_for(16),
        taken_on=datetime.date(2026, 11, 20),
    )
    referral_record(
        student=world.own,
        institution="市第三人民医院心理科",
        referred_on=datetime.date(2026, 11, 21),
        reason="持续情绪低落",
    )
    warning = concern_raise(
        student=world.own, level="general", concern="午饭几乎不吃。", user=world.class_teacher
    )
    warning_update(warning=warning, status="follow_up", note=NOTE, user=world.psych)
    return warning


def _open(user, warning):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client.get(reverse("screening:warning_detail", args=[warning.pk]))


def test_class_teacher_sees_status_of_own_concern_but_no_notes(world, concern):
    response = _open(world.class_teacher, concern)
    body = response.content.decode()
    assert response.status_code == 200
    assert "跟进中" in body and "正在跟进" in body
    assert NOTE not in body and "第三人民医院" not in body and "PHQ" not in body
    # The psychology teacher reads the notes on the same page.
    assert NOTE in _open(world.psych, concern).content.decode()


def test_concern_author_loses_access_when_class_teacher_role_ends(world, concern):
    Membership.objects.filter(user=world.class_teacher).update(
        active_to=datetime.date.today() - datetime.timedelta(days=1)
    )
    forget_memberships(user=world.class_teacher)
    before = AccessLog.objects.filter(allowed=False).count()
    assert _open(world.class_teacher, concern).status_code in (302, 403, 404)
    assert AccessLog.objects.filter(allowed=False).count() == before + 1


def test_concern_author_loses_access_when_class_gets_another_head(world, concern):
    successor = make_member(Role.CLASS_TEACHER, world.a)
    world.a7_1.head_teacher = successor
    world.a7_1.save()
    # Still a class teacher at the school (of another class), no longer of this student's.
    world.a7_2.head_teacher = world.class_teacher
    world.a7_2.save()
    assert _open(world.class_teacher, concern).status_code == 404
    client = Client()
    client.force_login(world.class_teacher)
    listing = client.get(reverse("screening:warnings") + "?status=all").content.decode()
    assert world.own.name not in listing
    # The new class teacher did not raise it: no access through "I raised it" either.
    assert _open(successor, concern).status_code == 404


def test_concern_author_loses_access_when_student_moves_class(world, concern):
    world.own.school_class = world.a7_2
    world.own.save()
    assert _open(world.class_teacher, concern).status_code == 404
