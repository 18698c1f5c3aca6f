"""In a real browser (Debian chromium via Playwright): the bureau's dashboard and a school's
report. Skipped where no chromium is installed."""

import datetime
import shutil

import pytest
from django.conf import settings
from django.utils import timezone

from courses.lessons.selectors import lessons_expected
from courses.models import LessonRecord
from oversight.models import Submission
from schools.calendar import Period
from schools.models import Facility
from schools.vocab import PsychEmployment, Role
from tests.factories import (
    FacilityFactory,
    MembershipFactory,
    SchoolClassFactory,
    SchoolFactory,
    make_member,
)

from .factories import make_campaign

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop; the test's own ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _page_as(browser, client, live_server, user):
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def test_bureau_dashboard_in_browser(browser, client, live_server, home, tmp_path):
    schools = SchoolFactory.create_batch(6)
    for school in schools[:4]:
        MembershipFactory(
            school=school, role=Role.PSYCH_TEACHER, psych_employment=PsychEmployment.FULL_TIME
        )
        FacilityFactory(school=school, kind=Facility.Kind.COUNSELLING_ROOM)
    # Lessons taught: school i has 4 classes, i of them up to date (0%, 25%, … 100%).
    period = Period.school_year()
    need = lessons_expected(start=period.start, as_of=period.as_of)
    for i, school in enumerate(schools[:5]):
        for n in range(4):
            cls = SchoolClassFactory(school=school)
            if n < i:  # enough periods to be up to date: up to 4 a day, on past days
                for k in range(-(-need // 4)):
                    LessonRecord.objects.create(
                        school=school,
                        school_class=cls,
                        taught_on=timezone.localdate() - datetime.timedelta(days=k),
                        topic="认识我的情绪",
                        periods=4,
                    )
    page, errors = _page_as(browser, client, live_server, make_member(Role.BUREAU_ADMIN))
    page.goto(f"{live_server.url}/admin/oversight/dashboard/")
    assert page.locator("h1").first.inner_text().strip().startswith("督导看板")
    chart = page.locator("#panel-psych_teachers svg.xy-chart")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 40
    assert page.locator("#panel-psych_teachers .xy-alerts li").count() == 2
    # The bars are drawn (the stylesheet loaded: bars are not black defaults).
    fill = page.eval_on_selector(
        "#panel-psych_teachers .xy-chart__bar", "el => getComputedStyle(el).fill"
    )
    assert fill == "rgb(46, 125, 107)"
    # Curriculum coverage: its chart beside screening's, with the table behind it.
    curriculum = page.locator("#panel-curriculum")
    assert curriculum.locator("h2").inner_text() == "心理健康课程覆盖"
    chart = curriculum.locator("svg.xy-chart")
    assert chart.is_visible() and chart.bounding_box()["height"] > 100
    assert curriculum.locator(".xy-chart__bar").count() == 8  # 中小学, 幼儿园, six schools
    table = curriculum.locator(".xy-chart-table").inner_text()
    assert "中小学\t每两周 1 节\t" in table and "\t20\t10\t50%" in table
    panels = page.locator("section.xy-panel").evaluate_all("els => els.map(e => e.id)")
    assert panels.index("panel-curriculum") + 1 == panels.index("panel-screening")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    curriculum.screenshot(path=str(tmp_path / "curriculum.png"))
    assert errors == []


def test_school_fills_in_report_in_browser(browser, client, live_server, home, tmp_path):
    school = SchoolFactory(name="青禾实验学校")
    MembershipFactory(
        school=school, role=Role.PSYCH_TEACHER, psych_employment=PsychEmployment.PART_TIME
    )
    leader = make_member(Role.SCHOOL_LEADER, school=school)
    campaign = make_campaign()
    page, errors = _page_as(browser, client, live_server, leader)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name=campaign.title).click()
    page.wait_for_load_state()
    assert "平台预填数据" in page.content()
    assert page.locator(".xy-figures").inner_text().count("教职工岗位") >= 3

    page.get_by_label("1. 本学期开展的心理健康主题活动").fill("开展了心理健康月和心理剧展演。")
    page.get_by_label("2. 心理健康课开课班级数").fill("12")
    page.get_by_label("3. 是否建立学生心理档案").select_option("yes")
    page.get_by_label("4. 家校协同的主要方式").select_option("家访")
    page.locator("textarea[name=note_psych_part_time]").fill("另有一名教师正在参加资格培训。")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert "草稿已保存" in page.content()
    assert Submission.objects.get().status == "draft"

    page.get_by_role("button", name="提交市局").click()
    page.wait_for_load_state()
    assert "已提交市局" in page.content()
    assert page.locator(".xy-status").inner_text() == "已提交"
    assert "另有一名教师正在参加资格培训。" in page.content()
    page.screenshot(path=str(tmp_path / "submission.png"), full_page=True)
    assert Submission.objects.get().status == "submitted"
    assert errors == []
