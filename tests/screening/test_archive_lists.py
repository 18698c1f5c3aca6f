"""Plans overdue for review (a 待办 and its list) and students by attention category."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.todo import OVERDUE, todo_for
from screening import selectors, services
from screening.models import ArchiveEntry

TODAY = timezone.localdate


def _plan(student, *, review_on, user):
    services.plan_save(
        student=student,
        goals="情绪稳定",
        actions="每周谈心",
        responsible="王老师",
        review_on=review_on,
        user=user,
    )


@pytest.mark.django_db
def test_overdue_plan_todo_counts_exactly_the_list_rows(client, world):
    past = TODAY() - datetime.timedelta(days=3)
    _plan(world.own, review_on=past, user=world.psych)
    _plan(world.same_grade, review_on=TODAY() + datetime.timedelta(days=3), user=world.psych)
    _plan(world.other_school, review_on=past, user=world.psych_b)
    items = [i for i in todo_for(user=world.psych) if i.label == "支持计划复评逾期"]
    assert len(items) == 1 and items[0].count == 1 and items[0].severity == OVERDUE
    client.force_login(world.psych)
    body = client.get(items[0].url).content.decode()
    assert body.count("flag-late") == 1
    assert world.own.name in body
    assert world.same_grade.name not in body and world.other_school.name not in body
    # Nobody who may not edit plans is told of them.
    for user in (world.leader, world.school_admin, world.class_teacher, world.bureau_admin):
        assert not [i for i in todo_for(user=user) if i.label == "支持计划复评逾期"]
    client.force_login(world.class_teacher)
    assert client.get(items[0].url).status_code == 403


@pytest.mark.django_db
def test_attention_list_with_last_home_visit_in_one_query(
    client, world, django_assert_max_num_queries
):
    today = TODAY()
    for student in (world.own, world.same_grade, world.other_grade, world.other_school):
        services.attention_add(student=student, category="left_behind", since=today)
    services.attention_add(student=world.own, category="economic", since=today)
    for days in (30, 5):
        services.archive_entry_add(
            student=world.own,
            kind=ArchiveEntry.Kind.HOME_VISIT,
            on=today - datetime.timedelta(days=days),
            summary="家访",
            user=world.psych,
        )
    services.archive_entry_add(
        student=world.own, kind="talk", on=today, summary="谈心", user=world.psych
    )
    with django_assert_max_num_queries(1):
        rows = list(selectors.attention_rows(user=world.psych, category="left_behind"))
    by_student = {r.archive.student_id: r for r in rows}
    assert set(by_student) == {world.own.pk, world.same_grade.pk, world.other_grade.pk}
    assert by_student[world.own.pk].last_home_visit == today - datetime.timedelta(days=5)
    assert by_student[world.same_grade.pk].last_home_visit is None
    # A class teacher sees their class; a grade leader their grade.
    ct = {r.archive.student_id for r in selectors.attention_rows(user=world.class_teacher)}
    gl = {r.archive.student_id for r in selectors.attention_rows(user=world.grade_leader)}
    assert ct == {world.own.pk}
    assert gl == {world.own.pk, world.same_grade.pk}
    # The page, filtered by class.
    client.force_login(world.psych)
    url = reverse("screening:attention_list")
    body = client.get(url, {"category": "left_behind", "class": world.a7_1.pk}).content.decode()
    assert world.own.name in body and world.same_grade.name not in body
    assert (today - datetime.timedelta(days=5)).strftime("%Y-%m-%d") in body
    client.force_login(world.class_teacher)
    body = client.get(url).content.decode()
    assert world.own.name in body and world.same_grade.name not in body
    client.force_login(world.school_admin)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_a_case_member_sees_only_the_overdue_plan_of_their_case(world):
    from schools.vocab import Role
    from tests.factories import make_member

    past = TODAY() - datetime.timedelta(days=3)
    _plan(world.own, review_on=past, user=world.psych)
    _plan(world.same_grade, review_on=past, user=world.psych)
    member = make_member(Role.TEACHER, world.a)
    services.case_member_add(student=world.own, member=member, user=world.psych)
    plans = selectors.plans_review_overdue(user=member)
    assert [p.archive.student_id for p in plans] == [world.own.pk]
