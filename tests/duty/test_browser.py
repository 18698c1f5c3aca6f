"""In a real browser (Debian chromium + Playwright): a school leader files an incident and its
phone report; the bureau inbox shows the clock."""

import datetime
import os
import shutil

import pytest
from django.utils import timezone

from duty.models import IncidentReport
from schools.vocab import Role
from tests.factories import SchoolFactory, UserFactory, make_member

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
]


@pytest.fixture
def browser_page():
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test body
    # are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(locale="zh-CN", timezone_id="Asia/Shanghai")
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "xinyu-test-pass")
    page.click("main button[type=submit]")  # not the header's search button
    page.wait_for_load_state()


def test_leader_files_incident_and_phone_report_bureau_sees_clock(live_server, browser_page):
    page = browser_page
    school = SchoolFactory(name="城南实验中学")
    make_member(
        Role.SCHOOL_LEADER, school=school, user=UserFactory(username="leader1", real_name="周校长")
    )
    make_member(Role.BUREAU_ADMIN, user=UserFactory(username="bureau1", real_name="市局钱老师"))
    now = timezone.localtime().replace(second=0, microsecond=0)

    _login(page, live_server.url, "leader1")
    page.goto(f"{live_server.url}/admin/duty/incidents/new/")
    page.select_option("select[name=category]", "accident")
    page.fill(
        "input[name=occurred_at]", (now - datetime.timedelta(minutes=12)).strftime("%Y-%m-%dT%H:%M")
    )
    page.fill(
        "input[name=discovered_at]",
        (now - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
    )
    page.fill("input[name=place]", "实验楼一楼")
    page.fill(
        "textarea[name=first_facts]", "化学实验课上一名学生手背轻度烫伤，已用冷水冲洗并送校医室。"
    )
    page.click("form.duty-form button[type=submit]")
    page.wait_for_load_state()
    assert "电话报告：剩余" in page.content()

    page.select_option("select[name=kind]", "phone")
    page.fill("input[name=happened_at]", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=caller]", "周校长")
    page.fill("input[name=callee]", "市局安全科")
    page.fill("textarea[name=content]", "已电话报告首报情况。")
    page.click("form.duty-form button[type=submit]")
    page.wait_for_load_state()
    assert "已按时报告" in page.content()
    incident = IncidentReport.objects.get()
    assert incident.entries.filter(kind="phone").exists()

    page.context.clear_cookies()
    _login(page, live_server.url, "bureau1")
    page.goto(f"{live_server.url}/admin/duty/incidents/")
    row = page.locator("table.duty-inbox tbody tr").first
    text = row.inner_text()
    assert "城南实验中学" in text
    assert "已按时报告" in text  # phone clock
    assert "剩余 1 小时" in text  # written clock: due two hours after discovery
