"""Benchmark of the public content pages, as ratios to the cheapest request (/healthz).

Run against a database with the demo loaded (``manage.py load_demo``):

    DJANGO_SETTINGS_MODULE=portal.settings.dev .venv/bin/python bench/content_pages.py

Prints, per page: median wall time, SQL queries, and the ratio to /healthz. Ratios from one
run on one machine are what to compare; absolute times are not.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from wagtail.models import Site  # noqa: E402

from courses.models import LessonPage  # noqa: E402
from resources.models import ParentGuidePage, ResourceIndexPage  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def measure(client, url, host):
    client.get(url, HTTP_HOST=host)  # warm up
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.get(url, HTTP_HOST=host)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, HTTP_HOST=host)
    return statistics.median(times), len(ctx.captured_queries)


def main():
    site = Site.objects.get(is_default_site=True)
    host = site.hostname if site.port == 80 else f"{site.hostname}:{site.port}"
    library = ResourceIndexPage.objects.live().first()
    pages = [
        ("healthz", "/healthz"),
        ("home", "/"),
        ("lesson", LessonPage.objects.live().first().url),
        ("library", library.url),
        ("library?stage=junior&sort=popular", library.url + "?stage=junior&sort=popular"),
        ("parent guide", ParentGuidePage.objects.live().first().url),
    ]
    client = Client()
    base, _ = measure(client, "/healthz", host)
    print(f"{'page':<38}{'median ms':>10}{'queries':>9}{'× healthz':>11}")
    for label, url in pages:
        median, queries = measure(client, url, host)
        print(f"{label:<38}{median * 1000:>10.1f}{queries:>9}{median / base:>11.1f}")


if __name__ == "__main__":
    main()
