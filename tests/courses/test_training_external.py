import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import ExternalTraining, HoursEntry
from courses.training import services as svc
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member

pytestmark = pytest.mark.django_db


def _pdf():
    return SimpleUploadedFile("cert.pdf", b"%PDF-1.4 test", content_type="application/pdf")


@pytest.fixture
def people(db):
    school = SchoolFactory()
    return {
        "teacher": make_member(Role.TEACHER, school=school),
        "admin": make_member(Role.SCHOOL_ADMIN, school=school),
        "other_admin": make_member(Role.SCHOOL_ADMIN),
    }


def _submit(teacher, hours="4"):
    return svc.external_submit(
        teacher=teacher,
        title="中小学心理健康教育专题研修",
        provider="国家智慧教育公共服务平台",
        completed_on=datetime.date.today() - datetime.timedelta(days=3),
        hours=hours,
        evidence=_pdf(),
    )


def test_zero_or_negative_hours_refused(people):
    for hours in ("0", "-2", "abc"):
        with pytest.raises(ValidationError):
            _submit(people["teacher"], hours=hours)
    assert not ExternalTraining.objects.exists()


def test_approval_credits_hours_once(people):
    submission = _submit(people["teacher"])
    assert submission.status == ExternalTraining.Status.PENDING
    svc.external_decide(submission=submission, user=people["admin"], approve=True)
    entry = HoursEntry.objects.get()
    assert entry.teacher == people["teacher"] and entry.hours == Decimal("4")
    assert entry.source == HoursEntry.Source.EXTERNAL
    with pytest.raises(ValidationError, match="已经审核过"):
        svc.external_decide(submission=submission, user=people["admin"], approve=True)
    assert HoursEntry.objects.count() == 1


def test_rejection_needs_reason_and_credits_nothing(people):
    submission = _submit(people["teacher"])
    with pytest.raises(ValidationError, match="原因"):
        svc.external_decide(submission=submission, user=people["admin"], approve=False)
    svc.external_decide(
        submission=submission, user=people["admin"], approve=False, reason="证书与申报不符"
    )
    submission.refresh_from_db()
    assert submission.status == ExternalTraining.Status.REJECTED
    assert not HoursEntry.objects.exists()


def test_other_school_cannot_decide_or_see(client, people):
    submission = _submit(people["teacher"])
    with pytest.raises(ValidationError, match="其他学校"):
        svc.external_decide(submission=submission, user=people["other_admin"], approve=True)
    client.force_login(people["other_admin"])
    listing = client.get("/admin/training/external/")
    assert listing.status_code == 200 and submission.title not in listing.content.decode()
    response = client.post(
        f"/admin/training/external/{submission.pk}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 404
    assert client.get(f"/me/training/external/{submission.pk}/evidence/").status_code == 404
    assert not HoursEntry.objects.exists()


def test_submit_and_approve_through_pages(client, people):
    client.force_login(people["teacher"])
    response = client.post(
        "/me/training/external/new/",
        {
            "title": "家庭教育指导专题",
            "provider": "国家智慧教育公共服务平台",
            "completed_on": "2024-05-01",
            "hours": "2.5",
            "evidence": _pdf(),
        },
    )
    assert response.status_code == 302
    submission = ExternalTraining.objects.get()
    assert client.get(f"/me/training/external/{submission.pk}/evidence/").status_code == 200
    client.force_login(people["admin"])
    assert submission.title in client.get("/admin/training/external/").content.decode()
    client.post(f"/admin/training/external/{submission.pk}/decide/", {"decision": "approve"})
    assert HoursEntry.objects.get().hours == Decimal("2.5")


def test_teacher_is_told_of_each_decision_in_the_learner_area(
    people, client, django_capture_on_commit_callbacks
):
    from django.core import mail

    from accounts.models import Notification

    teacher = people["teacher"]
    teacher.email = "t@example.cn"
    teacher.save()
    approved = _submit(teacher)
    rejected = _submit(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        svc.external_decide(submission=approved, user=people["admin"], approve=True)
        svc.external_decide(
            submission=rejected, user=people["admin"], approve=False, reason="证明材料看不清"
        )
    titles = list(
        Notification.objects.filter(recipient=teacher).order_by("pk").values_list("title", "body")
    )
    assert titles[0][0].startswith("校外培训申报已通过") and "4" in titles[0][1]
    assert titles[1][0].startswith("校外培训申报未通过") and "证明材料看不清" in titles[1][1]
    # Nobody else is told.
    assert not Notification.objects.exclude(recipient=teacher).exists()
    # The teacher sees the unread count on /me/ and the messages in the list.
    client.force_login(teacher)
    assert "2 条未读" in client.get("/me/").content.decode()
    page = client.get("/me/notifications/").content.decode()
    assert "证明材料看不清" in page
    # E-mail goes out too, once the decision has committed (an address is on file).
    assert [m.to for m in mail.outbox] == [["t@example.cn"], ["t@example.cn"]]
    assert "证明材料看不清" in mail.outbox[1].body


def test_no_notification_when_a_decision_is_refused(people):
    from accounts.models import Notification

    submission = _submit(people["teacher"])
    with pytest.raises(ValidationError):
        svc.external_decide(submission=submission, user=people["other_admin"], approve=True)
    assert not Notification.objects.exists()
