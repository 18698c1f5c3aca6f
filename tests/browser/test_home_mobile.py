"""The home page in a phone browser: readable, accessible, self-contained."""

import pytest

from portal.models import PortalSettings

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(transactional_db, home):
    """The home page's site is the default site, so it also answers for localhost."""
    assert home.get_site().is_default_site
    portal = PortalSettings.for_site(home.get_site())
    portal.counselling_hotline = "0571-12345678"
    portal.counselling_hours = "每天 8:00—22:00"
    portal.centre_name = "市学生心理健康指导中心"
    portal.centre_phone = "0571-87654321"
    portal.save()
    return home


def test_home_on_a_phone(live_server, site, phone, screenshot_dir):
    page, recorder = phone
    response = page.goto(live_server.url + "/", wait_until="networkidle")
    assert response.status == 200
    assert "心育平台" in page.title()

    # The footer's emergency numbers are there and visible once scrolled to.
    emergency = page.locator(".site-footer .emergency")
    emergency.scroll_into_view_if_needed()
    for number in ("120", "110"):
        link = emergency.locator(f"a[href='tel:{number}']")
        assert link.is_visible(), f"emergency number {number} not visible"
        box = link.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 16, f"tel:{number} too small: {box}"
    assert page.locator(".site-footer a[href='tel:0571-12345678']").is_visible()

    # Nothing is wider than the phone's screen.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than the screen"

    page.screenshot(path=str(screenshot_dir / "home-375.png"), full_page=True)

    # Every request stayed on this machine; nothing failed, nothing was blocked.
    assert recorder.external_requests() == []
    assert recorder.bad_responses == []
    assert recorder.csp_violations() == []
    assert recorder.console_errors == []
    assert recorder.page_errors == []
    assert any(url.endswith(".css") for url in recorder.requests)


def test_skip_link_is_the_first_stop_and_jumps_to_the_content(live_server, site, phone):
    page, recorder = phone
    page.goto(live_server.url + "/", wait_until="networkidle")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "({cls: document.activeElement.className, text: document.activeElement.textContent,"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"cls": "skip-link", "text": "跳到正文", "href": "#main"}
    # Hidden until focused, then on screen.
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0 and box["width"] > 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert recorder.console_errors == []


def test_menu_opens_on_a_phone(live_server, site, phone, screenshot_dir):
    page, recorder = phone
    page.goto(live_server.url + "/", wait_until="networkidle")
    nav = page.locator("nav.main-nav")
    assert not nav.is_visible()
    page.locator(".nav-toggle summary").click()
    assert nav.is_visible()
    assert page.locator("nav.main-nav a[href='/login/']").is_visible()
    page.screenshot(path=str(screenshot_dir / "home-375-menu.png"))
    assert recorder.csp_violations() == []


def test_home_on_a_desktop(live_server, site, browser, screenshot_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/", wait_until="networkidle")
        # The main navigation is shown without opening a menu.
        assert page.locator("nav.main-nav a[href='/login/']").is_visible()
        footer = page.locator(".site-footer").bounding_box()
        # On a short page the footer reaches the bottom of the window.
        assert footer["y"] + footer["height"] >= 800 - 1
        page.screenshot(path=str(screenshot_dir / "home-1280.png"), full_page=True)
    finally:
        context.close()
