"""Public search terms and their counts are for promotion editors only (issue 12, item 9)."""

import pytest
from django.contrib.auth.models import Permission
from wagtail.contrib.search_promotions.models import Query

from schools.vocab import Role
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        return response.json()["html"]
    return response.content.decode()


URLS = ["/admin/searchpicks/queries/chooser/", "/admin/searchpicks/queries/chooser/results/"]


@pytest.fixture
def terms():
    query = Query.get("抑郁 孩子 怎么办")
    query.add_hit()
    return query


@pytest.mark.parametrize("role", [Role.SCHOOL_ADMIN, Role.PSYCH_TEACHER, Role.BUREAU_AUDITOR])
@pytest.mark.parametrize("url", URLS)
def test_other_back_office_users_are_refused(client, terms, role, url):
    client.force_login(make_member(role))
    response = client.get(url)
    assert response.status_code in (302, 403)
    assert "抑郁 孩子 怎么办" not in _text(response)


@pytest.mark.parametrize("url", URLS)
def test_an_editor_of_promotions_sees_the_terms(client, terms, url):
    editor = make_member(Role.SCHOOL_ADMIN)
    editor.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailsearchpromotions", codename="add_searchpromotion"
        )
    )
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    assert "抑郁 孩子 怎么办" in _text(response)
