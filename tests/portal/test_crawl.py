"""Walk the whole demo site as each kind of visitor: nothing broken, nothing half-rendered.

Breadth-first from ``/``, ``/me/`` and ``/admin/`` (see tests/crawl.py for what is skipped
and how pages of one kind are folded), over the demo city that ``load_demo`` builds:

- no response is a server error;
- no page shows template debris (``Block Node``, ``Variable Node``, ``{{``, ``{%``);
- every POST form carries a CSRF token;
- the public site and the learner area show no English UI strings (tests/crawl.py has the
  allow-list of file types, units and proper nouns).
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import Page

from tests.crawl import crawl, url_kind

ROLES = [
    "bureau_admin",
    "bureau_auditor",
    "school_admin",
    "school_leader",
    "grade_leader",
    "psych_teacher",
    "class_teacher",
    "teacher",
]
# Enough for every kind of page a role reaches (measured: 60–140 kinds a role), small
# enough to keep the whole crawl around a minute or two.
MAX_PAGES = 200


@pytest.fixture
def site(demo_city):
    """The demo city (loaded once for all demo tests, see ``tests/conftest.py``)."""


def public_or_learner(path: str) -> bool:
    return not path.startswith("/admin/")


def one_page_of_each_type() -> dict[str, str]:
    """A live, public page of every page type the demo has: the crawl starts there too."""
    pages = {}
    for page in Page.objects.live().public().filter(depth__gt=1).specific().order_by("path"):
        pages.setdefault(type(page).__name__, page.url)
    return pages


def _report(result) -> str:
    return "\n".join(result.problems[:40])


def test_anonymous_crawl(site):
    typed = one_page_of_each_type()
    assert len(typed) >= 12, typed  # the demo has every kind of public page
    starts = ["/", "/me/", "/admin/", *typed.values(), "/search/?q=情绪"]
    starts += ["/robots.txt", "/sitemap.xml", "/favicon.ico"]
    # Two pages of each kind: the public site is what most visitors see.
    result = crawl(
        Client(), starts, max_pages=MAX_PAGES, per_kind=2, check_english=public_or_learner
    )
    assert result.problems == [], _report(result)
    visited_kinds = {url_kind(url) for url in result.visited}
    assert {url_kind(url) for url in typed.values()} <= visited_kinds
    # The crawl reached the site's sections, not just the home page.
    assert len(result.visited) >= 50, result.visited


@pytest.mark.parametrize("username", ROLES)
def test_crawl_as_each_role(site, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    result = crawl(
        client,
        ["/me/", "/admin/", "/"],
        max_pages=MAX_PAGES,
        check_english=public_or_learner,
    )
    assert result.problems == [], _report(result)
    learner = [url for url in result.visited if url.startswith("/me/")]
    assert len(learner) >= 5, result.visited
