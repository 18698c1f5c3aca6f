"""The policy sub-type of documents (R-5): set by schools when uploading, required on a
school's own policy documents, and given to existing rows by the data migration."""

import importlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Collection

from resources.models import XinyuDocument
from resources.services import school_collection_ensure, school_editors_sync
from resources.vocab import PolicyKind, ResourceType
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member
from tests.resources.factories import docx_bytes

pytestmark = pytest.mark.django_db


def _upload(client, **data):
    return client.post(
        "/admin/documents/add/",
        {
            "file": SimpleUploadedFile("plan.docx", docx_bytes()),
            "stages": ["junior"],
            "audience": "public",
            "resource_type": ResourceType.POLICY,
            **data,
        },
    )


def test_school_admin_uploads_its_work_plan_with_a_kind(client):
    school, other = SchoolFactory(name="青禾实验学校"), SchoolFactory(name="远山中学")
    admin = make_member(Role.SCHOOL_ADMIN, school=school)
    school_editors_sync(user=admin)
    collection = school_collection_ensure(school=school)
    client.force_login(admin)
    form = client.get("/admin/documents/add/").content.decode()
    assert "文件类别" in form and "青禾实验学校" in form and "远山中学" not in form

    response = _upload(client, title="本学年工作安排", collection=collection.pk, school=school.pk)
    assert response.status_code == 200
    assert "学校的政策文件请选择类别" in response.content.decode()
    assert not XinyuDocument.objects.exists()

    response = _upload(
        client,
        title="本学年工作安排",
        collection=collection.pk,
        school=other.pk,
        policy_kind=PolicyKind.WORK_PLAN,
    )
    assert response.status_code == 200 and not XinyuDocument.objects.exists()  # not theirs

    response = _upload(
        client,
        title="本学年工作安排",
        collection=collection.pk,
        school=school.pk,
        policy_kind=PolicyKind.WORK_PLAN,
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    doc = XinyuDocument.objects.get()
    assert doc.school == school and doc.policy_kind == PolicyKind.WORK_PLAN
    from oversight.figures import figure_get
    from schools.calendar import Period

    assert figure_get("work_plan_uploaded").compute(school=school, period=Period.school_year()) == 1


def test_kind_only_on_policy_documents(admin_client):
    response = _upload(
        admin_client,
        title="七年级课件",
        collection=Collection.get_first_root_node().pk,
        resource_type=ResourceType.SLIDES,
        policy_kind=PolicyKind.WORK_PLAN,
    )
    assert response.status_code == 200
    assert "只有资源类型为“政策文件”的文件才选择文件类别" in response.content.decode()
    # The bureau's own policy document needs no school and may go without a kind.
    response = _upload(
        admin_client, title="市局通知", collection=Collection.get_first_root_node().pk
    )
    assert response.status_code == 302


def test_data_migration_classifies_existing_documents_by_the_old_title_rule():
    migration = importlib.import_module("resources.migrations.0005_classify_policy_documents")
    school = SchoolFactory()

    def doc(title, resource_type=ResourceType.POLICY):
        return XinyuDocument.objects.create(
            title=title,
            school=school,
            resource_type=resource_type,
            file=ContentFile(b"x", name="f.pdf"),
        )

    rows = {
        "2026学年心理健康教育工作方案": PolicyKind.WORK_PLAN,
        "心理健康教育工作计划": PolicyKind.WORK_PLAN,
        "学生身心健康教育制度": PolicyKind.HEALTH_SYSTEM,
        "学生心理健康状况报告制度": PolicyKind.REPORT_SYSTEM,
        "心理辅导室值班安排": PolicyKind.OTHER,
    }
    made = {title: doc(title) for title in rows}
    lesson_plan = doc("教学计划", resource_type=ResourceType.LESSON_PLAN)
    migration.classify(apps, None)
    for title, kind in rows.items():
        made[title].refresh_from_db()
        assert made[title].policy_kind == kind, title
    lesson_plan.refresh_from_db()
    assert lesson_plan.policy_kind == ""
