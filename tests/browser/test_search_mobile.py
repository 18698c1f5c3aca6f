"""The search box in the site header, on a phone: type a Chinese question, see results."""

import pytest

from tests.search.factories import publish_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def content(transactional_db, home):
    publish_page(
        home,
        title="孩子不想上学了，家长怎么办",
        intro="“我不想去学校”背后，可能是学业困难、人际困扰，也可能是焦虑。",
        paragraphs=["先弄清楚原因，再和班主任、心理教师一起商量复学的办法。"],
        slug="bu-xiang-shang-xue",
    )
    publish_page(home, title="睡个好觉", paragraphs=["规律作息，早睡早起。"], slug="shui-jiao")
    return home


def test_header_search_on_a_phone(live_server, content, phone, screenshot_dir):
    page, recorder = phone
    page.goto(live_server.url + "/", wait_until="networkidle")

    form = page.get_by_role("search", name="站内搜索")
    box = form.get_by_role("searchbox", name="搜索全站内容")
    assert box.is_visible()
    size = box.bounding_box()
    assert size["width"] >= 200 and size["height"] >= 36, size
    page.screenshot(path=str(screenshot_dir / "header-375.png"))

    box.fill("孩子不想上學怎麼辦")  # Traditional characters find the simplified page
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")

    # The search page: its own form prefilled, the header box not repeated, results shown.
    assert page.get_by_role("searchbox", name="搜索关键词").input_value() == "孩子不想上學怎麼辦"
    assert page.locator("#header-search-q").count() == 0
    first = page.locator(".results .result h2 a").first
    assert first.inner_text() == "孩子不想上学了，家长怎么办"
    assert page.locator(".results .result").count() == 1
    assert page.locator(".result mark").count() >= 1

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than the screen"
    page.screenshot(path=str(screenshot_dir / "search-375.png"), full_page=True)

    first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "孩子不想上学了，家长怎么办"
    assert recorder.bad_responses == []
    assert recorder.csp_violations() == []
    assert recorder.console_errors == []


def test_header_search_on_a_wide_screen(live_server, content, browser, screenshot_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/", wait_until="networkidle")
    header = page.locator(".site-header").bounding_box()
    box = page.get_by_role("searchbox", name="搜索全站内容")
    assert box.is_visible()
    # Two rows by design (brand and search box, then the menu on one line): the box sits in
    # the first row and the header stays compact.
    search = box.bounding_box()
    nav = page.locator(".site-header .nav-list").bounding_box()
    assert search["y"] + search["height"] <= nav["y"] + 1, (search, nav)
    assert header["height"] < 130, header
    page.screenshot(path=str(screenshot_dir / "header-1280.png"))
    box.fill("作息")
    page.get_by_role("search", name="站内搜索").get_by_role("button", name="搜索").click()
    page.wait_for_url("**/search/?q=*")
    assert page.locator(".results .result h2 a").first.inner_text() == "睡个好觉"
    context.close()
