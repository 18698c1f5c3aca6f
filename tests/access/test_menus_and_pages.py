"""Every back-office page that carries a capability, for every kind of user: menu shown ⇔ page
opens (200); otherwise one 403 page with an access-log line. Plus the drifts the capability
issue named, each with a test."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.admin.menu import SubmenuMenuItem

from schools import access
from schools.backoffice import FORBIDDEN_TEMPLATE, CapabilityMenuItem
from schools.models import AccessLog

USERS = [
    "school_admin",
    "school_leader",
    "grade_leader",
    "psych_teacher",
    "class_teacher",
    "teacher",
    "bureau_admin",
    "bureau_auditor",
    "superuser",
    "case_member",
    "nobody",
]


def _walk(items):
    for item in items:
        if isinstance(item, SubmenuMenuItem):
            yield from _walk(item.menu.registered_menu_items)
        else:
            yield item


def capability_menu_items() -> list[CapabilityMenuItem]:
    """Every menu entry, made afresh from the hooks once every admin URL (and so every
    viewset and its menu group) is registered: Wagtail caches its own menus on first use."""
    from wagtail import hooks

    get_resolver().url_patterns  # noqa: B018 - registers the admin viewsets and their menus
    items = [fn() for fn in hooks.get_hooks("register_admin_menu_item")]
    items += [fn() for fn in hooks.get_hooks("register_settings_menu_item")]
    return [i for i in _walk(items) if isinstance(i, CapabilityMenuItem)]


def _patterns(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def capability_views() -> list[tuple[str, str]]:
    """(path, capability) of every view declared with ``capability_view`` whose URL takes no
    argument (pages with an id are covered by the scoped-lookup tests)."""
    found = []
    for route, callback in _patterns(get_resolver()):
        cap = getattr(callback, "capability", None)
        if cap and "<" not in route and "(?P" not in route:
            path = "/" + route.lstrip("^").rstrip("$")
            found.append((path.replace("\\", ""), cap))
    return sorted(set(found))


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


def _denied_lines(user):
    return AccessLog.objects.filter(user=user, allowed=False).count()


@pytest.fixture
def who(request, world, home):
    return world.user(request.param)


def test_the_walk_finds_the_menus():
    caps = {i.capability for i in capability_menu_items()}
    # one entry at least from each converted area
    for cap in [
        "screening.warning.read",
        "duty.incident.read",
        "oversight.dashboard.read",
        "courses.ledger.read",
        "courses.lesson.coverage",
        "schools.records.write",
    ]:
        assert cap in caps, cap


def test_every_menu_entry_asks_its_views_capability():
    """A menu entry's URL resolves to a view that requires the very capability it asks."""
    from django.urls import resolve

    checked = 0
    for item in capability_menu_items():
        match = resolve(str(item.url).split("?")[0])
        cap = getattr(match.func, "capability", None) or getattr(
            getattr(match.func, "view_class", None), "capability", None
        )
        if cap is None:
            continue  # a Wagtail model viewset: its permission policy asks the same capability
        assert cap == item.capability, (item.label, cap, item.capability)
        checked += 1
    assert checked >= 15


def _assert_denied(who, response, before, where, path):
    """Refused: the one 403 page with one denial line; or, for someone with no back office at
    all, Wagtail's admin gate (to the sign-in page), which logs a line for the URLs of
    students' and incidents' records (``RECORDS_ADMIN_PREFIXES``)."""
    from django.conf import settings

    if access.can(user=who, cap="portal.backoffice") or not path.startswith("/admin/"):
        assert response.status_code == 403, (where, response.status_code)
        assert FORBIDDEN_TEMPLATE in [t.name for t in response.templates], where
        assert "no-store" in response.headers["Cache-Control"], where
        assert _denied_lines(who) == before + 1, where
    else:
        assert response.status_code == 302, (where, response.status_code)
        assert response["Location"].startswith("/admin/login/"), where
        logged = 1 if path.startswith(settings.RECORDS_ADMIN_PREFIXES) else 0
        assert _denied_lines(who) == before + logged, where


@pytest.mark.parametrize("who", USERS, indirect=True)
def test_menu_shown_iff_page_opens(who, rf):
    client = _client_for(who)
    request = rf.get("/admin/")
    request.user = who
    for item in capability_menu_items():
        url = str(item.url)
        shown = item.is_shown(request)
        before = _denied_lines(who)
        response = client.get(url)
        if shown:
            assert response.status_code == 200, (item.label, url, response.status_code)
        else:
            _assert_denied(who, response, before, (item.label, url), url)


@pytest.mark.parametrize("who", USERS, indirect=True)
def test_capability_views_answer_as_the_table_says(who):
    client = _client_for(who)
    back_office = access.can(user=who, cap="portal.backoffice")
    for path, cap in capability_views():
        if path.endswith((".csv", ".xlsx")) or "export" in path:
            continue  # downloads: covered by each app's export tests
        allowed = access.can(user=who, cap=cap) and (back_office or not path.startswith("/admin/"))
        before = _denied_lines(who)
        response = client.get(path)
        if allowed:
            assert response.status_code in (200, 302, 405), (path, cap, response.status_code)
        else:
            _assert_denied(who, response, before, (path, cap), path)


# --- the drifts named in the issue --------------------------------------------------------


def test_counselling_group_member_sees_warnings_menu_and_page(world, home, rf):
    """Drift 1: the view allowed counselling-group members, the menu predicate hid it."""
    user = world.case_member
    request = rf.get("/admin/")
    request.user = user
    item = next(i for i in capability_menu_items() if i.capability == "screening.warning.read")
    assert item.is_shown(request)
    response = _client_for(user).get(str(item.url))
    assert response.status_code == 200
    # …and the list holds their case only
    from screening.selectors import warnings_for

    assert set(warnings_for(user=user).values_list("student_id", flat=True)) <= {world.own.pk}


def test_bureau_admin_reaches_licensed_instruments(world, home, rf):
    """Drift 2: the bureau admin could write licensed instruments but no menu led there."""
    user = world.user("bureau_admin")
    request = rf.get("/admin/")
    request.user = user
    item = next(i for i in capability_menu_items() if i.capability == "screening.instrument.read")
    assert item.is_shown(request)
    assert _client_for(user).get(str(item.url)).status_code == 200
    assert access.can(user=user, cap="screening.instrument.write")


def test_one_403_page_for_every_area(world, home):
    """Drift 3: three different 403 pages. Every converted area answers with the one page."""
    teacher_like = world.user("class_teacher")
    client = _client_for(teacher_like)
    paths = [
        "/admin/screening/figures/",  # screening
        "/admin/duty/roster/generate/",  # duty
        "/admin/oversight/dashboard/",  # oversight
        "/admin/training/ledger/",  # training
        "/admin/lessons/coverage/",  # lessons
        "/admin/schools/import/",  # schools
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 403, path
        assert FORBIDDEN_TEMPLATE in [t.name for t in response.templates], path


def test_superuser_is_the_bureau_admin(world):
    """One superuser rule: whatever the bureau admin holds, and no student records."""
    root, admin = world.superuser, world.user("bureau_admin")
    for name in access.CAPABILITIES:
        assert access.can(user=root, cap=name) == access.bureau_covers(user=admin, cap=name), name
    from schools.selectors import students_visible_to

    assert not students_visible_to(user=root).exists()
