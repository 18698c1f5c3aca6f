"""One journey in a real browser: a critical item is entered → the school leader is told in
the back office (bell, notification) → the warning is worked and closed with the leader's
sign-off. At 375 px (phone) for the leader and 1366 px (laptop) for the psychology teacher."""

import pytest
from django.test import Client

from screening.models import Warning
from tests.screening.factories import phq9

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 740}


def _context(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=viewport == PHONE
    )
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "domain": host, "path": "/"}
            for name, morsel in client.cookies.items()
        ]
    )
    return context


def test_critical_item_reaches_the_leader_and_is_closed_with_sign_off(
    live_server, browser, world, screenshot_dir
):
    rnd, student = world.round, world.own
    instrument = phq9()
    assert not world.leader.email or True  # e-mail plays no part: everything below is in-app
    world.leader.email = ""
    world.leader.save(update_fields=["email"])

    # 1. The psychology teacher enters a PHQ-9 with item 9 answered (laptop).
    psych_ctx = _context(browser, live_server, world.psych, LAPTOP)
    page = psych_ctx.new_page()
    page.goto(
        f"{live_server.url}/admin/screening/rounds/{rnd.pk}/enter/?instrument={instrument.pk}"
    )
    page.fill("#id_student_number", student.student_number)
    for n in range(1, 10):
        page.check(f"input[name=item_{n}][value='{2 if n == 9 else 1}']")
    page.click("button:has-text('保存并计分')")
    notice = page.locator(".screening-saved")
    notice.wait_for()
    assert "危机预警：请立即处置" in notice.inner_text()
    assert "已通知" in notice.inner_text()
    page.screenshot(path=str(screenshot_dir / "journey-1-entered-1366.png"), full_page=True)
    warning = Warning.objects.get(student=student)
    assert warning.level == "crisis" and warning.owner is not None

    # 2. The school leader, on a phone, sees the bell and opens the notification.
    leader_ctx = _context(browser, live_server, world.leader, PHONE)
    lpage = leader_ctx.new_page()
    lpage.goto(f"{live_server.url}/admin/", wait_until="networkidle")
    bell = lpage.locator("a.xinyu-bell")
    assert bell.is_visible()
    assert int(bell.locator(".xinyu-bell__count").inner_text()) >= 1
    todo = lpage.locator(".todo-item--critical").first
    assert "危机" in todo.inner_text()
    lpage.screenshot(path=str(screenshot_dir / "journey-2-leader-home-375.png"), full_page=True)
    # The bell stays clear of the page's own header: nothing of it is covered.
    box = bell.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    bell.click()
    lpage.locator(".notice-row__title a", has_text="危机预警").first.click()
    lpage.wait_for_url(f"**/admin/screening/warnings/{warning.pk}/")
    lpage.wait_for_load_state("networkidle")
    assert student.name in lpage.content()

    # 3. The psychology teacher works the warning: a note, then asks to close it.
    page.goto(f"{live_server.url}/admin/screening/warnings/{warning.pk}/", wait_until="networkidle")
    page.fill("textarea[name=work-note]", "当天当面评估，已通知家长并签署安全协议。")
    page.locator("form:has(input[name=action][value=work]) button").click()
    page.wait_for_load_state("networkidle")
    assert "当天当面评估" in page.locator("table.listing").inner_text()
    # An empty outcome is refused.
    page.locator("form:has(input[name=action][value=close]) button").click()
    page.wait_for_load_state("networkidle")
    warning.refresh_from_db()
    assert warning.status != "closed"
    page.fill(
        "textarea[name=close-outcome]", "家长带学生就诊，连续两周跟进情绪稳定，转为一般关注。"
    )
    page.locator("form:has(input[name=action][value=close]) button").click()
    page.wait_for_load_state("networkidle")
    warning.refresh_from_db()
    assert warning.status == "closing"  # a crisis waits for the leader's signature

    # 4. The leader signs off on the phone.
    lpage.goto(
        f"{live_server.url}/admin/screening/warnings/{warning.pk}/", wait_until="networkidle"
    )
    assert "已申请结案" in lpage.content()
    if not lpage.locator("textarea[name=close-outcome]").input_value():
        lpage.fill("textarea[name=close-outcome]", "同意结案。")
    lpage.locator("form:has(input[name=action][value=signoff]) button").click()
    lpage.wait_for_load_state("networkidle")
    warning.refresh_from_db()
    assert warning.status == "closed" and warning.signed_off_by == world.leader
    lpage.screenshot(path=str(screenshot_dir / "journey-3-signed-off-375.png"), full_page=True)
    psych_ctx.close()
    leader_ctx.close()
