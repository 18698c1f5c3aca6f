"""The incident record as the source describes it: crises apart from accidents, the time
parents were contacted, the duty leader's arrival, police involvement and guidance, and
attachments on the written and final reports (stored privately, served after a scope check)."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from duty.models import CRISIS_CATEGORIES, EntryKind, IncidentCategory, category_group
from duty.services import incident_create, incident_entry_add, incident_update
from schools.models import AccessLog
from schools.vocab import Role
from tests.csrf import form_token
from tests.factories import SchoolFactory, make_member

pytestmark = pytest.mark.django_db


def test_crises_are_the_five_categories_the_source_names():
    assert CRISIS_CATEGORIES == {
        IncidentCategory.SELF_HARM,
        IncidentCategory.SUICIDE_ATTEMPT,
        IncidentCategory.HARM_TO_OTHERS,
        IncidentCategory.RUNNING_AWAY,
        IncidentCategory.BULLYING,
    }
    assert category_group(IncidentCategory.ACCIDENT) == "other"
    assert category_group(IncidentCategory.PROPERTY_DAMAGE) == "other"
    assert category_group(IncidentCategory.BULLYING) == "crisis"


@pytest.fixture
def school_people():
    school = SchoolFactory(name="南山中学")
    return (
        school,
        make_member(Role.SCHOOL_LEADER, school=school),
        make_member(Role.TEACHER, school=school),
    )


def _incident(school, leader, **extra):
    now = timezone.now()
    return incident_create(
        user=leader,
        school=school,
        category=IncidentCategory.SELF_HARM,
        occurred_at=now - datetime.timedelta(hours=2),
        discovered_at=now - datetime.timedelta(hours=1, minutes=50),
        place="宿舍",
        first_facts="学生在宿舍用小刀划伤手臂，已送医。",
        **extra,
    )


def test_the_record_keeps_parents_arrival_and_police(school_people):
    school, leader, _ = school_people
    now = timezone.now()
    incident = _incident(
        school,
        leader,
        parents_contacted_at=now - datetime.timedelta(hours=1, minutes=30),
        leader_arrived_at=now - datetime.timedelta(hours=1, minutes=40),
        police_involved=True,
        police_guidance="派出所民警到场，建议保留现场监控。",
    )
    assert incident.police_involved and incident.parents_contacted_at
    # Guidance without police, or a time before the incident, is refused with the field named.
    with pytest.raises(ValidationError) as refused:
        _incident(school, leader, police_guidance="电话指导")
    assert "police_involved" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _incident(school, leader, leader_arrived_at=now - datetime.timedelta(hours=5))
    assert refused.value.message_dict["leader_arrived_at"] == [
        "带班领导到场时间不能早于事件发生时间。"
    ]
    # An edit of the new fields is a revision like any other.
    updated = incident_update(
        incident_id=incident.pk,
        user=leader,
        expected_version=incident.version,
        data={"police_involved": False, "police_guidance": ""},
    )
    [revision] = updated.revisions.all()
    fields = {c["field"]: (c["old"], c["new"]) for c in revision.changes}
    assert fields["公安介入"] == ("是", "否")


def test_attachments_on_written_and_final_reports_are_private(school_people):
    school, leader, teacher = school_people
    incident = _incident(school, leader)
    now = timezone.now()
    pdf = SimpleUploadedFile("书面报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        incident_entry_add(
            incident=incident,
            user=leader,
            kind=EntryKind.FOLLOW_UP,
            happened_at=now,
            content="续报",
            attachment=pdf,
        )
    assert refused.value.message_dict["attachment"] == ["只有书面报告和终结报告可以附加文件。"]
    with pytest.raises(ValidationError) as mislabelled:  # the one attachment rule: content
        incident_entry_add(
            incident=incident,
            user=leader,
            kind=EntryKind.WRITTEN,
            happened_at=now,
            content="书面报告",
            attachment=SimpleUploadedFile("书面报告.pdf", b"MZ\x90 not a pdf"),
        )
    assert "内容与扩展名 .pdf 不符" in mislabelled.value.message_dict["attachment"][0]
    entry = incident_entry_add(
        incident=incident,
        user=leader,
        kind=EntryKind.WRITTEN,
        happened_at=now,
        content="书面报告已盖章报送。",
        attachment=SimpleUploadedFile("书面报告.pdf", b"%PDF-1.4 report"),
    )
    stored = Path(entry.attachment.path)
    assert stored.read_bytes() == b"%PDF-1.4 report"
    assert Path(settings.PRIVATE_MEDIA_ROOT) in stored.parents
    assert Path(settings.MEDIA_ROOT) not in stored.parents
    url = reverse("duty_admin:entry_attachment", args=[entry.pk])
    client = Client()
    client.force_login(leader)
    detail = client.get(reverse("duty_admin:incident_detail", args=[incident.pk])).content.decode()
    assert url in detail and "书面报告.pdf" in detail
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 report"
    assert "no-store" in response["Cache-Control"]
    assert AccessLog.objects.filter(
        action="download", object_type="duty.incidententry", object_id=str(entry.pk)
    ).exists()
    # Outside the incident's scope: a plain teacher (no back office: the admin login) and
    # another school's leader (the logged 404) — neither gets the file.
    client.force_login(teacher)
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(make_member(Role.SCHOOL_LEADER, school=SchoolFactory()))
    assert client.get(url).status_code == 404
    assert AccessLog.objects.filter(
        allowed=False, object_type="duty.incidententry", object_id=str(entry.pk)
    ).exists()


def test_the_entry_form_uploads_the_attachment(school_people):
    school, leader, _ = school_people
    incident = _incident(school, leader)
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    page = client.get(reverse("duty_admin:incident_detail", args=[incident.pk]))
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(
        reverse("duty_admin:entry_add", args=[incident.pk]),
        {
            "csrfmiddlewaretoken": form_token(page),
            "kind": EntryKind.WRITTEN,
            "happened_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "content": "书面报告",
            "attachment": SimpleUploadedFile("报告.docx", b"PK\x03\x04 docx body"),
        },
    )
    assert response.status_code == 302
    entry = incident.entries.get(kind=EntryKind.WRITTEN)
    assert entry.attachment_name == "报告.docx"
