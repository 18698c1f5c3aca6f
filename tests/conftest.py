import pytest
from wagtail.models import Page, Site

from portal.models import HomePage


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def home(db):
    """The site's home page, served for the test client's host ``testserver``."""
    root = Page.get_first_root_node()
    for child in root.get_children():
        if not isinstance(child.specific, HomePage):
            child.delete()
    existing = HomePage.objects.first()
    home = existing or root.add_child(instance=HomePage(title="心育平台", slug="home"))
    Site.objects.all().delete()
    Site.objects.create(
        hostname="testserver", port=80, root_page=home, is_default_site=True, site_name="心育平台"
    )
    return home


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from portal.cache import page_cache_purge

    cache.clear()
    page_cache_purge()  # a new generation; never clear(): Redis may be shared (CI)
    yield
    cache.clear()


@pytest.fixture
def page_cache_off(settings):
    """Pages rendered every time: query budgets measure the uncached path (a cache miss)."""
    settings.XINYU_PAGE_CACHE = {**settings.XINYU_PAGE_CACHE, "ENABLED": False}


LIVE_FIXTURES = {"live_server", "transactional_db"}


def pytest_collection_modifyitems(config, items):
    """Run tests on a live server / transactional database last.

    Their teardown flushes every table, including the Wagtail root page, locale and
    collection that migrations created; running them after everything else keeps the other
    tests on the migrated database they expect.
    """
    live = [i for i in items if LIVE_FIXTURES & set(getattr(i, "fixturenames", ()))]
    if live:
        rest = [i for i in items if i not in set(live)]
        items[:] = rest + live


@pytest.fixture(autouse=True)
def _wagtail_tree(request):
    """Recreate what migrations put in the database when a flush has removed it."""
    if not LIVE_FIXTURES & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Collection, Locale

    ContentType.objects.clear_cache()
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    if not Page.get_first_root_node():
        Page.add_root(instance=Page(title="Root", slug="root"))
    yield
    ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Let the test database be dropped at the end on PostgreSQL.

    A live-server thread keeps its own connection open, and PostgreSQL refuses to drop a
    database someone is connected to (the test database then stays behind). Before
    pytest-django's teardown, end every other session on this run's test database.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
