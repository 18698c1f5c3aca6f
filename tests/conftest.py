import pytest
from wagtail.models import Page, Site

from portal.models import HomePage


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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

    cache.clear()
    yield
    cache.clear()
