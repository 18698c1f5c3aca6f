#!/usr/bin/env python3
"""Province-size bench: every bureau and school back-office page, report and export, timed on
a PostgreSQL database holding the province data set (issue 20, R-26).

    DATABASE_URL=postgres://…/xinyu_province .venv/bin/python bench/province.py [--requests 5]

The database must be loaded first (see bench/README.md, "Province size"):

    createdb xinyu_province
    DATABASE_URL=… DJANGO_SETTINGS_MODULE=portal.settings.dev manage.py migrate
    DATABASE_URL=… DJANGO_SETTINGS_MODULE=portal.settings.dev manage.py load_demo
    DATABASE_URL=… DJANGO_SETTINGS_MODULE=portal.settings.dev manage.py load_demo --scale province

Steps: collectstatic into ``--var`` (default var/bench-province), start gunicorn (production
settings, a random secret key, ``ALLOWED_HOSTS=127.0.0.1``, page cache off,
``XINYU_QUERY_COUNT_HEADER=1`` so every response says how many SQL queries it ran) on a free
port, sign in through the login form with urllib and a cookie jar (demo password) as each
account the pages need — the bureau's, and the staff of P0001, the province's largest school —
then request every page ``--requests`` times (one warm-up request first, not counted) and print
per page: HTTP status, median / min / max seconds, response size, SQL queries and SQL time.
A page slower than ``--slow`` seconds is not requested again (its one request is the figure).
Stops gunicorn at the end.
"""

from __future__ import annotations

import argparse
import html.parser
import http.cookiejar
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import free_port, start_server, stop_server, wait_for  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Who signs in (demo password): the bureau's accounts and the staff of P0001.
ACCOUNTS = {
    "bureau": "bureau_admin",
    "auditor": "bureau_auditor",
    "admin": "p0001_admin",
    "leader": "p0001_leader",
    "psych": "p0001_psych",
    "class": "p0001_c001",
    "teacher": "p0001_t001",
}

# (label, account, URL name, query string). Resolved to paths by Django (one manage.py call).
PAGES = [
    # --- the bureau -----------------------------------------------------------------------
    ("后台首页", "bureau", "wagtailadmin_home", ""),
    ("工作看板", "bureau", "oversight:dashboard", ""),
    ("督导首页", "bureau", "oversight:index", ""),
    ("报送任务", "bureau", "oversight_campaigns:index", ""),
    ("测评统计", "bureau", "screening:figures", ""),
    ("测评统计导出", "bureau", "job:screening-figures", ""),
    ("测评首页", "bureau", "screening:index", ""),
    ("测评访问日志", "bureau", "screening:access_log", ""),
    ("全市学时报表", "bureau", "training_admin:bureau_report", ""),
    ("全市学时报表导出", "bureau", "job:training-city-report", ""),
    ("学校学时报表（市局）", "bureau", "training_admin:school_report", ""),
    ("学时台账（市局）", "bureau", "training_admin:ledger", ""),
    ("培训场次（市局）", "bureau", "training_sessions:index", ""),
    ("学校名录", "bureau", "schools_school:index", ""),
    ("教职工（市局）", "bureau", "schools_staff:index", ""),
    ("班级（市局）", "bureau", "schools_class:index", ""),
    ("场所与渠道（市局）", "bureau", "schools_facility:index", ""),
    ("心理教师缺口", "bureau", "schools_psych_gap:index", ""),
    ("访问日志", "bureau", "schools_access_log:index", ""),
    ("访问日志导出（CSV）", "auditor", "job:access-log", "format=csv"),
    ("事件（市局）", "bureau", "duty_admin:incidents", ""),
    ("事件导出（市局）", "bureau", "job:duty-incidents", ""),
    ("今日值班电话", "bureau", "duty_admin:phone_list", ""),
    ("安全整改逾期（市局）", "bureau", "duty_admin:safety_overdue", ""),
    ("事件通知（市局）", "bureau", "duty_admin:notices", ""),
    ("课程覆盖（市局）", "bureau", "lessons_admin:coverage", ""),
    ("个人中心（市局）", "bureau", "accounts:me", ""),
    ("首页（已登录）", "bureau", "/", ""),
    # --- the school (P0001) ---------------------------------------------------------------
    ("后台首页（学校）", "admin", "wagtailadmin_home", ""),
    ("工作看板（学校）", "admin", "oversight:dashboard", ""),
    ("学生名册", "admin", "schools_student:index", ""),
    ("学生名册导出", "admin", "schools_student:index", "export=xlsx"),
    ("班级（学校）", "admin", "schools_class:index", ""),
    ("教职工（学校）", "admin", "schools_staff:index", ""),
    ("学校学时报表", "admin", "training_admin:school_report", ""),
    ("学校学时报表导出", "admin", "job:training-school-report", ""),
    ("学时台账（学校）", "admin", "training_admin:ledger", ""),
    ("考勤登记", "admin", "training_admin:attendance_list", ""),
    ("校外培训审核", "admin", "training_admin:external_list", ""),
    ("事件（学校）", "admin", "duty_admin:incidents", ""),
    ("事件导出（学校）", "admin", "job:duty-incidents", ""),
    ("值班表", "admin", "duty_admin:roster_calendar", ""),
    ("测评统计（学校）", "leader", "screening:figures", ""),
    ("预警（校领导）", "leader", "screening:warnings", ""),
    ("测评访问日志（校领导）", "leader", "screening:access_log", ""),
    ("测评首页（心理教师）", "psych", "screening:index", ""),
    ("预警（心理教师）", "psych", "screening:warnings", ""),
    ("筛查批次", "psych", "screening:rounds", ""),
    ("筛查批次记录", "psych", "screening_rounds:index", ""),
    ("关注类别名单", "psych", "screening:attention_list", ""),
    ("复评逾期", "psych", "screening:plans_overdue", ""),
    ("本班关注", "class", "screening:my_class", ""),
    ("个人中心（教师）", "teacher", "accounts:me", ""),
    ("我的培训", "teacher", "training:overview", ""),
    ("我的事件报告", "teacher", "duty:my_incidents", ""),
]

RESOLVE = (
    "import json, sys\n"
    "from django.urls import reverse\n"
    "names = json.loads(sys.stdin.read())\n"
    "def url(n):\n"
    "    if n.startswith('/'):\n"
    "        return n\n"
    "    if n.startswith('job:'):\n"
    "        return reverse('exports_admin:start', args=[n[4:]])\n"
    "    return reverse(n)\n"
    "print(json.dumps({n: url(n) for n in names}))\n"
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--timeout",
        type=int,
        default=300,
        help="gunicorn --timeout (the request deadline is 10 s less)",
    )
    parser.add_argument(
        "--slow", type=float, default=20.0, help="a page slower than this (s) is requested once"
    )
    parser.add_argument("--only", default="", help="only pages whose label or path contains this")
    parser.add_argument(
        "--var", default=str(ROOT / "var" / "bench-province"), help="static files, logs"
    )
    parser.add_argument("--json", help="also write the results to this file")
    return parser.parse_args()


def bench_env(var_dir: Path, timeout: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        XINYU_VAR_DIR=str(var_dir),
        XINYU_PAGE_CACHE="0",
        XINYU_SEARCH_CACHE="0",
        XINYU_QUERY_COUNT_HEADER="1",
        XINYU_REQUEST_DEADLINE=str(max(1, timeout - 10)),
        PYTHONUNBUFFERED="1",
    )
    env.pop("XINYU_HTTPS", None)
    return env


def resolve(env) -> dict[str, str]:
    names = sorted({name for _l, _a, name, _q in PAGES})
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", RESOLVE],
        cwd=ROOT,
        env=env,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """One signed-in browser: a cookie jar, the login form's CSRF token, no redirects
    followed (a 302 to the login page is reported, not measured as the login page)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, path: str, data: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=900) as response:  # noqa: S310 - 127.0.0.1
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def login(self, username: str, password: str) -> None:
        status, _h, body = self.request("/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not match:
            raise SystemExit(f"登录页打不开（{status}）。")
        status, headers, _b = self.request(
            "/login/",
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": username,
                "password": password,
            },
        )
        if status != 302:
            raise SystemExit(f"{username} 登录失败（{status}）：数据库里有演示账户和省级数据吗？")


class FormFields(html.parser.HTMLParser):
    """The fields a browser would post from the page's last POST form: inputs with their
    values (checked ones only for radios and checkboxes), each select's selected option
    (else its first), textareas."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._first: str | None = None
        self._chosen = False
        self._multiple = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.fields = []
        elif tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._first, self._chosen = name, None, False
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first is None:
                self._first = value
            if "selected" in a and not self._chosen:
                self.fields.append((self._select, value))
                self._chosen = True

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._chosen and self._first is not None and not self._multiple:
                self.fields.append((self._select, self._first))
            self._select = None


def measure_job(session: Session, path: str, limit: float) -> dict:
    """Start a background export as a browser does (the start form, posted with its CSRF
    token and one-time key), then poll its status until the file is ready: the POST's
    own time (a web worker is held only that long) and the seconds until ready."""
    status, _h, body = session.request(path)
    if status != 200:
        return {
            "status": status,
            "n": 0,
            "median": 0,
            "min": 0,
            "max": 0,
            "bytes": 0,
            "queries": None,
            "sql_ms": None,
        }
    parser = FormFields()
    parser.feed(body.decode())
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
    fields = [(k, query.pop(k)) if k in query else (k, v) for k, v in parser.fields]
    started = time.perf_counter()
    status, headers, _b = session.request(path.split("?")[0], fields)
    posted = time.perf_counter() - started
    location = headers.get("Location", "") if status == 302 else ""
    match = re.search(r"/(\d+)/$", location)
    if not match:
        return {
            "status": status,
            "n": 0,
            "median": posted,
            "min": posted,
            "max": posted,
            "bytes": 0,
            "queries": None,
            "sql_ms": None,
            "error": "no job",
        }
    job = location if location.startswith("/") else urllib.parse.urlsplit(location).path
    state: dict = {}
    while time.perf_counter() - started < limit:
        _s, _h, raw = session.request(job + "status.json")
        state = json.loads(raw or b"{}")
        if state.get("ready") or state.get("status") == "failed":
            break
        time.sleep(0.25)
    ready = time.perf_counter() - started
    size = 0
    if state.get("ready"):
        _s, _h, data = session.request(state["download_url"])
        size = len(data)
    return {
        "status": 200 if state.get("ready") else state.get("status", "timeout"),
        "n": 1,
        "median": ready,
        "min": posted,
        "max": ready,
        "bytes": size,
        "queries": None,
        "sql_ms": None,
        "job": True,
        "rows": state.get("total"),
    }


def measure(session: Session, path: str, requests: int, slow: float) -> dict:
    """``requests`` timed requests after a warm-up (the worker's first touch of this code and
    these rows); a warm-up slower than ``slow`` seconds is the one measurement."""
    times, status, size, queries, sql_ms = [], 0, 0, None, None
    for n in range(requests + 1):
        started = time.perf_counter()
        status, headers, body = session.request(path)
        elapsed = time.perf_counter() - started
        size = len(body)
        queries = headers.get("X-Query-Count")
        sql_ms = headers.get("X-Query-Time-Ms")
        if n or elapsed > slow:
            times.append(elapsed)
        if elapsed > slow:
            break
    return {
        "status": status,
        "n": len(times),
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "bytes": size,
        "queries": int(queries) if queries is not None else None,
        "sql_ms": float(sql_ms) if sql_ms is not None else None,
    }


def main() -> int:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("请设置 DATABASE_URL（PostgreSQL，已载入省级规模数据）。", file=sys.stderr)
        return 2
    var_dir = Path(args.var).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    env = bench_env(var_dir, args.timeout)
    print("== collectstatic")
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    paths = resolve(env)
    pages = [
        (label, account, paths[name] + (f"?{query}" if query else ""))
        for label, account, name, query in PAGES
    ]
    if args.only:
        pages = [p for p in pages if args.only in p[0] or args.only in p[2]]
    port = free_port()
    log_path = var_dir / "gunicorn.log"
    proc = start_server(env, port, args.workers, log_path, timeout=args.timeout)
    # Exports run as background tasks: one django-tasks database worker beside gunicorn.
    worker_log = open(var_dir / "worker.log", "w")  # noqa: SIM115 - closed with the worker
    worker = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), "db_worker", "--interval", "0.2", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    print(f"== gunicorn {args.workers} 个 worker，端口 {port}（日志 {log_path}）")
    password = "xinyu-demo"  # settings.XINYU_DEMO_PASSWORD: every demo and province account
    results = []
    try:
        wait_for(base + "/healthz", proc)
        sessions: dict[str, Session] = {}
        for label, account, path in pages:
            if account not in sessions:
                sessions[account] = Session(base)
                sessions[account].login(ACCOUNTS[account], password)
            if "/admin/exports/new/" in path:
                r = measure_job(sessions[account], path, limit=600)
            else:
                r = measure(sessions[account], path, args.requests, args.slow)
            r.update(label=label, account=ACCOUNTS[account], path=path)
            results.append(r)
            print(
                f"   {label:<16} {r['status']} {r['median']:>7.3f} s  "
                f"{r['queries'] if r['queries'] is not None else '?':>5} 条 SQL",
                flush=True,
            )
    finally:
        stop_server(proc)
        stop_server(worker)
        worker_log.close()
        print("== gunicorn 已停止")
    report(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


def report(results: list[dict], args) -> None:
    print()
    print(
        f"每页 {args.requests} 次（先预热 1 次；超过 {args.slow:g} 秒的页面只测 1 次，n 列），"
        "页面缓存关闭，生产设置，gunicorn 2 个 worker。"
    )
    print(
        "| 页面 | 账户 | 路径 | 状态 | 中位 s | 最小 s | 最大 s | n | 大小 KB | SQL 条数 | SQL ms |"
    )
    print("|" + " --- |" * 11)
    for r in (r for r in results if not r.get("job")):
        print(
            f"| {r['label']} | {r['account']} | {r['path']} | {r['status']} | "
            f"{r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {r['n']} | "
            f"{r['bytes'] / 1024:.1f} | {r['queries'] if r['queries'] is not None else '?'} | "
            f"{r['sql_ms'] if r['sql_ms'] is not None else '?'} |"
        )
    jobs = [r for r in results if r.get("job") or "/admin/exports/new/" in r["path"]]
    if jobs:
        print()
        print(
            "后台导出（django-tasks 数据库 worker）：提交 = POST 占用 web worker 的时间；就绪 = 提交到文件可下载。"
        )
        print("| 导出 | 账户 | 状态 | 提交 s | 就绪 s | 行数 | 文件 KB |")
        print("|" + " --- |" * 7)
        for r in jobs:
            print(
                f"| {r['label']} | {r['account']} | {r['status']} | {r['min']:.3f} | "
                f"{r['median']:.1f} | {r.get('rows') or '?'} | {r['bytes'] / 1024:.1f} |"
            )


if __name__ == "__main__":
    sys.exit(main())
