"""A string planted in screening records never reaches search, the sitemap or public pages."""

import datetime

from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from resources.models import XinyuDocument
from screening.services import archive_entry_add, concern_raise, result_save

from .factories import phq9

CANARY = "金丝雀七三九一"


def test_canary_never_in_search_sitemap_or_public_pages(client, home, world):
    result_save(
        round=world.round,
        instrument=phq9(),
        student=world.own,
        answers=[0] * 9,
        note=CANARY,
        taken_on=datetime.date(2026, 11, 20),
    )
    concern_raise(student=world.own, level="general", concern=CANARY, user=world.class_teacher)
    archive_entry_add(
        student=world.own,
        kind="talk",
        on=datetime.date(2026, 11, 21),
        summary=CANARY,
        user=world.psych,
    )
    backend = get_search_backend()
    assert list(backend.search(CANARY, Page)) == []
    assert list(backend.search(CANARY, XinyuDocument)) == []
    # The search page echoes the query itself; what it must never return is a result.
    found = client.get("/search/", {"q": CANARY, "format": "json"}).json()
    assert found["total"] == 0 and found["results"] == []
    for url in ("/", "/sitemap.xml", f"/?q={CANARY}"):
        response = client.get(url)
        assert CANARY not in response.content.decode(errors="replace"), url
        assert world.own.name not in response.content.decode(errors="replace"), url
