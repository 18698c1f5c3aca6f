"""Issue 12, item 15: access-log lines are kept at least six months and then pruned; students
who leave are archived (no longer listed) and deleted with their records after a configurable
period; ``manage.py retention --dry-run`` reports counts per school and deletes nothing."""

import datetime
import io

import pytest
from axes.models import AccessFailureLog
from axes.models import AccessLog as LoginLog
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from duty.models import IncidentReport
from schools.audit import access_log_record
from schools.models import AccessLog, Student
from screening import services as screening
from screening.models import (
    Archive,
    ArchiveEntry,
    CaseMember,
    GuardianConsent,
    Referral,
    ReturnPlan,
    ScreeningResult,
    ScreeningRound,
    Warning,
)
from tests.csrf import form_token
from tests.screening.factories import answers_for, make_round, phq9

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate()


def _run(*args):
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def _left(student, days_ago):
    student.is_active = False
    student.left_on = TODAY - datetime.timedelta(days=days_ago)
    student.save()


def _records_of(world, student):
    """Every kind of screening record about ``student``, an incident naming them, and the
    back office's history entry that labels them by name."""
    screening.result_save(
        round=world.round,
        instrument=phq9(),
        student=student,
        answers=answers_for(16),
        taken_on=datetime.date(2026, 10, 9),
        user=world.psych,
    )
    screening.concern_raise(
        student=student, level="key", concern="午休时独自哭泣。", user=world.psych
    )
    screening.archive_entry_add(
        student=student,
        kind="talk",
        on=datetime.date(2026, 10, 10),
        summary="谈心",
        user=world.psych,
    )
    referral = screening.referral_record(
        student=student,
        user=world.psych,
        institution="市心理咨询中心",
        referred_on=datetime.date(2026, 10, 11),
        reason="持续低落",
    )
    screening.return_plan_save(
        referral=referral, returned_on=datetime.date(2026, 11, 1), plan="逐步复课"
    )
    screening.case_member_add(student=student, member=world.class_teacher, user=world.psych)
    consent_round = make_round(world.a, basis=ScreeningRound.Basis.CONSENT)
    screening.consent_record(
        round=consent_round,
        student=student,
        decided_on=datetime.date(2026, 10, 2),
        user=world.psych,
    )
    from tests.duty.factories import IncidentFactory

    incident = IncidentFactory(school=student.school)
    incident.students.set([student])
    from wagtail.log_actions import log

    log(instance=student, action="wagtail.edit", user=world.school_admin)
    return incident


def _counts(student):
    return {
        "results": ScreeningResult.objects.filter(student=student).count(),
        "warnings": Warning.objects.filter(student=student).count(),
        "archives": Archive.objects.filter(student=student).count(),
        "referrals": Referral.objects.filter(student=student).count(),
        "consents": GuardianConsent.objects.filter(student=student).count(),
        "case": CaseMember.objects.filter(student=student).count(),
    }


# --- students who left ---------------------------------------------------------------------------


def test_unticking_in_school_archives_the_student_with_todays_date(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.school_admin)
    student = world.own
    url = reverse("schools_student:edit", args=[student.pk])
    token = form_token(client.get(url))
    data = {
        "school_class": student.school_class_id,
        "student_number": student.student_number,
        "name": student.name,
        "gender": student.gender,
        "birth_date": student.birth_date.isoformat(),
        "guardian_name": "",
        "guardian_phone": "",
        "left_on": "",
        "csrfmiddlewaretoken": token,
    }  # "is_active" not sent: unticked
    assert client.post(url, data).status_code == 302
    student.refresh_from_db()
    assert (student.is_active, student.left_on) == (False, TODAY)
    # Archived students are no longer listed …
    client.get(reverse("schools_student:index"))  # the "已更新" message, shown once
    listing = client.get(reverse("schools_student:index")).content.decode()
    assert student.name not in listing and world.same_grade.name in listing
    # … except for the school admins who keep the roll, when they ask for them.
    archived = client.get(reverse("schools_student:index"), {"archived": "true"}).content.decode()
    assert student.name in archived and world.same_grade.name not in archived
    # Ticked again (a mistake): back on the list, no leaving date.
    data["is_active"] = "on"
    data["left_on"] = (TODAY - datetime.timedelta(days=3)).isoformat()
    assert client.post(url, data).status_code == 302
    student.refresh_from_db()
    assert (student.is_active, student.left_on) == (True, None)


def test_other_readers_never_list_archived_students(world):
    _left(world.own, 1)
    for reader in (world.psych, world.class_teacher, world.leader):
        client = Client()
        client.force_login(reader)
        for params in ({}, {"archived": "true"}):
            response = client.get(reverse("schools_student:index"), params)
            assert response.status_code == 200
            assert world.own.name not in response.content.decode(), (reader, params)


def test_dry_run_reports_per_school_and_deletes_nothing(world, settings):
    settings.XINYU_STUDENT_RETENTION_DAYS = 365
    _records_of(world, world.own)
    _left(world.own, 400)
    _left(world.other_school, 800)
    _left(world.same_grade, 10)  # left recently: kept
    old = access_log_record(action="view", object_type="schools.student", school=world.a)
    AccessLog.objects.filter(pk=old.pk).update(at=NOW - datetime.timedelta(days=200))
    before = (Student.objects.count(), AccessLog.objects.count(), _counts(world.own))
    text = _run("--dry-run")
    assert f"{world.a.name}（{world.a.code}）：离校到期学生 1 名（转介 1、预警" in text
    assert "测评结果 1" in text and "心理档案 1" in text and "知情同意 1" in text
    members = CaseMember.objects.filter(student=world.own).count()  # the world's one + ours
    assert f"个案小组成员 {members}" in text and "过期访问日志 1 条" in text
    assert f"{world.b.name}（{world.b.code}）：离校到期学生 1 名（无其他记录）" in text
    assert "合计：学生 2 名，访问日志 1 条" in text and "未删除任何记录" in text
    assert world.own.name not in text  # counts only, never a name
    assert (Student.objects.count(), AccessLog.objects.count(), _counts(world.own)) == before


def test_students_past_the_period_are_deleted_with_their_records(world, settings):
    settings.XINYU_STUDENT_RETENTION_DAYS = 365
    incident = _records_of(world, world.own)
    _records_of(world, world.same_grade)
    _left(world.own, 366)
    _left(world.same_grade, 364)
    gone, kept = world.own.pk, world.same_grade.pk
    viewed = access_log_record(
        action="view", object_type="schools.student", object_id=gone, school=world.a
    )
    text = _run("--batch", "1")
    assert f"{world.a.name}：已删除学生 1 / 1 名" in text and "完成：删除学生 1 名" in text
    assert not Student.objects.filter(pk=gone).exists()
    assert _counts(world.own) == dict.fromkeys(_counts(world.own), 0)
    assert not ArchiveEntry.objects.filter(archive__student_id=gone).exists()
    assert not ReturnPlan.objects.filter(referral__student_id=gone).exists()
    student_type = ContentType.objects.get_for_model(Student)
    assert not ModelLogEntry.objects.filter(content_type=student_type, object_id=str(gone))
    # The incident stays (a school's report), without the student.
    assert IncidentReport.objects.filter(pk=incident.pk).exists()
    assert not incident.students.exists()
    # The student who left 364 days ago keeps everything.
    assert Student.objects.filter(pk=kept).exists()
    assert all(_counts(world.same_grade).values())
    assert ModelLogEntry.objects.filter(content_type=student_type, object_id=str(kept)).exists()
    # Access-log lines about the deleted student stay (ids only), and the deletion is logged.
    assert AccessLog.objects.filter(pk=viewed.pk, student_pk=gone).exists()
    line = AccessLog.objects.get(action="retention-delete")
    assert (line.object_type, line.school, line.count, line.user) == (
        "schools.student",
        world.a,
        1,
        None,
    )


def test_a_failing_batch_is_rolled_back_whole(world, settings, monkeypatch):
    settings.XINYU_STUDENT_RETENTION_DAYS = 365
    _records_of(world, world.own)
    _left(world.own, 400)
    before = _counts(world.own)

    def protected(*, student_ids):
        from django.db.models import ProtectedError

        raise ProtectedError("protected", {world.own})

    monkeypatch.setattr("schools.services.students_delete", protected)
    with pytest.raises(CommandError, match="本批未删除"):
        _run()
    assert Student.objects.filter(pk=world.own.pk).exists()
    assert _counts(world.own) == before


# --- the access log --------------------------------------------------------------------------------


def _line_at(days_ago, **kwargs):
    line = access_log_record(action="view", object_type="schools.student", **kwargs)
    AccessLog.objects.filter(pk=line.pk).update(at=NOW - datetime.timedelta(days=days_ago))
    return line.pk


def test_log_lines_are_kept_six_months_then_pruned(world, settings):
    assert settings.XINYU_ACCESS_LOG_RETENTION_DAYS >= 184
    settings.XINYU_ACCESS_LOG_RETENTION_DAYS = 184
    kept = [_line_at(days) for days in (0, 100, 183)]
    old = [_line_at(days, school=world.a) for days in (185, 400, 1000)]
    LoginLog.objects.create(
        username="x", ip_address="10.0.0.1", user_agent="", attempt_time=NOW, path_info="/"
    )
    stale = LoginLog.objects.create(
        username="x", ip_address="10.0.0.1", user_agent="", attempt_time=NOW, path_info="/"
    )
    LoginLog.objects.filter(pk=stale.pk).update(attempt_time=NOW - datetime.timedelta(days=190))
    failure = AccessFailureLog.objects.create(
        username="x", ip_address="10.0.0.1", user_agent="", attempt_time=NOW, path_info="/"
    )
    AccessFailureLog.objects.filter(pk=failure.pk).update(
        attempt_time=NOW - datetime.timedelta(days=190)
    )
    text = _run()
    assert "访问日志：已删除 3 / 3 条" in text and "登录记录 2 条" in text
    assert set(AccessLog.objects.values_list("pk", flat=True)) >= set(kept)
    assert not AccessLog.objects.filter(pk__in=old).exists()
    assert LoginLog.objects.count() == 1 and not AccessFailureLog.objects.exists()


def test_a_period_shorter_than_six_months_is_refused(world, settings):
    _line_at(200)
    settings.XINYU_ACCESS_LOG_RETENTION_DAYS = 90
    with pytest.raises(CommandError, match="至少保存 184 天"):
        _run()
    with pytest.raises(CommandError):
        _run("--dry-run")
    assert AccessLog.objects.count() == 1
    settings.XINYU_ACCESS_LOG_RETENTION_DAYS = 184
    settings.XINYU_STUDENT_RETENTION_DAYS = 0
    with pytest.raises(CommandError, match="XINYU_STUDENT_RETENTION_DAYS"):
        _run()


def test_the_settings_refuse_a_short_period_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from portal.settings.base import env_days

    monkeypatch.setenv("XINYU_ACCESS_LOG_RETENTION_DAYS", "30")
    with pytest.raises(ImproperlyConfigured, match="at least 184"):
        env_days("XINYU_ACCESS_LOG_RETENTION_DAYS", 184, minimum=184, why="six months")
    monkeypatch.setenv("XINYU_ACCESS_LOG_RETENTION_DAYS", "365")
    assert env_days("XINYU_ACCESS_LOG_RETENTION_DAYS", 184, minimum=184, why="x") == 365


def test_pruning_runs_in_batches_with_progress(world, settings, monkeypatch):
    from schools import audit

    settings.XINYU_ACCESS_LOG_RETENTION_DAYS = 184
    for _ in range(5):
        _line_at(300)
    real = audit.access_log_prune
    monkeypatch.setattr(
        audit,
        "access_log_prune",
        lambda **kw: real(**{**kw, "batch": 2}),
    )
    text = _run()
    assert "已删除 2 / 5 条" in text and "已删除 4 / 5 条" in text and "已删除 5 / 5 条" in text
    assert not AccessLog.objects.filter(at__lt=NOW - datetime.timedelta(days=184)).exists()
