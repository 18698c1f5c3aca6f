"""What each middleware adds per request: time /admin/login/ and /healthz in-process.

    .venv/bin/python bench/middleware_cost.py [--requests 300] [--rounds 3] [--profile]

Self-contained (a throw-away SQLite database in a temporary directory, migrated; no demo
needed). For every middleware in ``settings.MIDDLEWARE`` it builds a test client with that
one middleware left out and times ``--requests`` GETs of each URL; the variants are measured
round-robin ``--rounds`` times (the best round counts), in CPU time of this process, so
other processes' load does not count. It
prints requests/s with the full stack, what leaving each middleware out gains (µs per
request, and the share of the request) and the SQL queries and cache reads each URL makes
with the full stack. Leaving a middleware out is a measurement only: every one of them
stays in the real stack. ``--profile`` adds a cProfile of the full stack (top functions).
Not run as a test.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

URLS = ["/healthz", "/admin/login/", "/login/"]


def setup_django(var_dir):
    os.environ["XINYU_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(client, url, n):
    """CPU seconds per request of this process (other processes' load does not count;
    SQLite runs in-process, so its work does)."""
    started = time.process_time()
    for _ in range(n):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return (time.process_time() - started) / n


def counted(url):
    """SQL queries and cache calls of one request with the full stack."""
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    calls = []
    originals = {}
    for alias in ("default", "pages"):
        store = caches[alias]
        for name in ("get", "get_many", "set", "add", "incr"):
            original = getattr(store, name)
            originals[(alias, name)] = (store, original)

            def wrapper(*args, _name=f"{alias}.{name}", _original=original, **kwargs):
                calls.append(_name)
                return _original(*args, **kwargs)

            setattr(store, name, wrapper)
    client = Client()
    client.get(url)
    calls.clear()
    try:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
    finally:
        for (_alias, name), (store, _original) in originals.items():
            delattr(store, name)
    return [q["sql"] for q in queries.captured_queries], calls


def toggled_report(variants, best):
    print()
    header = f"{'去掉的中间件':<34}" + "".join(f"{u:>26}" for u in URLS)
    print(header)
    for label, _ in variants:
        cells = []
        for url in URLS:
            per = best[(label, url)]
            base = best[("（全部）", url)]
            if label == "（全部）":
                cells.append(f"{1 / base:>10.0f}/s {base * 1e6:>8.0f} µs   ")
            else:
                saved = base - per
                cells.append(f"{saved * 1e6:>+10.0f} µs {saved / base:>+8.1%}   ")
        print(f"{label:<34}" + "".join(f"{c:>26}" for c in cells))
    print("\n正数：去掉该中间件后每个请求省下的时间（即它的开销）；噪声约 ±5%。")


def probe_report(full, urls, n):
    """Each middleware's own time, from probes put between every two of them in one stack:
    what a probe sees minus what the next one inside sees (same requests, no second run).
    ``process_view`` hooks run with the view, in the innermost row."""
    from django.test import Client
    from django.test.utils import override_settings

    spent = [0.0] * (len(full) + 1)

    def probe(index):
        def factory(get_response):
            def middleware(request):
                started = time.process_time()
                try:
                    return get_response(request)
                finally:
                    spent[index] += time.process_time() - started

            return middleware

        return factory

    import bench.middleware_cost as module

    stack = []
    for i, name in enumerate(full):
        setattr(module, f"probe_{i}", probe(i))
        stack += [f"bench.middleware_cost.probe_{i}", name]
    setattr(module, f"probe_{len(full)}", probe(len(full)))
    stack.append(f"bench.middleware_cost.probe_{len(full)}")
    print(f"\n各中间件本身的耗时（探针，{n} 次请求，CPU µs/请求）")
    print(f"{'中间件':<34}" + "".join(f"{u:>16}" for u in urls))
    rows = {name: [] for name in [*full, "（视图与 process_view）"]}
    totals = []
    with override_settings(MIDDLEWARE=stack):
        client = Client()
        for url in urls:
            timed(client, url, 20)
            spent[:] = [0.0] * len(spent)
            totals.append(timed(client, url, n))
            for i, name in enumerate(full):
                rows[name].append((spent[i] - spent[i + 1]) / n)
            rows["（视图与 process_view）"].append(spent[len(full)] / n)
    for name, cells in rows.items():
        label = name.rsplit(".", 1)[-1]
        print(f"{label:<34}" + "".join(f"{c * 1e6:>16.0f}" for c in cells))
    print(f"{'（整个请求）':<34}" + "".join(f"{t * 1e6:>16.0f}" for t in totals))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sql", action="store_true", help="print each URL's SQL")
    parser.add_argument(
        "--probes-only", action="store_true", help="only the probes (no stacks without one)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xinyu-mw-bench-") as var_dir:
        setup_django(var_dir)
        from django.conf import settings
        from django.test import Client
        from django.test.utils import override_settings

        full = list(settings.MIDDLEWARE)
        # Sessions and authentication cannot be left out (the others need them).
        needed = {
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        }
        variants = [("（全部）", full)] + [
            (name.rsplit(".", 1)[-1], [m for m in full if m != name])
            for name in full
            if name not in needed
        ]
        for url in URLS:
            sql, calls = counted(url)
            print(f"{url}: {len(sql)} 条 SQL，缓存调用 {len(calls)} 次 {calls}")
            if args.sql:
                for line in sql:
                    print("    ", line[:200])
        best = {(label, url): float("inf") for label, _ in variants for url in URLS}
        for round_ in range(0 if args.probes_only else args.rounds):
            for label, middleware in variants:
                with override_settings(MIDDLEWARE=middleware):
                    client = Client()
                    for url in URLS:
                        timed(client, url, 20)  # warm up
                        per = timed(client, url, args.requests)
                        best[(label, url)] = min(best[(label, url)], per)
            print(f"  第 {round_ + 1}/{args.rounds} 轮完成", flush=True)
        if not args.probes_only:
            toggled_report(variants, best)
        probe_report(full, URLS, args.requests)
        if args.profile:
            import cProfile
            import pstats

            client = Client()
            for url in URLS[1:2]:
                timed(client, url, 20)
                profiler = cProfile.Profile()
                profiler.enable()
                timed(client, url, args.requests)
                profiler.disable()
                print(f"\n== cProfile {url}（{args.requests} 次）")
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(25)
                print(f"== 其中中间件本身（{args.requests} 次，按自身耗时）")
                stats.sort_stats("tottime").print_stats(
                    r"middleware|portal/cache\.py|schools/audit\.py|axes|locale|csrf|whitenoise", 30
                )


if __name__ == "__main__":
    main()
