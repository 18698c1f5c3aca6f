"""Scoping matrix for every duty URL (own school, another school, bureau), the inbox filters,
export/print logging and the inbox's query budget."""

import datetime

import pytest
from django.utils import timezone

from duty.models import EntryKind, IncidentEntry, IncidentReport, SafetyCheck
from schools.models import AccessLog
from schools.vocab import Role
from tests.exports import csv_text, download, export_job
from tests.factories import SchoolFactory, StudentFactory, make_member

from .factories import DutyAssignmentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a, b = SchoolFactory(name="甲校"), SchoolFactory(name="乙校")
    now = timezone.now()
    student = StudentFactory(school_class__school=a, name="张小明")
    inc_a = IncidentFactory(
        school=a, discovered_at=now - datetime.timedelta(hours=1), place="甲校操场"
    )
    inc_a.students.set([student])
    inc_b = IncidentFactory(
        school=b, discovered_at=now - datetime.timedelta(minutes=10), place="乙校食堂"
    )
    return {"a": a, "b": b, "inc_a": inc_a, "inc_b": inc_b, "student": student}


def login(client, role, school=None, **kw):
    user = make_member(role, school=school, **kw)
    client.force_login(user)
    return user


INCIDENT_URLS = [
    "/admin/duty/incidents/{pk}/",
    "/admin/duty/incidents/{pk}/print/",
]
MANAGE_URLS = ["/admin/duty/incidents/{pk}/edit/"]


@pytest.mark.parametrize("role", [Role.SCHOOL_LEADER, Role.SCHOOL_ADMIN, Role.PSYCH_TEACHER])
def test_school_readers_see_own_school_only(client, world, role):
    login(client, role, world["a"])
    for url in INCIDENT_URLS:
        assert client.get(url.format(pk=world["inc_a"].pk)).status_code == 200
        assert client.get(url.format(pk=world["inc_b"].pk)).status_code == 404
    listing = client.get("/admin/duty/incidents/").content.decode()
    assert f"/admin/duty/incidents/{world['inc_a'].pk}/" in listing
    assert f"/admin/duty/incidents/{world['inc_b'].pk}/" not in listing
    assert "乙校" not in csv_text(download(client, export_job(client, "duty-incidents")))
    assert AccessLog.objects.filter(allowed=False, object_id=str(world["inc_b"].pk)).exists()


def test_psych_teacher_reads_but_cannot_change(client, world):
    login(client, Role.PSYCH_TEACHER, world["a"])
    # Handling incidents is not the psychology teacher's capability: the one 403 page.
    assert client.get(f"/admin/duty/incidents/{world['inc_a'].pk}/edit/").status_code == 403
    response = client.post(
        f"/admin/duty/incidents/{world['inc_a'].pk}/entries/",
        {
            "kind": "phone",
            "happened_at": "2025-03-01T10:00",
            "caller": "a",
            "callee": "b",
            "content": "c",
        },
    )
    assert response.status_code == 403
    assert not IncidentEntry.objects.exists()


def test_leader_cannot_change_another_schools_incident(client, world):
    login(client, Role.SCHOOL_LEADER, world["a"])
    assert client.get(f"/admin/duty/incidents/{world['inc_b'].pk}/edit/").status_code == 404
    response = client.post(
        f"/admin/duty/incidents/{world['inc_b'].pk}/entries/",
        {"kind": "follow_up", "happened_at": "2025-03-01T10:00", "content": "c"},
    )
    assert response.status_code == 404
    assert not IncidentEntry.objects.exists()


def test_bureau_auditor_reads_all_but_cannot_change_or_see_names(client, world):
    login(client, Role.BUREAU_AUDITOR)
    for inc in (world["inc_a"], world["inc_b"]):
        assert client.get(f"/admin/duty/incidents/{inc.pk}/").status_code == 200
        assert client.get(f"/admin/duty/incidents/{inc.pk}/edit/").status_code == 403
    body = client.get(f"/admin/duty/incidents/{world['inc_a'].pk}/").content.decode()
    assert "张小明" not in body and "1 名" in body
    assert "张小明" not in csv_text(download(client, export_job(client, "duty-incidents")))
    response = client.post(
        f"/admin/duty/incidents/{world['inc_a'].pk}/entries/",
        {"kind": "follow_up", "happened_at": "2025-03-01T10:00", "content": "c"},
    )
    assert response.status_code == 403


def test_bureau_admin_handles_all_and_sees_names_with_logging(client, world):
    login(client, Role.BUREAU_ADMIN)
    body = client.get(f"/admin/duty/incidents/{world['inc_a'].pk}/").content.decode()
    assert "张小明" in body
    assert AccessLog.objects.filter(
        action="incident-view", object_type="schools.student", object_id=str(world["student"].pk)
    ).exists()
    # The old link opens the start form with the inbox's filters; the job builds the CSV.
    response = client.get("/admin/duty/incidents/export.csv?status=open&school=7&p=2")
    assert response.status_code == 302
    assert response["Location"] == "/admin/exports/new/duty-incidents/?status=open&schools=7"
    job = export_job(client, "duty-incidents")
    export = csv_text(download(client, job))
    assert "张小明" in export and "乙校" in export
    assert AccessLog.objects.filter(
        action="export", object_type="duty.incidentreport", object_id=str(job.pk), count=2
    ).exists()
    assert AccessLog.objects.filter(
        action="incident-export", object_id=str(world["student"].pk)
    ).exists()
    client.get(f"/admin/duty/incidents/{world['inc_a'].pk}/print/")
    assert AccessLog.objects.filter(
        action="incident-print", object_id=str(world["student"].pk)
    ).exists()
    assert client.get(f"/admin/duty/incidents/{world['inc_b'].pk}/edit/").status_code == 200


@pytest.mark.parametrize("role", [Role.GRADE_LEADER, Role.CLASS_TEACHER])
def test_reporters_see_only_what_they_filed(client, world, role):
    kw = {"grade": 21} if role == Role.GRADE_LEADER else {}
    user = login(client, role, world["a"], **kw)
    assert client.get(f"/admin/duty/incidents/{world['inc_a'].pk}/").status_code == 404
    own = IncidentFactory(school=world["a"], reporter=user)
    assert client.get(f"/admin/duty/incidents/{own.pk}/").status_code == 200
    # They report; handling is the school leaders' capability: the one 403 page.
    assert client.get(f"/admin/duty/incidents/{own.pk}/edit/").status_code == 403


def test_anonymous_and_plain_teacher_have_no_back_office(client, world):
    assert client.get("/admin/duty/incidents/").status_code == 302  # to login
    login(client, Role.TEACHER, world["a"])
    assert client.get(f"/admin/duty/incidents/{world['inc_a'].pk}/").status_code in (302, 403)


def test_teacher_reports_through_the_learner_area(client, world):
    user = login(client, Role.TEACHER, world["a"])
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = {
        "school": world["a"].pk,
        "category": "bullying",
        "occurred_at": (now - datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
        "discovered_at": (now - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "place": "三楼走廊",
        "first_facts": "两名学生发生推搡，其中一人哭泣，已分开并通知班主任。",
        "student_numbers": world["student"].student_number,
        "public_opinion_note": "",
    }
    assert client.get("/me/incidents/new/").status_code == 200
    response = client.post("/me/incidents/new/", data)
    assert response.status_code == 302
    incident = IncidentReport.objects.get(reporter=user)
    assert list(incident.students.all()) == [world["student"]]
    listing = client.get("/me/incidents/").content.decode()
    assert "欺凌" in listing and "剩余" in listing
    # Another school is not offered and is refused.
    response = client.post("/me/incidents/new/", {**data, "school": world["b"].pk})
    assert response.status_code == 400
    assert IncidentReport.objects.filter(reporter=user).count() == 1


def test_learner_area_report_rejects_a_future_discovery(client, world):
    login(client, Role.CLASS_TEACHER, world["a"])
    later = timezone.localtime() + datetime.timedelta(hours=2)
    response = client.post(
        "/me/incidents/new/",
        {
            "school": world["a"].pk,
            "category": "accident",
            "occurred_at": later.strftime("%Y-%m-%dT%H:%M"),
            "discovered_at": later.strftime("%Y-%m-%dT%H:%M"),
            "place": "操场",
            "first_facts": "摔倒",
        },
    )
    assert response.status_code == 400
    assert "发现时间不能晚于当前时间。" in response.content.decode()
    assert not IncidentReport.objects.filter(place="操场", first_facts="摔倒").exists()


def test_leader_files_incident_and_phone_report_in_back_office(client, world):
    leader = login(client, Role.SCHOOL_LEADER, world["a"])
    now = timezone.localtime().replace(second=0, microsecond=0)
    response = client.post(
        "/admin/duty/incidents/new/",
        {
            "school": world["a"].pk,
            "category": "self_harm",
            "occurred_at": (now - datetime.timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"),
            "discovered_at": (now - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
            "place": "宿舍楼",
            "first_facts": "宿管发现一名学生手臂有划痕，已陪同至校医室并联系家长。",
        },
    )
    assert response.status_code == 302
    incident = IncidentReport.objects.get(reporter=leader)
    detail = client.get(response.url).content.decode()
    assert "电话报告：剩余 19 分钟" in detail or "电话报告：剩余 20 分钟" in detail
    response = client.post(
        f"/admin/duty/incidents/{incident.pk}/entries/",
        {
            "kind": "phone",
            "happened_at": now.strftime("%Y-%m-%dT%H:%M"),
            "caller": "王校长",
            "callee": "市局值班室",
            "content": "已电话报告首报情况。",
        },
    )
    assert response.status_code == 302
    assert incident.entries.get().kind == EntryKind.PHONE


def test_inbox_filters(client, world):
    login(client, Role.BUREAU_ADMIN)
    closed = IncidentFactory(school=world["b"], status="closed", category="running_away")
    body = client.get("/admin/duty/incidents/?status=closed").content.decode()
    assert f"/incidents/{closed.pk}/" in body and f"/incidents/{world['inc_a'].pk}/" not in body
    body = client.get("/admin/duty/incidents/?category=running_away").content.decode()
    assert f"/incidents/{closed.pk}/" in body and f"/incidents/{world['inc_b'].pk}/" not in body
    body = client.get(f"/admin/duty/incidents/?school={world['a'].pk}").content.decode()
    assert (
        f"/incidents/{world['inc_a'].pk}/" in body
        and f"/incidents/{world['inc_b'].pk}/" not in body
    )
    # inc_a was discovered an hour ago with no phone report: overdue; inc_b 10 minutes ago: not.
    body = client.get("/admin/duty/incidents/?overdue=phone").content.decode()
    assert (
        f"/incidents/{world['inc_a'].pk}/" in body
        and f"/incidents/{world['inc_b'].pk}/" not in body
    )
    assert "已逾期" in body
    body = client.get("/admin/duty/incidents/?overdue=written").content.decode()
    assert f"/incidents/{world['inc_a'].pk}/" not in body


def test_inbox_school_filter_cannot_reach_another_school(client, world):
    login(client, Role.SCHOOL_LEADER, world["a"])
    body = client.get(f"/admin/duty/incidents/?school={world['b'].pk}").content.decode()
    assert f"/incidents/{world['inc_b'].pk}/" not in body


def _incidents(n):
    school = SchoolFactory()
    now = timezone.now()
    for i in range(n):
        inc = IncidentFactory(
            school=school, discovered_at=now - datetime.timedelta(minutes=5 * i + 1)
        )
        inc.students.set([StudentFactory(school_class__school=school)])
        if i % 2:
            IncidentEntry.objects.create(
                incident=inc,
                kind="phone",
                happened_at=inc.discovered_at,
                entered_by=inc.reporter,
                content="x",
            )


def test_inbox_query_count_does_not_grow_with_incidents(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, Role.BUREAU_ADMIN)
    _incidents(5)
    client.get("/admin/duty/incidents/")  # warm per-process caches (site, settings)
    with CaptureQueriesContext(connection) as five:
        assert client.get("/admin/duty/incidents/?status=open").status_code == 200
    _incidents(45)
    assert IncidentReport.objects.count() == 50
    with django_assert_num_queries(len(five)):
        response = client.get("/admin/duty/incidents/?status=open")
    assert response.content.decode().count('class="duty-clock') == 2 * 50


def test_safety_checks_scoped(client, world):
    check_b = SafetyCheck.objects.create(
        school=world["b"],
        date=datetime.date(2025, 3, 1),
        inspector="市局安全科",
        items_checked="消防通道",
    )
    login(client, Role.SCHOOL_ADMIN, world["a"])
    assert client.get(f"/admin/duty/safety-checks/edit/{check_b.pk}/").status_code == 404
    response = client.post(
        "/admin/duty/safety-checks/new/",
        {
            "school": world["a"].pk,
            "date": "2025-03-02",
            "inspector": "校安全办",
            "items_checked": "心理辅导室门窗\n宿舍消防器材",
            "problems_found": "宿舍二楼灭火器过期",
            "fix_deadline": "",
            "status": "ok",
        },
    )
    assert response.status_code == 200  # redisplayed with errors
    body = response.content.decode()
    assert "发现问题时必须填写整改期限。" in body
    assert not SafetyCheck.objects.filter(school=world["a"]).exists()
    response = client.post(
        "/admin/duty/safety-checks/new/",
        {
            "school": world["a"].pk,
            "date": "2025-03-02",
            "inspector": "校安全办",
            "items_checked": "宿舍消防器材",
            "problems_found": "宿舍二楼灭火器过期",
            "fix_deadline": "2025-03-09",
            "status": "fixing",
        },
    )
    assert response.status_code == 302
    listing = client.get("/admin/duty/safety-checks/").content.decode()
    assert "校安全办" in listing and "市局安全科" not in listing


def test_auditor_cannot_change_safety_checks_or_roster(client, world):
    row = DutyAssignmentFactory(
        school=world["a"], person=make_member(Role.SCHOOL_LEADER, school=world["a"])
    )
    login(client, Role.BUREAU_AUDITOR)
    assert client.get("/admin/duty/safety-checks/").status_code == 200
    assert client.get("/admin/duty/safety-checks/new/").status_code in (302, 403)
    assert client.get(f"/admin/duty/roster/rows/edit/{row.pk}/").status_code in (302, 403, 404)
    assert client.get("/admin/duty/roster/import/").status_code == 403


def _rows(world):
    from duty.models import DutyRotationSlot

    leader_b = make_member(Role.SCHOOL_LEADER, school=world["b"])
    return {
        "roster/rows": DutyAssignmentFactory(school=world["b"], person=leader_b),
        "roster/rotation": DutyRotationSlot.objects.create(
            school=world["b"], weekday=0, duty_role="leader", person=leader_b
        ),
        "safety-checks": SafetyCheck.objects.create(
            school=world["b"],
            date=datetime.date(2025, 3, 1),
            inspector="乙校安全办",
            items_checked="门卫",
        ),
    }


@pytest.mark.parametrize("prefix", ["roster/rows", "roster/rotation", "safety-checks"])
def test_viewset_matrix_own_other_bureau(client, world, prefix):
    """Another school's row: 404 on every object URL and absent from the listing; the bureau
    admin reaches it; the auditor reads but cannot change."""
    obj = _rows(world)[prefix]
    login(client, Role.SCHOOL_LEADER, world["a"])
    for action in ("edit", "delete", "inspect"):
        assert client.get(f"/admin/duty/{prefix}/{action}/{obj.pk}/").status_code == 404
    assert f"/{obj.pk}/" not in client.get(f"/admin/duty/{prefix}/").content.decode()
    client.logout()
    login(client, Role.BUREAU_ADMIN)
    assert client.get(f"/admin/duty/{prefix}/edit/{obj.pk}/").status_code == 200
    assert f"/edit/{obj.pk}/" in client.get(f"/admin/duty/{prefix}/").content.decode()
    client.logout()
    login(client, Role.BUREAU_AUDITOR)
    assert client.get(f"/admin/duty/{prefix}/inspect/{obj.pk}/").status_code == 200
    assert client.get(f"/admin/duty/{prefix}/edit/{obj.pk}/").status_code != 200
    assert client.post(f"/admin/duty/{prefix}/delete/{obj.pk}/").status_code != 200
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_roster_form_names_the_outsider(client, world):
    leader = login(client, Role.SCHOOL_LEADER, world["a"])
    outsider = make_member(Role.TEACHER, school=world["b"])
    outsider.real_name = "乙校老师"
    outsider.save()
    from duty.forms import DutyAssignmentForm

    form = DutyAssignmentForm(
        data={
            "school": world["a"].pk,
            "date": "2025-03-03",
            "duty_role": "cadre",
            "person": outsider.pk,
            "phone": "1300000",
        },
        for_user=make_member(Role.BUREAU_ADMIN),
    )
    assert not form.is_valid()
    assert form.errors["person"] == ["乙校老师 不是甲校的在岗教职工。"]
    assert leader


def test_notices_are_personal(client, world):
    from duty.models import DutyNotice

    a = login(client, Role.SCHOOL_LEADER, world["a"])
    other = make_member(Role.SCHOOL_LEADER, school=world["b"])
    mine = DutyNotice.objects.create(recipient=a, incident=world["inc_a"], message="甲校提醒")
    theirs = DutyNotice.objects.create(recipient=other, incident=world["inc_b"], message="乙校提醒")
    body = client.get("/admin/duty/notices/").content.decode()
    assert "甲校提醒" in body and "乙校提醒" not in body
    client.post(f"/admin/duty/notices/{theirs.pk}/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(f"/admin/duty/notices/{mine.pk}/read/")
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_edit_form_logs_student_access(client, world):
    login(client, Role.SCHOOL_LEADER, world["a"])
    client.get(f"/admin/duty/incidents/{world['inc_a'].pk}/edit/")
    assert AccessLog.objects.filter(
        action="incident-edit", object_id=str(world["student"].pk)
    ).exists()
