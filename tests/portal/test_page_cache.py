"""The anonymous full-page cache (portal/cache.py): what is served from it, what never is,
and that an editor's publish is visible on the very next request.

CI runs this file twice: with the page cache in local memory and in Redis (REDIS_URL).
"""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction, Site

from portal.cache import page_cache_generation, page_cache_purge
from portal.models import PortalSettings, StandardPage
from schools.vocab import Role
from tests.courses.factories import curriculum_index, make_curriculum, make_lesson
from tests.factories import StudentFactory, make_member
from tests.resources.factories import (
    guide_index,
    make_document,
    make_guide,
    resource_index,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


def _queries(client, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    return response, len(ctx.captured_queries)


def _stored_entries() -> list[tuple]:
    """Every page stored in the current generation, whichever backend holds them."""
    store = caches["pages"]
    pattern = f"page:{page_cache_generation()}:"
    if isinstance(getattr(store, "_cache", None), dict):  # local memory
        return [pickle.loads(raw) for key, raw in store._cache.items() if pattern in key]
    client = store._cache.get_client()  # Redis: this test process's prefix only
    keys = client.scan_iter(match=f"{store.key_prefix}:*{pattern}*")
    return [store._cache._serializer.loads(client.get(key)) for key in keys]


@pytest.fixture
def site(home):
    """Home with a "latest" block over the parent-guide index, a guide and the library."""
    index = guide_index(home)
    guide = make_guide(index, title="孩子开学前焦虑怎么办", slug="first-day")
    library = resource_index(home)
    home.body = [("latest", {"heading": "最新家长指导", "parent": index, "count": 5})]
    home.save_revision().publish()
    return {"home": home, "index": index, "guide": guide, "library": library}


def _warm(client, *urls):
    for url in urls:
        assert client.get(url).status_code == 200
        response, n = _queries(client, url)
        assert response.status_code == 200 and n == 0, f"{url} was not served from the cache"


def test_second_anonymous_request_is_served_from_the_cache(client, site):
    url = site["guide"].url
    first, n_first = _queries(client, url)
    second, n_second = _queries(client, url)
    assert n_first > 0 and n_second == 0
    assert second.content == first.content
    assert "孩子开学前焦虑怎么办" in second.content.decode()


def test_cached_page_carries_the_same_headers_as_the_rendered_one(client, site):
    url = site["index"].url
    rendered = client.get(url)
    cached, n = _queries(client, url)
    assert n == 0
    assert dict(cached.headers) == dict(rendered.headers)
    for name in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
        "ETag",
        "Last-Modified",
    ):
        assert cached.has_header(name), name
    assert "'unsafe-inline'" not in cached["Content-Security-Policy"]
    assert cached["Cache-Control"] == "no-cache"
    assert "Set-Cookie" not in cached.headers and not cached.cookies


def test_publish_shows_on_the_page_its_index_and_the_home_page(client, site):
    urls = [site["guide"].url, site["index"].url, site["home"].url]
    _warm(client, *urls)
    guide = site["guide"]
    guide.title = "开学第一周：和孩子一起准备"
    guide.save_revision().publish()
    for url in urls:
        html = client.get(url).content.decode()
        assert "开学第一周：和孩子一起准备" in html, url
        assert "孩子开学前焦虑怎么办" not in html, url


def test_new_unpublished_moved_and_deleted_pages_show_at_once(client, site, home):
    index, home_url = site["index"], site["home"].url
    _warm(client, index.url, home_url)
    new = make_guide(index, title="考试前一晚睡不着", slug="exam-night")  # published
    for url in (index.url, home_url):
        assert "考试前一晚睡不着" in client.get(url).content.decode()

    _warm(client, index.url, home_url, new.url)
    new.unpublish()
    assert client.get(new.url).status_code == 404
    for url in (index.url, home_url):
        assert "考试前一晚睡不着" not in client.get(url).content.decode()

    new.save_revision().publish()
    other = StandardPage(title="家长学校", slug="school")
    home.add_child(instance=other)
    _warm(client, index.url, new.url)
    new.move(other, pos="last-child")
    assert "考试前一晚睡不着" not in client.get(index.url).content.decode()
    assert client.get(new.url).status_code == 301  # Wagtail's redirect to the new place

    _warm(client, site["guide"].url)
    site["guide"].delete()
    assert client.get(site["guide"].url).status_code == 404


def test_purge_waits_for_the_publishing_transaction_too(
    client, site, django_capture_on_commit_callbacks
):
    """A purge inside the publishing transaction is repeated once it commits."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page_cache_purge()
    before = page_cache_generation()
    for callback in callbacks:
        callback()
    assert page_cache_generation() != before


def test_document_change_shows_in_the_library(client, site):
    document = make_document(title="情绪小怪兽绘本教案")
    url = site["library"].url
    _warm(client, url)
    assert "情绪小怪兽绘本教案" in client.get(url).content.decode()
    document.title = "情绪小怪兽：一年级绘本课"
    document.save()
    html = client.get(url).content.decode()
    assert "情绪小怪兽：一年级绘本课" in html and "情绪小怪兽绘本教案" not in html
    document.delete()
    assert "情绪小怪兽" not in client.get(url).content.decode()


def test_site_settings_change_shows_in_every_footer(client, site):
    urls = [site["home"].url, site["guide"].url]
    _warm(client, *urls)
    portal = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    portal.counselling_hotline = "0000-9876543"
    portal.save()
    for url in urls:
        assert "0000-9876543" in client.get(url).content.decode()


def test_menu_follows_a_publish(client, site, home):
    _warm(client, site["guide"].url)
    page = StandardPage(title="关于心育", slug="about", show_in_menus=True, live=False)
    home.add_child(instance=page)
    page.save_revision().publish()
    assert 'href="/about/"' in client.get(site["guide"].url).content.decode()


def test_logged_in_teacher_never_gets_a_cached_page(client, site):
    url = site["guide"].url
    _warm(client, url)
    teacher = make_member(Role.TEACHER)
    client.force_login(teacher)
    response, n = _queries(client, url)
    html = response.content.decode()
    assert n > 0 and "我的学习" in html and "教师登录" not in html
    assert "ETag" not in response.headers
    client.logout()
    client.cookies.clear()
    html = client.get(url).content.decode()
    assert "教师登录" in html and "我的学习" not in html


def test_a_session_cookie_bypasses_the_cache(client, site):
    url = site["guide"].url
    _warm(client, url)
    client.cookies["sessionid"] = "not-a-real-session"
    _, n = _queries(client, url)
    assert n > 0


def test_share_tracking_parameters_share_the_entry_and_unknown_ones_bypass(client, site):
    url = site["index"].url
    _warm(client, url)
    response, n = _queries(client, url + "?from=groupmessage&isappinstalled=0&utm_source=x")
    assert response.status_code == 200 and n == 0
    _, n = _queries(client, url + "?something=1")
    assert n > 0
    _, n = _queries(client, url + "?something=1")
    assert n > 0  # never stored either


def test_filters_are_keyed_in_any_order(client, site):
    url = site["index"].url
    senior = make_guide(site["index"], title="高中生手机约定", stages=["senior"], topic="sleep")
    first = client.get(url, {"stage": "senior", "topic": "sleep"})
    assert senior.title in first.content.decode()
    response, n = _queries(client, f"{url}?topic=sleep&stage=senior")
    assert n == 0 and response.content == first.content
    plain = client.get(url).content.decode()
    assert "孩子开学前焦虑怎么办" in plain  # the unfiltered list is another entry


def test_conditional_get_answers_304(client, site):
    url = site["guide"].url
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    for extra in ({"HTTP_IF_NONE_MATCH": etag}, {"HTTP_IF_MODIFIED_SINCE": modified}):
        response, n = _queries(client, url, **extra)
        assert response.status_code == 304 and n == 0
        assert response.content == b""
        assert response["ETag"] == etag
        assert "Content-Security-Policy" in response.headers
    # A miss answers conditionally too (a browser revalidating after a purge).
    page_cache_purge()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    site["guide"].title = "新标题"
    site["guide"].save_revision().publish()
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag


def test_forms_search_documents_and_restricted_pages_are_never_stored(client, site, home):
    secret = StandardPage(title="教研组内部页面", slug="inner")
    home.add_child(instance=secret)
    PageViewRestriction.objects.create(page=secret, restriction_type="password", password="pw")
    document = make_document(title="公开的教案")
    for url in ("/login/", "/search/?q=焦虑", secret.url, document.url, "/healthz"):
        client.get(url)
        client.get(url)
    assert _stored_entries() == []
    assert "csrfmiddlewaretoken" in client.get(secret.url).content.decode()


def test_canary_nothing_personal_no_cookie_no_csrf_token_in_the_store(client, site, home):
    """Browse everything as a teacher and as a visitor; the store keeps none of it."""
    canary_teacher = "金丝雀教师甲"
    canary_student = "金丝雀学生乙"
    teacher = make_member(Role.TEACHER)
    teacher.real_name = canary_teacher
    teacher.save()
    school = teacher.memberships.get().school
    StudentFactory(name=canary_student, school_class__school=school)
    curricula = curriculum_index(home)
    lesson = make_lesson(make_curriculum(curricula))
    urls = [
        site["home"].url,
        site["guide"].url,
        site["index"].url,
        site["library"].url,
        curricula.url,
        lesson.url,
        "/login/",
        "/me/",
    ]
    client.force_login(teacher)
    for url in urls:
        client.get(url)
    assert "记录授课" in client.get(lesson.url).content.decode()
    client.logout()
    visitor = type(client)()
    visitor.get("/login/")  # a visitor holding a CSRF cookie
    for url in urls:
        visitor.get(url)
        visitor.get(url)
    entries = _stored_entries()
    assert len(entries) >= 5  # the public pages are there …
    for status, headers, content, _ in entries:  # … and nothing else
        assert status == 200
        names = {name.lower() for name, _ in headers}
        assert "set-cookie" not in names
        text = content.decode()
        for needle in (canary_teacher, canary_student, "csrfmiddlewaretoken", "记录授课"):
            assert needle not in text
        assert "我的学习" not in text and "教师登录" in text


def test_pages_cache_can_be_switched_off(client, site, settings):
    settings.XINYU_PAGE_CACHE = {**settings.XINYU_PAGE_CACHE, "ENABLED": False}
    url = site["guide"].url
    client.get(url)
    _, n = _queries(client, url)
    assert n > 0 and _stored_entries() == []


def test_a_purge_in_another_process_reaches_this_one(client, site, settings, tmp_path):
    """gunicorn workers each keep a local-memory cache; a stamp file under var/ tells them
    all of a purge. Here a separate process (production settings, same var/) purges."""
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"},
    }
    settings.XINYU_PAGE_CACHE = {
        **settings.XINYU_PAGE_CACHE,
        "STAMP_FILE": tmp_path / "page-cache.stamp",
    }
    url = site["guide"].url
    _warm(client, url)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        XINYU_VAR_DIR=str(tmp_path),
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from portal.cache import page_cache_purge; page_cache_purge()",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    _, n = _queries(client, url)
    assert n > 0


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_redis_store_is_shared_by_two_workers(client, site, settings):
    """Two cache connections to one Redis (as two gunicorn workers): a page one stored is
    served by the other; a purge by one reaches the other."""
    url = site["guide"].url
    client.get(url)
    caches["pages"].close()
    del caches["pages"]  # the next use opens a new connection, as another worker would
    _, n = _queries(client, url)
    assert n == 0
    page_cache_purge()
    _, n = _queries(client, url)
    assert n > 0
