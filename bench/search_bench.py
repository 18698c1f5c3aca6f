"""Search page throughput as a ratio to /healthz, at demo scale and ten times it.

    .venv/bin/python bench/search_bench.py                # 500 and 5,000 items
    .venv/bin/python bench/search_bench.py --sizes 200 2000 --seconds 5

Self-contained: builds a throw-away SQLite database in a temporary directory, generates
pages (1/5) and documents (4/5) with realistic Chinese text, builds the search entries,
then drives the Django test client in-process: requests/second of ``/search/?q=…``
(queries from the relevance set, rotating) divided by requests/second of ``/healthz``.
A ratio, measured in one run, so machine speed cancels out. Not run as a test.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(var_dir):
    os.environ["XINYU_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_site():
    from wagtail.models import Page, Site

    from portal.models import HomePage

    root = Page.get_first_root_node()
    for child in root.get_children():
        if not isinstance(child.specific, HomePage):
            child.delete()
    home = HomePage.objects.first() or root.add_child(
        instance=HomePage(title="心育平台", slug="home")
    )
    Site.objects.all().delete()
    Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)
    return home


def generate(home, *, total, rng, start):
    """``total`` more items: a fifth pages, the rest documents."""
    from django.core.files.base import ContentFile

    from portal.models import StandardPage
    from resources.models import XinyuDocument
    from search.services import entry_sync
    from tests.search.relevance_set import SAMPLE_PAGES

    sentences = [s for p in SAMPLE_PAGES for s in [p["intro"], *p["paragraphs"]]]
    n_pages = total // 5
    for i in range(n_pages):
        base = SAMPLE_PAGES[(start + i) % len(SAMPLE_PAGES)]
        body = [("paragraph", f"<p>{s}</p>") for s in rng.sample(sentences, 4)]
        page = StandardPage(
            title=f"{base['title']}（{start + i}）",
            intro=base["intro"],
            body=body,
            slug=f"bench-{start + i}",
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        if i % 100 == 0:
            print(f"  页面 {i}/{n_pages}", flush=True)
    for i in range(total - n_pages):
        base = SAMPLE_PAGES[(start + i) % len(SAMPLE_PAGES)]
        document = XinyuDocument(
            title=f"{base['title']} 资料{start + i}",
            extracted_text="\n".join(rng.sample(sentences, 6)),
        )
        document.file.save(f"bench{start + i}.txt", ContentFile(b"-"), save=False)
        document.extracted_file = document.file.name
        XinyuDocument.objects.bulk_create([document])
        document = XinyuDocument.objects.latest("pk")
        entry_sync(obj=document)
        if i % 500 == 0:
            print(f"  文档 {i}/{total - n_pages}", flush=True)


def rate(client, urls, seconds):
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.get(urls[done % len(urls)])
        assert response.status_code == 200, response.status_code
        done += 1
    return done / (time.perf_counter() - started)


def measure(seconds):
    from urllib.parse import urlencode

    from django.test import Client

    from search.models import SearchEntry
    from tests.search.relevance_set import CASES

    client = Client()
    search_urls = ["/search/?" + urlencode({"q": q}) for q, _ in CASES]
    rate(client, ["/healthz", *search_urls[:3]], 1)  # warm up (jieba, caches)
    health = rate(client, ["/healthz"], seconds)
    search = rate(client, search_urls, seconds)
    json_rate = rate(client, [u + "&format=json" for u in search_urls], seconds)
    entries = SearchEntry.objects.count()
    print(
        f"{entries:>6} 条目  /healthz {health:8.1f}/s  /search/ {search:7.1f}/s "
        f"(比值 {search / health:.3f})  JSON {json_rate:7.1f}/s (比值 {json_rate / health:.3f})",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xinyu-search-bench-") as var_dir:
        setup_django(var_dir)
        from django.conf import settings

        settings.ALLOWED_HOSTS = ["testserver"]
        home = build_site()
        rng = random.Random(5)
        made = 0
        for size in sorted(args.sizes):
            print(f"生成内容至 {size} 条 …", flush=True)
            generate(home, total=size - made, rng=rng, start=made)
            made = size
            measure(args.seconds)


if __name__ == "__main__":
    main()
