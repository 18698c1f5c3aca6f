"""Search page throughput as a ratio to /healthz: on the demo, ten times it, and more.

    .venv/bin/python bench/search_bench.py                # demo, 10× demo, 5,000 entries
    .venv/bin/python bench/search_bench.py --sizes 2000 --seconds 3

Self-contained: builds a throw-away SQLite database in a temporary directory and loads the
demo (``load_demo``) — measured first — then generates more pages (1/5) and documents (4/5)
with realistic Chinese text under the demo's home page up to ten times the demo's search
entries and then up to each ``--sizes`` total (default 5,000), measuring at each step.
Each measurement drives the Django test client in-process (no wrk needed): requests/second
of ``/search/?q=…`` (the parents' and teachers' queries of the relevance sets, rotating)
and of its JSON form, warm (every query of the set already searched once: anonymous pages
come from the cache) and cold (the search cache dropped before every request, as for a
query nobody asked since the last publish: every request matches, ranks and renders),
divided by requests/second of ``/healthz``. Ratios measured in one run, so machine speed
cancels out; ``/healthz`` is measured before and after each step and
the drift printed. Not run as a test.
"""

import argparse
import io
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


def load_demo():
    """The demo content; the test client's host serves the demo site."""
    from django.core.management import call_command
    from wagtail.models import Site

    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    Site.objects.exclude(pk=site.pk).filter(hostname="testserver").delete()
    site.hostname, site.port = "testserver", 80
    site.save()
    return site.root_page.specific


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


def rate(client, urls, seconds, before=None):
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        if before:
            before()
        response = client.get(urls[done % len(urls)])
        assert response.status_code == 200, response.status_code
        done += 1
    return done / (time.perf_counter() - started)


def measure(label, seconds, queries):
    from urllib.parse import urlencode

    from django.db import connection
    from django.test import Client

    from search.models import SearchEntry

    client = Client()
    search_urls = ["/search/?" + urlencode({"q": q}) for q in queries]
    rate(client, ["/healthz"], 1)  # warm up (jieba)
    # Steady state: every query of the set searched once (anonymous results are cached per
    # query until the next publish, search/cache.py); "不用缓存" below measures without it.
    for url in search_urls:
        client.get(url)
        client.get(url + "&format=json")
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(search_urls[0])
    health = rate(client, ["/healthz"], seconds)
    search = rate(client, search_urls, seconds)
    json_rate = rate(client, [u + "&format=json" for u in search_urls], seconds)
    # Cold: the anonymous cache dropped before each request, so every one searches and
    # renders (search/cache.py), as a query not seen since the last publish.
    from search.cache import invalidate

    uncached = rate(client, search_urls, seconds, before=invalidate)
    health_after = rate(client, ["/healthz"], seconds)
    drift = abs(health_after - health) / health
    health = (health + health_after) / 2
    entries = SearchEntry.objects.count()
    print(
        f"{label:<10} {entries:>6} 条目  /healthz {health:8.1f}/s (漂移 {drift:4.0%})  "
        f"/search/ 热 {search:7.1f}/s 比值 {search / health:.3f}  "
        f"JSON {json_rate:7.1f}/s 比值 {json_rate / health:.3f}  "
        f"冷（未命中） {uncached:7.1f}/s 比值 {uncached / health:.3f}  "
        f"每次搜索 {len(executed)} 条 SQL",
        flush=True,
    )
    return search / health


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[5000], help="further totals of search entries"
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xinyu-search-bench-") as var_dir:
        setup_django(var_dir)
        from django.conf import settings

        from search.models import SearchEntry
        from tests.search.relevance_set import CASES, DEMO_CASES

        settings.ALLOWED_HOSTS = ["testserver"]
        print("载入演示内容 …", flush=True)
        home = load_demo()
        queries = [q for q, _ in DEMO_CASES + CASES]
        demo = SearchEntry.objects.count()
        ratios = {"演示": measure("演示", args.seconds, queries)}
        rng = random.Random(5)
        made = 0
        targets = [("10×演示", demo * 10)] + [(f"{n}", n) for n in sorted(args.sizes)]
        for label, target in targets:
            more = target - SearchEntry.objects.count()
            if more <= 0:
                continue
            print(f"生成内容至约 {target} 条 …", flush=True)
            generate(home, total=more, rng=rng, start=made)
            made += more
            ratios[label] = measure(label, args.seconds, queries)
        print(
            "搜索页（热）吞吐量 / healthz：" + "，".join(f"{k} {v:.3f}" for k, v in ratios.items())
        )


if __name__ == "__main__":
    main()
