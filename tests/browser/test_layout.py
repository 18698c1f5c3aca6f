"""Layout and accessibility of the demo site in a real browser, at phone to desktop widths.

At 375, 768, 1366 and 1920 px, on the home page, a parent guide, a lesson, the library,
/me/ and a training section (as a teacher for the last two): no navigation label breaks
over two lines, the brand stays on one line, no table cell is narrower than two
characters, nothing is wider than the window. Screenshots go to var/screenshots/ (CI keeps
them as artefacts). axe-core (from PyPI's axe-playwright-python) then finds no serious or
critical violation on the public pages.

One test loads the demo once for both checks: the live server needs committed data, and
the demo takes a while to build.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from courses.models import LessonPage, TrainingModulePage
from resources.models import NoticePage, ParentGuidePage

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [375, 768, 1366, 1920]

# Runs in the page: everything that breaks the layout, as readable lines.
LAYOUT_PROBLEMS = """
() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) {
    problems.push(`page is ${doc.scrollWidth - doc.clientWidth}px wider than the window`);
  }
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
      .map(r => Math.round(r.top)));
    return tops.size;
  };
  const visible = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  for (const a of document.querySelectorAll('.nav-list a, .nav-account a, .brand-text strong')) {
    if (visible(a) && lines(a) > 1) problems.push(`"${a.textContent.trim()}" wraps over ${lines(a)} lines`);
  }
  for (const cell of document.querySelectorAll('main td, main th')) {
    if (!visible(cell) || !cell.textContent.trim()) continue;
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const twoChars = 2 * parseFloat(style.fontSize);
    if (inner < twoChars - 1) {
      problems.push(`cell "${cell.textContent.trim().slice(0, 20)}" is ${Math.round(inner)}px wide`);
    }
  }
  // Content inside a horizontal scroller (the slide strip, wide tables) scrolls by design.
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if ((x === 'auto' || x === 'scroll') && p.getBoundingClientRect().right <= doc.clientWidth + 1) {
        return true;
      }
    }
    return false;
  };
  for (const el of document.querySelectorAll('main *')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > doc.clientWidth + 1 && getComputedStyle(el).position !== 'fixed'
        && !el.closest('.table-wrap') && !inScroller(el)) {
      problems.push(`<${el.tagName.toLowerCase()} class="${el.className}"> reaches ${Math.round(box.right)}px`);
      break;
    }
  }
  return problems;
}
"""


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def _teacher_cookies(live_server):
    """The session cookie of the demo teacher, for the browser."""
    client = Client()
    client.force_login(get_user_model().objects.get(username="teacher"))
    host = live_server.url.split("//", 1)[1].split(":")[0]
    return [
        {"name": name, "value": morsel.value, "domain": host, "path": "/"}
        for name, morsel in client.cookies.items()
    ]


def _pages():
    section = TrainingModulePage.objects.live().filter(format="online").first()
    return {
        "home": ("/", False),
        "guide": (ParentGuidePage.objects.live().first().url, False),
        "lesson": (LessonPage.objects.live().first().url, False),
        "library": ("/library/", False),
        "me": ("/me/", True),
        "training-section": (
            f"/me/training/modules/{section.pk}/sections/{list(section.sections)[0].id}/",
            True,
        ),
        "policies": ("/policies/", False),
        "contacts": ("/contacts/", False),
        "my-training": ("/me/training/", True),
    }


def test_layout_and_accessibility(live_server, demo, browser, screenshot_dir):
    pages = _pages()
    layout = layout_problems(live_server, browser, pages, screenshot_dir)
    assert layout == [], "\n".join(layout)
    violations = accessibility_violations(live_server, browser, pages)
    assert violations == [], "\n".join(violations)


def layout_problems(live_server, browser, pages, screenshot_dir) -> list[str]:
    cookies = _teacher_cookies(live_server)
    problems = []
    for width in WIDTHS:
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            is_mobile=width < 600,
            has_touch=width < 600,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.add_cookies(cookies)
        anonymous = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        for name, (url, needs_login) in pages.items():
            page = (context if needs_login else anonymous).new_page()
            response = page.goto(live_server.url + url, wait_until="networkidle")
            assert response.status == 200, f"{url}: {response.status}"
            if width < 900:
                # Open the menu: its labels must not wrap either.
                page.locator(".nav-toggle summary").click()
            for problem in page.evaluate(LAYOUT_PROBLEMS):
                problems.append(f"{name} at {width}px: {problem}")
            if width < 900:
                page.locator(".nav-toggle summary").click()  # closed again for the picture
            page.screenshot(path=str(screenshot_dir / f"layout-{name}-{width}.png"), full_page=True)
            page.close()
        context.close()
        anonymous.close()
    return problems


def accessibility_violations(live_server, browser, pages) -> list[str]:
    """axe-core's serious and critical violations on the public pages, at 375 and 1366 px."""
    from axe_playwright_python.sync_playwright import Axe

    urls = [url for url, needs_login in pages.values() if not needs_login]
    urls += [
        NoticePage.objects.live().exclude(poster_points="").first().url,
        "/training/",
        TrainingModulePage.objects.live().first().url,
        "/search/?q=情绪",
        "/login/",
    ]
    axe = Axe()
    found = []
    for width in (375, 1366):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        page = context.new_page()
        for url in urls:
            page.goto(live_server.url + url, wait_until="networkidle")
            results = axe.run(page)
            for violation in results.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    found.append(f"{url} at {width}px: {violation['id']} {targets}")
        context.close()
    return found
