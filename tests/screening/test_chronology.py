"""One chronology per student: the timeline, support-plan versions, archives from enrolment."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from duty.models import IncidentReport
from schools.models import Student
from schools.services import students_enrolled
from screening import selectors, services
from screening.models import Archive, ArchiveEntry, SupportPlanVersion, Warning
from tests.duty.factories import IncidentFactory

from .factories import answers_for, phq9

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _rich_archive(world, *, n):
    """A student with ``n`` of every kind of record."""
    student, psych = world.own, world.psych
    today = timezone.localdate()
    services.result_save(
        round=world.round,
        instrument=phq9(),
        student=student,
        answers=answers_for(12),
        user=psych,
        taken_on=today - datetime.timedelta(days=40),
    )
    for i in range(n):
        entry = services.archive_entry_add(
            student=student,
            kind=ArchiveEntry.Kind.HOME_VISIT if i % 2 else ArchiveEntry.Kind.TALK,
            on=today - datetime.timedelta(days=i),
            summary=f"第{i}次记录",
            user=psych,
        )
        services.attachment_add(
            student=student,
            owner=entry,
            kind="consent",
            upload=SimpleUploadedFile(f"s{i}.png", PNG),
            user=psych,
        )
        services.attention_add(
            student=student, category="left_behind", since=today - datetime.timedelta(days=i)
        )
        services.plan_save(
            student=student,
            goals=f"目标{i}",
            actions="每周谈心",
            responsible="王老师",
            review_on=today,
            user=psych,
        )
        referral = services.referral_record(
            student=student,
            user=psych,
            institution=f"市精神卫生中心{i}",
            referred_on=today - datetime.timedelta(days=60 + i),
            reason="持续低落",
        )
        services.return_plan_save(
            referral=referral,
            returned_on=today - datetime.timedelta(days=20),
            plan="逐步复课",
            week_done_on=today - datetime.timedelta(days=13),
        )
        services.concern_raise(student=student, level="general", concern=f"关注{i}", user=psych)
        incident = IncidentFactory(school=world.a, reporter=world.leader)
        incident.students.add(student)
    return student


@pytest.mark.django_db
def test_timeline_has_every_source_newest_first(world):
    student = _rich_archive(world, n=2)
    warning = Warning.objects.filter(student=student).first()
    services.warning_close(warning=warning, outcome="已恢复，家长知情。", user=world.psych)
    warning.refresh_from_db()
    if warning.status != Warning.Status.CLOSED:  # a 危机 waits for the leader's sign-off
        services.warning_sign_off(warning=warning, user=world.leader)
    events = selectors.student_timeline(user=world.psych, student=student)
    kinds = {e.kind for e in events}
    assert {
        "result",
        "warning-raised",
        "warning-merged",  # a concern on a student with an open warning joins it
        "warning-closed",
        "archive-opened",
        "entry-talk",
        "entry-home_visit",
        "attention",
        "plan",
        "referral",
        "return",
        "checkin",
        "incident",
    } <= kinds
    keys = [e.sort_key for e in events]
    assert keys == sorted(keys, reverse=True)
    entry = next(e for e in events if e.kind == "entry-talk")
    assert entry.who and entry.attachments and entry.owner.startswith("entry:")


@pytest.mark.django_db
def test_timeline_queries_do_not_grow_with_events(world, django_assert_max_num_queries):
    student = _rich_archive(world, n=12)
    with django_assert_max_num_queries(16):
        events = selectors.student_timeline(user=world.psych, student=student)
    assert len(events) > 12 * 7


@pytest.mark.django_db
def test_archive_page_renders_the_timeline_with_links(client, world):
    student = _rich_archive(world, n=1)
    client.force_login(world.psych)
    body = client.get(reverse("screening:archive", args=[student.pk])).content.decode()
    assert "成长记录时间线" in body
    assert "家访" in body or "个别谈心" in body
    incident = IncidentReport.objects.filter(students=student).first()
    # The psychology teacher reads the school's incidents: the event links to it.
    assert reverse("duty_admin:incident_detail", args=[incident.pk]) in body
    assert reverse("screening:warning_detail", args=[Warning.objects.first().pk]) in body


@pytest.mark.django_db
def test_incident_event_unlinked_for_a_viewer_who_may_not_read_the_incident(world):
    """A counselling-group teacher opens the archive and sees the incident as a line, with
    no link into the incident records they may not read."""
    from schools.vocab import Role
    from tests.factories import make_member

    student = world.own
    member = make_member(Role.TEACHER, world.a)
    services.case_member_add(student=student, member=member, user=world.psych)
    incident = IncidentFactory(school=world.a, reporter=world.leader)
    incident.students.add(student)
    events = [
        e for e in selectors.student_timeline(user=member, student=student) if e.kind == "incident"
    ]
    assert len(events) == 1 and events[0].url == ""


# --- support plan versions ---------------------------------------------------------------


@pytest.mark.django_db
def test_plan_keeps_every_version_with_who_and_what(world):
    today = timezone.localdate()
    kwargs = {"goals": "情绪稳定", "actions": "每周谈心", "responsible": "王老师"}
    services.plan_save(student=world.own, review_on=today, user=world.psych, **kwargs)
    services.plan_save(student=world.own, review_on=today, user=world.psych, **kwargs)
    services.plan_save(
        student=world.own,
        goals="情绪稳定，按时到校",
        actions="每周谈心，家访一次",
        responsible="王老师",
        review_on=today,
        user=world.leader,
    )
    versions = list(SupportPlanVersion.objects.filter(plan__archive__student=world.own))
    assert [v.number for v in versions] == [2, 1]  # the unchanged save added none
    assert versions[0].change_summary == "目标、措施已修改"
    assert versions[0].changed_by == world.leader
    assert versions[1].change_summary == "制定计划"
    assert versions[1].goals == "情绪稳定"


@pytest.mark.django_db
def test_passed_review_date_is_flagged_on_the_archive(client, world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.plan_save(
        student=world.own,
        goals="情绪稳定",
        actions="每周谈心",
        responsible="王老师",
        review_on=yesterday,
        user=world.psych,
    )
    client.force_login(world.psych)
    body = client.get(reverse("screening:archive", args=[world.own.pk])).content.decode()
    assert "复评已逾期" in body and "修改记录（共 1 版）" in body
    services.plan_save(
        student=world.own,
        goals="情绪稳定",
        actions="每周谈心",
        responsible="王老师",
        review_on=timezone.localdate() + datetime.timedelta(days=30),
        user=world.psych,
    )
    body = client.get(reverse("screening:archive", args=[world.own.pk])).content.decode()
    assert "复评已逾期" not in body and "复评日期已修改" in body


# --- an archive from enrolment -------------------------------------------------------------


@pytest.mark.django_db
def test_enrolled_students_get_their_archive_that_day(world):
    student = Student.objects.create(
        school=world.a,
        school_class=world.a7_1,
        student_number="NEW001",
        name="新同学",
        gender="F",
        birth_date=datetime.date(2013, 5, 1),
    )
    students_enrolled(students=[student], by=world.school_admin)
    archive = Archive.objects.get(student=student)
    assert archive.opened_on == timezone.localdate()
    assert archive.opened_by == world.school_admin
    students_enrolled(students=[student])  # twice: still one archive
    assert Archive.objects.filter(student=student).count() == 1


@pytest.mark.django_db
def test_student_import_opens_archives(world):
    from portal.spreadsheets import table_from_rows
    from schools.imports import student_import

    table = table_from_rows(
        [
            ["学号", "姓名", "性别", "出生日期", "年级", "班级"],
            ["I001", "甲", "男", "2013-01-01", "", "七年级（1）班"],
            ["I002", "乙", "女", "2013-02-01", "", "七年级（2）班"],
        ]
    )
    student_import(by=world.school_admin, school=world.a, table=table)
    assert Archive.objects.filter(student__student_number__in=["I001", "I002"]).count() == 2


@pytest.mark.django_db
def test_student_list_and_record_link_to_the_archive_for_those_who_may_open_it(client, world):
    index = reverse("schools_student:index")
    archive_url = reverse("screening:archive", args=[world.own.pk])
    inspect = reverse("schools_student:inspect", args=[world.own.pk])
    client.force_login(world.psych)
    assert archive_url in client.get(index).content.decode()
    assert archive_url in client.get(inspect).content.decode()
    client.force_login(world.school_admin)  # keeps the roll, not the archives
    assert client.get(index).status_code == 200
    assert archive_url not in client.get(index).content.decode()
    assert archive_url not in client.get(inspect).content.decode()
