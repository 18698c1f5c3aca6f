"""Warnings that work in practice: the crisis told in-app, the class teacher told without
detail, owner and due time, actions, closing with sign-off, one open warning per student,
the worked list, referrals and check-ins, 待办, corrections, totals-only imports."""

import datetime
import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from portal.todo import todo_for
from schools.vocab import Grade
from screening import selectors
from screening.models import ScreeningResult, Warning, WarningAction, WarningLevel
from screening.selectors.warnings import checkins_due, warning_rows
from screening.services import (
    ScreeningError,
    concern_raise,
    referral_record,
    result_correct,
    result_save,
    results_import,
    return_plan_save,
    warning_close,
    warning_due_at,
    warning_sign_off,
    warning_update,
)
from tests.factories import StudentFactory

from .factories import answers_for, phq9

TODAY = datetime.date(2026, 11, 20)
CRISIS_ANSWERS = [3, 3, 2, 2, 1, 1, 0, 0, 2]  # total 14, item 9 = 2


def _client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _post(client, url, data):
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def _save(world, student, answers, **kw):
    return result_save(
        round=world.round,
        instrument=phq9(),
        student=student,
        answers=answers,
        taken_on=TODAY,
        user=world.psych,
        **kw,
    )


# --- 1. the crisis reaches people in-app ---------------------------------------------------


def test_critical_item_notifies_in_app_without_email_and_class_teacher_without_detail(
    world, django_capture_on_commit_callbacks
):
    for user in (world.psych, world.leader):
        user.email = ""
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        result = _save(world, world.own, CRISIS_ANSWERS)
    warning = Warning.objects.get(student=world.own)
    assert warning.level == WarningLevel.CRISIS and result.critical
    assert mail.outbox == []  # nobody has an address: the message is in-app only
    link = reverse("screening:warning_detail", args=[warning.pk])
    crisis = Notification.objects.filter(kind="screening.warning.crisis")
    assert {n.recipient for n in crisis} == {world.psych, world.leader}
    for n in crisis:
        assert n.link == link and "危机" in n.title
        assert world.own.name not in n.title + n.body
        assert world.own.student_number not in n.title + n.body
    told = Notification.objects.filter(kind="screening.followup")
    assert {n.recipient for n in told} == {world.class_teacher, world.grade_leader}
    mine = told.get(recipient=world.class_teacher)
    assert mine.link == reverse("screening:my_class") and "需要关注跟进" in mine.title + mine.body
    for leak in ("危机", "14", "第9题", "PHQ", "重度", world.own.name):
        assert leak not in mine.title + mine.body, leak
    # Who was told is in the warning's history.
    notified = warning.actions.get(kind=WarningAction.Kind.NOTIFIED)
    assert world.psych.real_name in notified.text and world.leader.real_name in notified.text


# --- 2. the entry screen shows what happened --------------------------------------------------


def test_result_entry_shows_score_band_level_and_the_crisis_notice(world):
    client = _client(world.psych)
    url = reverse("screening:result_enter", args=[world.round.pk])
    data = {"instrument": phq9().pk, "student_number": world.own.student_number}
    data.update({f"item_{n}": a for n, a in enumerate(CRISIS_ANSWERS, start=1)})
    response = _post(client, url + f"?instrument={phq9().pk}", data)
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    warning = Warning.objects.get(student=world.own)
    assert "得分 <strong>14</strong>" in body and "危机预警：请立即处置" in body
    assert "已通知：" in body and world.psych.real_name in body and world.leader.real_name in body
    assert reverse("screening:warning_detail", args=[warning.pk]) in body


# --- 3. owner, due time, actions; who may work ------------------------------------------------


def test_owner_and_due_time_from_level_and_actions_recorded(world):
    before = timezone.now()
    _save(world, world.own, answers_for(16))  # 重点关注
    warning = Warning.objects.get(student=world.own)
    assert warning.owner == world.psych  # the school's one psychology teacher
    assert warning.due_at - warning.raised_at == datetime.timedelta(days=3)
    assert warning_due_at(level="crisis", raised_at=before) == before + datetime.timedelta(hours=24)
    assert warning_due_at(level="general", raised_at=before) == before + datetime.timedelta(days=7)
    warning_update(warning=warning, status="follow_up", note="已约谈", user=world.psych)
    kinds = list(warning.actions.values_list("kind", flat=True))
    assert kinds == ["status", "note"]


def test_grade_leader_and_school_leader_work_warnings_within_reach(world):
    _save(world, world.own, answers_for(16))  # grade 7, 重点关注
    warning = Warning.objects.get(student=world.own)
    url = reverse("screening:warning_detail", args=[warning.pk])
    for user in (world.grade_leader, world.leader):
        response = _post(
            _client(user),
            url,
            {"action": "work", "work-status": "follow_up", "work-note": f"{user.pk} 已跟进"},
        )
        assert response.status_code == 302, user
    assert warning.actions.filter(kind="note").count() == 2
    # A class teacher holds no warning.write: the one 403 page.
    client = _client(world.class_teacher)
    client.get(reverse("screening:warnings"))
    assert client.post(url, {"action": "work"}).status_code in (403, 404)


# --- 4. closing ------------------------------------------------------------------------------


def test_crisis_closes_only_with_outcome_and_leader_sign_off(world):
    _save(world, world.own, CRISIS_ANSWERS)
    warning = Warning.objects.get(student=world.own)
    with pytest.raises(ScreeningError, match="结案说明"):
        warning_close(warning=warning, outcome="  ", user=world.psych)
    warning = warning_close(warning=warning, outcome="已转介就医，情绪稳定", user=world.psych)
    assert warning.status == Warning.Status.CLOSE_REQUESTED  # a request, not a close
    with pytest.raises(ScreeningError, match="校领导"):
        warning_sign_off(warning=warning, user=world.psych)
    warning = warning_sign_off(warning=warning, user=world.leader)
    assert warning.status == Warning.Status.CLOSED and warning.signed_off_by == world.leader
    assert warning.outcome == "已转介就医，情绪稳定" and warning.signed_off_at
    assert warning.actions.filter(kind="sign_off", by=world.leader).exists()


def test_non_crisis_close_needs_an_outcome_note_via_the_page(world):
    _save(world, world.own, answers_for(16))
    warning = Warning.objects.get(student=world.own)
    client = _client(world.psych)
    url = reverse("screening:warning_detail", args=[warning.pk])
    response = _post(client, url, {"action": "close", "close-outcome": ""})
    assert "结案说明" in response.content.decode()
    warning.refresh_from_db()
    assert warning.status == Warning.Status.OPEN
    _post(client, url, {"action": "close", "close-outcome": "家长已知情，情绪好转"})
    warning.refresh_from_db()
    assert warning.status == Warning.Status.CLOSED and warning.signed_off_by is None


# --- 5. one open warning per student -------------------------------------------------------------


def test_signals_merge_into_the_open_warning_raising_never_lowering(world):
    _save(world, world.own, answers_for(16))  # 重点关注
    concern_raise(student=world.own, level="crisis", concern="说不想活了", user=world.class_teacher)
    concern_raise(student=world.own, level="general", concern="午饭不吃", user=world.class_teacher)
    assert Warning.objects.filter(student=world.own).count() == 1
    warning = Warning.objects.get(student=world.own)
    assert warning.level == WarningLevel.CRISIS
    assert warning.actions.filter(kind="merged").count() == 2
    assert warning.actions.filter(kind="level", old_value="key", new_value="crisis").exists()
    # The database refuses a second open warning too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Warning.objects.create(
            student=world.own, school=world.a, grade=Grade.J1, level="general", source="concern"
        )


# --- 6. the worked list -------------------------------------------------------------------------


def test_list_sorts_by_severity_then_overdue_then_age_and_filters(
    world, django_assert_max_num_queries
):
    long_ago = timezone.now() - datetime.timedelta(days=10)
    for n in range(6):
        student = StudentFactory(school_class=world.a7_2)
        concern_raise(student=student, level="general", concern=f"关注{n}", user=world.psych)
    old = concern_raise(student=world.other_grade, level="general", concern="久", user=world.psych)
    Warning.objects.filter(pk=old.pk).update(raised_at=long_ago, due_at=long_ago)
    crisis = concern_raise(student=world.own, level="crisis", concern="危", user=world.psych)
    rows = list(warning_rows(user=world.psych))
    assert rows[0] == crisis and rows[1] == old  # crisis first, then the overdue general
    assert [w.pk for w in warning_rows(user=world.psych, filters={"grade": Grade.J2})] == [old.pk]
    client = _client(world.psych)
    with django_assert_max_num_queries(20):
        body = client.get(reverse("screening:warnings") + "?overdue=on").content.decode()
    assert "已逾期" in body and world.other_grade.name in body and world.own.name not in body
    body = client.get(reverse("screening:warnings") + "?level=bogus&grade=x").content.decode()
    assert "筛选条件无效" in body and world.own.name in body


# --- 7. referral, check-ins and 待办 ----------------------------------------------------------


def test_referral_moves_warning_and_todo_counts_equal_list_rows(world):
    _save(world, world.own, CRISIS_ANSWERS)
    referral = referral_record(
        student=world.own,
        institution="市精神卫生中心",
        referred_on=TODAY,
        reason="评估",
        user=world.psych,
    )
    warning = Warning.objects.get(student=world.own)
    assert warning.status == Warning.Status.REFERRED
    assert warning.actions.filter(kind="referral").exists()
    return_plan_save(
        referral=referral,
        returned_on=timezone.localdate() - datetime.timedelta(days=9),
        plan="减负",
    )
    due = checkins_due(user=world.psych)
    assert [(r.label, r.state) for r in due] == [("一周", "已逾期")]
    items = {i.label: i for i in todo_for(user=world.psych)}
    crisis = items["危机预警待处置"]
    assert crisis.count == 1 and crisis.severity == 0
    client = _client(world.psych)
    body = client.get(crisis.url).content.decode()
    assert body.count('class="level-crisis') == crisis.count
    body = client.get(items["复学回访到期"].url).content.decode()
    assert items["复学回访到期"].count == 1 and body.count("回访</td>") == 1
    assert todo_for(user=world.class_teacher) == []


# --- 8. corrections ------------------------------------------------------------------------------


def test_correction_supersedes_and_closes_the_warning_it_alone_opened(world):
    wrong = _save(world, world.own, answers_for(16))
    warning = Warning.objects.get(student=world.own)
    with pytest.raises(ScreeningError, match="更正原因"):
        result_correct(result=wrong, reason=" ", answers=answers_for(4), user=world.psych)
    right = result_correct(
        result=wrong, reason="第3题录入错误", answers=answers_for(4), user=world.psych
    )
    wrong.refresh_from_db()
    assert right.supersedes == wrong and wrong.superseded_at and right.level == ""
    assert list(selectors.current_results().filter(student=world.own)) == [right]
    assert selectors.round_summary(round=world.round)["screened"] == 1
    warning.refresh_from_db()
    assert warning.status == Warning.Status.CLOSED and "第3题录入错误" in warning.outcome
    assert warning.actions.filter(kind="superseded").exists()


def test_correction_keeps_a_warning_other_signals_fed_and_the_page_needs_a_reason(world):
    wrong = _save(world, world.own, answers_for(16))
    concern_raise(student=world.own, level="general", concern="哭", user=world.class_teacher)
    client = _client(world.psych)
    url = reverse("screening:result_correct", args=[wrong.pk])
    data = {f"item_{n}": a for n, a in enumerate(answers_for(4), start=1)}
    response = _post(client, url, {**data, "reason": ""})
    assert "更正原因" in response.content.decode()
    assert _post(client, url, {**data, "reason": "录错了"}).status_code == 302
    warning = Warning.objects.get(student=world.own)
    assert warning.status != Warning.Status.CLOSED
    assert ScreeningResult.objects.filter(student=world.own).count() == 2
    body = client.get(reverse("screening:round_results", args=[world.round.pk])).content.decode()
    assert "已更正" in body and "不计入统计" in body


# --- 9. totals-only imports ----------------------------------------------------------------------


def test_totals_only_import_records_critical_item_not_checked(world):
    results_import(
        round=world.round,
        instrument=phq9(),
        rows=[["学号", "总分"], [world.own.student_number, "6"]],
        default_date=TODAY,
        user=world.psych,
    )
    result = ScreeningResult.objects.get(student=world.own)
    assert result.critical_checked is False
    assert selectors.round_summary(round=world.round)["unchecked"] == 1
    body = (
        _client(world.psych)
        .get(reverse("screening:round_results", args=[world.round.pk]))
        .content.decode()
    )
    assert "关键题未核查 1 人" in body and "<td>关键题未核查</td>" in body
