#!/usr/bin/env python3
"""HTTP benchmark: serve the demo with gunicorn (production settings) and hit it with wrk.

    .venv/bin/python bench/http_bench.py [--duration 5] [URL ...]

Steps: prepare a demo SQLite database under var/bench/ (migrate + load_demo, reused on the
next run), collectstatic, start *two* gunicorn servers on free ports on 127.0.0.1 over the
same database — one as deployed (page cache and search result cache on: "warm", every
request after the first served from the caches) and one with both caches off
(``XINYU_PAGE_CACHE=0``, ``XINYU_SEARCH_CACHE=0``: "cold", every request renders the page
or runs the search, as a cache miss does) — wait for /healthz, run ``wrk --latency``
against each URL on each server for a bounded time, print requests/s, p50 and p99 and the
ratio to /healthz measured in the same run, and stop both servers. The default URLs: the
home page, a parent guide, the curricula index, the library, a search and the admin
login. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SEARCH_URL = "/search/?q=%E5%AD%A9%E5%AD%90%E4%B8%8D%E6%83%B3%E4%B8%8A%E5%AD%A6"  # 孩子不想上学
DEFAULT_URLS = [
    "/",
    "{parent_guide}",
    "{curricula}",
    "/library/",
    SEARCH_URL,
    "/admin/login/",
]
# The first live public page of each kind (a placeholder above is replaced by its URL).
PAGE_QUERY = (
    "from resources.models import ParentGuidePage\n"
    "from courses.models import CurriculumIndexPage\n"
    "for name, model in [('parent_guide', ParentGuidePage), ('curricula', CurriculumIndexPage)]:\n"
    "    page = model.objects.live().public().order_by('path').first()\n"
    "    print(name, page.url if page else '')"
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("urls", nargs="*", help="extra paths to measure, e.g. /curricula/")
    parser.add_argument("--duration", type=int, default=5, help="seconds per URL (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--var", default=str(ROOT / "var" / "bench"), help="data dir (default var/bench)"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the demo database")
    parser.add_argument(
        "--only", action="store_true", help="measure only the given URLs (plus /healthz)"
    )
    return parser.parse_args()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_env(var_dir: Path, key: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY=key or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        XINYU_VAR_DIR=str(var_dir),
        MEDIA_ROOT=str(var_dir / "media"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("XINYU_HTTPS", None)
    return env


def manage(env, *args, capture=False) -> str:
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def prepare(env, var_dir: Path, fresh: bool) -> None:
    db = var_dir / "xinyu.sqlite3"
    if fresh and var_dir.exists():
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    print(f"== 准备演示数据库 {db}（{'复用' if db.exists() else '新建'}）")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_demo", "--if-empty")
    print("== collectstatic")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def get_status(url: str, attempts: int = 5) -> int:
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1
                response.read()
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn 已退出（代码 {proc.returncode}），见日志。")
        try:
            if get_status(url, attempts=1) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{timeout:.0f} 秒内 {url} 未就绪。")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def run_wrk(wrk: str, url: str, args, duration: int | None = None) -> dict:
    result = subprocess.run(
        [
            wrk,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{duration or args.duration}s",
            "--timeout",
            "10s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Socket errors:(.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "socket_errors": errors.group(1).strip() if errors else "",
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def start_server(
    env, port: int, workers: int, log_path: Path, timeout: int = 60
) -> subprocess.Popen:
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                str(timeout),
                "--preload",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> int:
    args = parse_args()
    wrk = shutil.which("wrk")
    if not wrk:
        print("找不到 wrk。请先安装：apt-get install -y wrk", file=sys.stderr)
        return 2
    var_dir = Path(args.var).resolve()
    env = django_env(var_dir)
    prepare(env, var_dir, args.fresh)

    found = manage(env, "shell", "--no-imports", "-c", PAGE_QUERY, capture=True)
    pages = dict(ln.split(" ", 1) for ln in found.splitlines() if ln.count(" ") == 1)
    paths = [] if args.only else list(DEFAULT_URLS)
    for name in ("parent_guide", "curricula"):
        placeholder = "{" + name + "}"
        if placeholder in paths:
            if pages.get(name, "").startswith("/"):
                paths[paths.index(placeholder)] = pages[name]
            else:
                print(f"（演示数据中没有 {name} 页面，跳过）")
                paths.remove(placeholder)
    for extra in args.urls:
        if not extra.startswith("/"):
            print(f"URL 必须以 / 开头：{extra}", file=sys.stderr)
            return 2
        if extra not in paths:
            paths.append(extra)
    if "/healthz" in paths:
        paths.remove("/healthz")

    # Two servers over the same database: as deployed (warm caches) and with the page cache
    # and the search result cache off (every request a cache miss: cold).
    cold_env = {**env, "XINYU_PAGE_CACHE": "0", "XINYU_SEARCH_CACHE": "0"}
    servers = {}
    try:
        for mode, server_env in (("warm", env), ("cold", cold_env)):
            port = free_port()
            log_path = var_dir / f"gunicorn-{mode}.log"
            servers[mode] = (
                f"http://127.0.0.1:{port}",
                start_server(server_env, port, args.workers, log_path),
            )
            print(f"== gunicorn（{mode}）{args.workers} 个 worker，端口 {port}（日志 {log_path}）")
        results = measure_all(wrk, args, servers, paths)
    finally:
        for _base, proc in servers.values():
            stop_server(proc)
        print("== gunicorn 已停止")
    report(results)
    return 0


def measure_all(wrk, args, servers, paths) -> dict:
    for base, proc in servers.values():
        wait_for(base + "/healthz", proc)
    print(
        f"== wrk：每个 URL 预热 1 秒后测 {args.duration} 秒，{args.connections} 个连接，"
        f"{args.threads} 个线程；/healthz 在开头和结尾各测一次（在缓存服务器上）；"
        "冷 = 页面缓存和搜索结果缓存关闭的服务器（每个请求都渲染或搜索）"
    )
    order = [("/healthz", "warm", "/healthz")]
    for path in paths:
        order += [(f"{path} 热", "warm", path), (f"{path} 冷", "cold", path)]
    order += [
        ("/healthz (end)", "warm", "/healthz"),
        ("/healthz (cold server)", "cold", "/healthz"),
    ]
    results = {}
    for label, mode, path in order:
        base = servers[mode][0]
        status = get_status(base + path)
        run_wrk(wrk, base + path, args, duration=1)  # warm every worker up first
        measured = run_wrk(wrk, base + path, args)
        measured["status"] = status
        results[label] = measured
        print(
            f"   {label:<40} {status}  {measured['rps']:>9.1f} req/s  "
            f"p50 {measured['p50']:>7.2f} ms  p99 {measured['p99']:>7.2f} ms",
            flush=True,
        )
    return results


def report(results: dict) -> None:
    start, end = results.pop("/healthz"), results.pop("/healthz (end)")
    cold_health = results.pop("/healthz (cold server)")
    base_rps = (start["rps"] + end["rps"]) / 2
    base_p50 = (start["p50"] + end["p50"]) / 2
    drift = abs(start["rps"] - end["rps"]) / base_rps * 100
    print()
    print(
        f"基准 /healthz：{base_rps:.1f} req/s（开头 {start['rps']:.1f}，结尾 {end['rps']:.1f}，"
        f"漂移 {drift:.0f}%；无缓存服务器 {cold_health['rps']:.1f}），p50 {base_p50:.2f} ms"
    )
    print(
        f"{'URL':<40} {'状态':>4} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'吞吐/healthz':>12} {'p50/healthz':>12}"
    )
    for label, r in results.items():
        note = ""
        if r["socket_errors"]:
            note = f"  socket errors: {r['socket_errors']}"
        if r["non2xx"]:
            note += f"  non-2xx: {r['non2xx']}"
        print(
            f"{label:<40} {r['status']:>4} {r['rps']:>9.1f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
            f"{r['rps'] / base_rps:>12.3f} {r['p50'] / base_p50:>12.1f}{note}"
        )
    print()
    print("吞吐/healthz：该页面每秒请求数相对 /healthz 的比例（1.0 表示一样快）。")
    print("p50/healthz：中位延迟是 /healthz 的多少倍。机器共享且有噪声，请比较比例而非绝对值。")
    print("热：部署时的设置，缓存已填好；冷：同一数据库、缓存关闭，即每次都未命中。")


if __name__ == "__main__":
    sys.exit(main())
