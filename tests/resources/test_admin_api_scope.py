"""The back office's API lists documents and images by collection permission (issue 12, 8)."""

import pytest
from django.core.files.base import ContentFile
from wagtail.models import Collection

from resources.models import XinyuImage
from resources.services import school_collection_ensure, school_editors_sync
from resources.vocab import ResourceType
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member
from tests.portal.test_media_traversal import _png
from tests.resources.factories import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_schools():
    ours, theirs = SchoolFactory(name="青禾实验学校"), SchoolFactory(name="远山中学")
    docs = {}
    for school, key in ((ours, "ours"), (theirs, "theirs")):
        docs[key] = make_document(
            title=f"{school.name}内部工作计划",
            resource_type=ResourceType.OTHER,
            school=school,
            listed=False,
            collection=school_collection_ensure(school=school),
        )
    admin = make_member(Role.SCHOOL_ADMIN, school=ours)
    school_editors_sync(user=admin)
    return {"ours": ours, "theirs": theirs, "docs": docs, "admin": admin}


def _titles(client, endpoint):
    response = client.get(f"/admin/api/main/{endpoint}/?fields=title&limit=20")
    assert response.status_code == 200, response.content[:500]
    return {item["title"] for item in response.json()["items"]}


def test_a_school_admin_lists_only_documents_they_may_manage(client, two_schools):
    client.force_login(two_schools["admin"])
    titles = _titles(client, "documents")
    assert "青禾实验学校内部工作计划" in titles
    assert "远山中学内部工作计划" not in titles
    theirs = two_schools["docs"]["theirs"]
    assert client.get(f"/admin/api/main/documents/{theirs.pk}/").status_code == 404


def test_a_back_office_user_without_collection_permissions_lists_nothing(client, two_schools):
    psych = make_member(Role.PSYCH_TEACHER, school=two_schools["ours"])
    client.force_login(psych)
    assert _titles(client, "documents") == set()


def test_the_bureau_editor_lists_every_document(client, two_schools):
    client.force_login(make_member(Role.BUREAU_ADMIN))
    assert {"青禾实验学校内部工作计划", "远山中学内部工作计划"} <= _titles(client, "documents")


def test_images_are_scoped_and_carry_no_private_file_url(client, two_schools):
    hidden = Collection.get_first_root_node().add_child(name="别处的图片")
    XinyuImage.objects.create(
        title="别处的海报",
        file=ContentFile(_png(), name="p.png"),
        width=40,
        height=30,
        collection=hidden,
    )
    client.force_login(make_member(Role.BUREAU_ADMIN))
    response = client.get("/admin/api/main/images/?limit=20")
    assert response.status_code == 200
    assert [item["title"] for item in response.json()["items"]] == ["别处的海报"]
    assert "download_url" not in str(response.json())
    client.force_login(two_schools["admin"])
    assert _titles(client, "images") == set()
