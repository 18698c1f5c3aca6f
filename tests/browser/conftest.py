"""Browser tests: Playwright driving the system Chromium against pytest-django's live server.

Skipped, with the reason, when /usr/bin/chromium is missing (``apt-get install -y chromium``).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason="browser tests need /usr/bin/chromium (apt-get install -y chromium chromium-driver)"
    )
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser():
    # Module-scoped: other modules start their own Playwright, which must not find this
    # one's event loop still running.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class PageRecorder:
    """Everything a page did: requests, failed responses, console errors, CSP violations."""

    def __init__(self, page):
        self.page = page
        self.requests = []
        self.bad_responses = []
        self.console_errors = []
        self.page_errors = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "response",
            lambda response: response.status >= 400
            and self.bad_responses.append((response.status, response.url)),
        )
        page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        # Runs before any page script, outside the page's CSP.
        page.add_init_script(
            "window.__cspViolations = [];"
            "document.addEventListener('securitypolicyviolation', e => window.__cspViolations"
            ".push(e.violatedDirective + ' ' + e.blockedURI));"
        )

    def csp_violations(self):
        return self.page.evaluate("window.__cspViolations")

    def external_requests(self):
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob")
            and urlsplit(url).hostname not in LOCAL_HOSTS
        ]


@pytest.fixture
def phone(browser):
    """A phone-sized page (375×740, touch, 2× pixels) with a recorder attached."""
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    yield page, PageRecorder(page)
    context.close()


@pytest.fixture
def screenshot_dir():
    path = Path(settings.BASE_DIR) / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
