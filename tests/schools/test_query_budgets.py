"""Back-office pages ask the user's roles many times a request (menus of every app, the
permission policies, the dashboard panels); the answers come from one memberships query
and per-request memos, so the SQL cost of a page stays small and constant."""

import collections
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools import selectors
from schools.models import Membership, School
from schools.viewsets import PredicateMenuItem
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member

pytestmark = pytest.mark.django_db

PAGES = {
    "dashboard": "wagtailadmin_home",
    "schools": "schools_school:index",
    "staff": "schools_staff:index",
    "students": "schools_student:index",
    "classes": "schools_class:index",
}

# Measured on this branch (session, user, Django and Wagtail permissions, locale, the
# memberships once, each app's dashboard panel, the listing itself). Before the role answers
# were memoised the same pages cost 43/31/31/32/31 (school admin), 30/19/19/20/19
# (psychology teacher) and 41/27/27/28/27 (bureau admin) queries; with the memos but before
# the courses and screening menus, their school lists and the oversight dashboard's school
# list used the shared scope helpers (PredicateMenuItem, school_scope), 34/22/22/23/22,
# 29/18/18/19/18 and 34/20/20/21/20. Listing students writes its access-log line (one more).
# Every back-office page counts the user's unread messages once (the bell); the dashboard
# adds the 待办 providers (a fixed number of counts each, never one per row).
BUDGETS = {
    "school_admin": {"dashboard": 36, "schools": 17, "staff": 17, "students": 19, "classes": 17},
    "psych_teacher": {"dashboard": 34, "schools": 17, "staff": 17, "students": 19, "classes": 17},
    # The bureau sees students only as counts: no student list (tests/schools/test_bureau_students).
    "bureau_admin": {"dashboard": 34, "schools": 17, "staff": 17, "classes": 17},
}


def _statements(ctx):
    return [re.sub(r"\d+", "N", q["sql"]) for q in ctx.captured_queries]


def _roles_statement(user):
    """The SQL of ``memberships_of`` (asked on a fresh copy of the user)."""
    fresh = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as ctx:
        selectors.memberships_of(user=fresh)
    (statement,) = _statements(ctx)
    return statement


@pytest.mark.parametrize("role", sorted(BUDGETS))
@pytest.mark.parametrize("page", sorted(PAGES))
def test_back_office_page_query_budget(world, home, client, role, page):
    if page not in BUDGETS[role]:
        client.force_login(world.users[role])
        assert client.get(reverse(PAGES[page])).status_code == 403
        return
    client.force_login(world.users[role])
    url = reverse(PAGES[page])
    client.get(url)  # warm the content-type and site caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    statements = _statements(ctx)
    assert len(statements) <= BUDGETS[role][page], "\n".join(statements)
    # The roles are read once a request, however many menus and policies ask.
    assert statements.count(_roles_statement(world.users[role])) == 1


@pytest.mark.parametrize("role", sorted(BUDGETS))
def test_role_questions_are_not_repeated_in_a_request(world, home, client, role):
    """Memberships and the duty menu's roster question are each asked once a request."""
    client.force_login(world.users[role])
    client.get(reverse("schools_student:index"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("schools_student:index"))
    counts = collections.Counter(_statements(ctx))
    repeated = {
        s: n
        for s, n in counts.items()
        if n > 1 and ('"schools_membership"' in s or '"duty_dutyassignment"' in s)
    }
    assert not repeated


# --- the memo and the scopes ------------------------------------------------------------------


def test_scope_exists_is_answered_from_the_memberships(world, django_assert_num_queries):
    user = world.users["school_admin"]
    selectors.memberships_of(user=user)
    with django_assert_num_queries(0):
        assert selectors.schools_managed_by(user=user).exists()
        assert selectors.schools_readable_by(user=user).exists()
    teacher = world.users["teacher"]
    selectors.memberships_of(user=teacher)
    with django_assert_num_queries(0):
        assert not selectors.schools_managed_by(user=teacher).exists()
        assert selectors.schools_for(user=teacher).exists()


def test_a_filtered_scope_asks_the_database(world, django_assert_num_queries):
    user = world.users["school_admin"]
    selectors.memberships_of(user=user)
    with django_assert_num_queries(1):
        assert not selectors.schools_managed_by(user=user).filter(pk=world.b.pk).exists()
    with django_assert_num_queries(1):
        assert selectors.schools_managed_by(user=user).filter(pk=world.a.pk).exists()
    assert list(selectors.schools_managed_by(user=user)) == [world.a]


def test_bureau_scope_asks_once_a_request(world, django_assert_num_queries):
    user = world.users["bureau_admin"]
    selectors.memberships_of(user=user)
    with django_assert_num_queries(1):
        for _ in range(5):
            assert selectors.schools_managed_by(user=user).exists()
            assert selectors.schools_for(user=user).exists()
    assert selectors.schools_for(user=user).count() == 2


def test_bureau_scope_without_schools_is_empty(db):
    user = make_member(Role.BUREAU_ADMIN)
    assert not School.objects.exists()
    assert not selectors.schools_managed_by(user=user).exists()


def test_memo_forgotten_with_the_memberships(world):
    """A role given within the same request (or test) is seen after forget_memberships."""
    user = world.users["teacher"]
    assert not selectors.schools_managed_by(user=user).exists()
    assert selectors.user_memo(user=user, key="k", compute=lambda: 1) == 1
    assert selectors.user_memo(user=user, key="k", compute=lambda: 2) == 1
    Membership.objects.create(user=user, school=world.b, role=Role.SCHOOL_ADMIN)
    selectors.forget_memberships(user=user)
    assert selectors.user_memo(user=user, key="k", compute=lambda: 2) == 2
    assert list(selectors.schools_managed_by(user=user)) == [world.b]


def test_membership_sync_forgets_what_the_user_object_remembered(db):
    from schools.services import membership_save

    school = SchoolFactory()
    user = make_member(Role.TEACHER, school)
    assert not selectors.may_manage_school_records(user=user)
    membership_save(membership=Membership(user=user, school=school, role=Role.SCHOOL_ADMIN))
    assert selectors.may_manage_school_records(user=user)
    assert selectors.schools_managed_by(user=user).exists()


def test_predicate_menu_item_asks_once_a_request(world, rf):
    calls = []

    def predicate(*, user):
        calls.append(user)
        return True

    first = PredicateMenuItem("甲", "/a/", predicate=predicate)
    second = PredicateMenuItem("乙", "/b/", predicate=predicate)
    request = rf.get("/admin/")
    request.user = world.users["school_admin"]
    assert first.is_shown(request) and second.is_shown(request) and first.is_shown(request)
    assert len(calls) == 1
    # The next request has its own user object, so the question is asked again.
    request.user = type(request.user).objects.get(pk=request.user.pk)
    assert first.is_shown(request)
    assert len(calls) == 2
