"""A lesson page on a phone and a laptop: the plan and the slides preview in the page,
rendered from the lesson's content, without downloading anything."""

import os
from pathlib import Path

import pytest

from portal.models import PortalSettings

pytestmark = pytest.mark.django_db(transaction=True)


class Out:
    def __call__(self, msg):
        pass

    def every(self, *args, **kwargs):
        pass


@pytest.fixture
def lessons(transactional_db, home):
    from courses.models import LessonPage
    from demo.curricula import curricula_load
    from demo.lesson_content import CURRICULA

    portal = PortalSettings.for_site(home.get_site())
    portal.counselling_hotline = "0571-12345678"
    portal.save()
    # Three curricula, one of each theme, with crisis lessons among them.
    keep = {"junior-mental", "kindergarten-life", "senior-life"}
    curricula_load(home=home, out=Out(), curricula=[c for c in CURRICULA if c["slug"] in keep])
    return LessonPage.objects.live()


def test_lesson_preview_on_phone_and_laptop(live_server, browser, lessons, screenshot_dir):
    shots = Path(os.environ.get("SHOTS_DIR", screenshot_dir))
    for width in (375, 1366):
        _check_previews(live_server, browser, lessons, width, shots)


def _check_previews(live_server, browser, lessons, width, shots):
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        is_mobile=width < 500,
        has_touch=width < 500,
        locale="zh-CN",
    )
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    for lesson in [
        lessons.filter(touches_crisis=True).first(),
        lessons.filter(grade=2).first(),
        lessons.filter(topic="career").first(),
    ]:
        response = page.goto(live_server.url + lesson.url, wait_until="networkidle")
        assert response.status == 200
        assert page.locator("#plan h2", has_text="教学过程").is_visible()
        slides = page.locator(".slide-strip .slide")
        assert slides.count() >= 8
        box = slides.first.bounding_box()
        if width > 1000:
            assert abs(box["width"] / box["height"] - 16 / 9) < 0.05
        assert slides.first.is_visible()
        # No slide clips its text.
        clipped = page.evaluate(
            "[...document.querySelectorAll('.slide')].filter("
            "s => s.scrollHeight > s.clientHeight + 1).length"
        )
        assert clipped == 0
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{lesson.title}: page is {overflow}px wider than the screen"
        page.screenshot(path=str(shots / f"lesson-{lesson.pk}-{width}.png"), full_page=True)
        page.locator("#slides-preview").screenshot(
            path=str(shots / f"lesson-{lesson.pk}-{width}-slides.png")
        )
    # The preview is the page: no .docx, .pptx or .zip was fetched to show it.
    assert not [u for u in requests if u.endswith((".docx", ".pptx", ".zip"))]
    assert not [u for u in requests if "127.0.0.1" not in u and "localhost" not in u]
    context.close()
