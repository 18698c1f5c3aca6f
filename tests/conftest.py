import pytest
from wagtail.models import Page, Site

from portal.models import HomePage


@pytest.fixture(autouse=True)
def _media_root(request, settings, tmp_path):
    if "demo_city" in request.fixturenames:
        return  # the demo's own folders (see ``demo_city``)
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


def _transactional(item) -> bool:
    """A test on a live server or a transactional database (its teardown flushes)."""
    if LIVE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


def pytest_collection_modifyitems(config, items):
    """Run tests on a live server / transactional database last.

    Their teardown flushes every table, including the Wagtail root page, locale and
    collection that migrations created; running them after everything else keeps the other
    tests on the migrated database they expect.
    """

    def uses(item, names):
        return bool(set(names) & set(getattr(item, "fixturenames", ())))

    live = [i for i in items if _transactional(i)]
    demo = [i for i in items if uses(i, {"demo_city"}) and i not in live]
    rest = [i for i in items if i not in set(live) and i not in set(demo)]
    items[:] = rest + demo + live


@pytest.fixture(autouse=True)
def _wagtail_tree(request):
    """Recreate what migrations put in the database when a flush has removed it."""
    if not _transactional(request.node):
        yield
        return
    request.getfixturevalue("transactional_db")
    migrated_rows_restore()
    yield


def migrated_rows_restore():
    """The rows migrations create that a flush (a live-server test's teardown) removes."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Collection, Locale

    ContentType.objects.clear_cache()
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    if not Page.get_first_root_node():
        Page.add_root(instance=Page(title="Root", slug="root"))
    from screening.models import Instrument
    from screening.services.instruments import builtin_instruments_ensure

    if not Instrument.objects.filter(school__isnull=True).exists():
        builtin_instruments_ensure()  # PHQ-9, GAD-7… (migration 0002)
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


# --- the demo city, loaded once per test process -------------------------------------------
# ``load_demo`` takes about a minute. Tests that read the demo ask for ``demo_city``: it is
# loaded inside one outer transaction the first time and kept while demo tests follow each
# other (they are collected together, after the others and before the live-server tests, and
# xdist's default scheduling keeps that order on each worker); the first test that does not
# ask for it rolls it back, so every other test still starts from the migrated database.


class _DemoCity:
    def __init__(self):
        self.atomic = None
        self.blocker = None
        self.media = None

    @property
    def loaded(self) -> bool:
        return self.atomic is not None

    def load(self, blocker, media):
        if self.loaded:
            return
        from django.core.management import call_command
        from django.db import transaction
        from django.test import override_settings

        self.media = media
        blocker.unblock()
        self.blocker = blocker
        with override_settings(MEDIA_ROOT=media / "media", PRIVATE_MEDIA_ROOT=media / "private"):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            try:
                # xdist may have run a live-server test (its flush) on this worker already.
                migrated_rows_restore()
                call_command("load_demo", verbosity=0)
            except BaseException:
                self.unload()
                raise

    def unload(self):
        if not self.loaded:
            return
        from django.db import transaction

        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.atomic = None
        self.blocker.restore()
        self.blocker = None


_demo = _DemoCity()


@pytest.fixture
def _demo_city_loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    if not _demo.loaded:
        from django.db import connection

        # Loaded under the test's own transaction it would vanish with it: a demo test
        # names ``demo_city`` first and carries no ``django_db`` mark (it gets ``db`` here).
        assert not connection.in_atomic_block, "ask for demo_city before db/home/world"
        _demo.load(django_db_blocker, tmp_path_factory.mktemp("demo-city"))


@pytest.fixture
def demo_city(_demo_city_loaded, db, settings):
    """The whole demo city (``load_demo``); changes a test makes are rolled back after it.

    Name it first among a test's fixtures (see ``_demo_city_loaded``)."""
    settings.MEDIA_ROOT = _demo.media / "media"
    settings.PRIVATE_MEDIA_ROOT = _demo.media / "private"
    return _demo


def pytest_runtest_setup(item):
    if _demo.loaded and "demo_city" not in getattr(item, "fixturenames", ()):
        _demo.unload()


def pytest_sessionfinish(session, exitstatus):
    _demo.unload()


@pytest.fixture
def world(db):
    """Two schools and a user in every role (``tests/world.py``). Apps with their own
    smaller ``world`` fixture (screening, schools) override it inside their folders."""
    from tests.world import World

    return World()
