"""Real-browser checks (Debian chromium + Playwright): a parent reads a guide on a phone;
a teacher downloads a lesson plan and gets a valid .docx."""

import io
import os
import shutil

import pytest

from courses.curricula.services import lesson_plan_docx
from resources.services import document_create
from resources.vocab import Audience, ResourceType
from schools.vocab import Role
from tests.courses.factories import curriculum_index, make_curriculum, make_lesson
from tests.factories import make_member
from tests.resources.factories import guide_index, make_guide

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def site(root_ready, live_server, home):
    from wagtail.models import Site

    host, port = live_server.url.split("//")[1].split(":")
    Site.objects.filter(pk=home.get_site().pk).update(hostname=host, port=int(port))
    return live_server


def test_parent_reads_a_guide_on_a_phone(browser, site, home):
    guide = make_guide(guide_index(home), title="孩子说压力大", slug="pressure")
    page = browser.new_page(viewport={"width": 375, "height": 740})
    page.goto(site.url + guide.url)
    assert page.locator("h1").inner_text() == "孩子说压力大"
    assert page.locator(".seek-help").is_visible()
    assert page.locator("meta[property='og:title']").get_attribute("content") == "孩子说压力大"
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def _lesson_with_plan(home, audience):
    lesson = make_lesson(make_curriculum(curriculum_index(home)), title="种子的旅行")
    plan = document_create(
        title="种子的旅行教案",
        filename="seed-plan.docx",
        content=lesson_plan_docx(lesson=lesson),
        resource_type=ResourceType.LESSON_PLAN,
        audience=audience,
    )
    lesson.lesson_plan = plan
    lesson.save_revision().publish()
    # Publishing regenerates the lesson's package into the same document (a new file name).
    plan.refresh_from_db()
    return lesson, plan


def test_teacher_downloads_a_valid_docx_lesson_plan(browser, site, home, client):
    import docx

    lesson, plan = _lesson_with_plan(home, Audience.TEACHERS)
    client.force_login(make_member(Role.TEACHER))
    context = browser.new_context(accept_downloads=True)
    host = site.url.split("//")[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    page = context.new_page()
    page.goto(site.url + lesson.url)
    with page.expect_download() as info:
        page.click(f"a[href='{plan.url}']")
    path = info.value.path()
    with open(path, "rb") as fh:
        document = docx.Document(io.BytesIO(fh.read()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "种子的旅行" in text and "教学目标" in text and "教学过程" in text and "教学反思" in text
    assert "1. 导入：猜猜我是谁（5 分钟）" in text


def test_anonymous_visitor_is_sent_to_login_for_teachers_only_plan(browser, site, home):
    lesson, plan = _lesson_with_plan(home, Audience.TEACHERS)
    page = browser.new_page()
    page.goto(site.url + plan.url)
    assert "/login/" in page.url
