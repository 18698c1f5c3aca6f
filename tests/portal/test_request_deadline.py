"""A request that runs too long ends with the portal's own Chinese 503 page, before
gunicorn's worker timeout would kill the worker (its bare connection drop or a proxy's
English error page); nothing it wrote stays."""

import signal
import threading

import pytest

from schools.models import AccessLog

from .slow_urls import PROBE

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.slow_urls")]


def test_a_request_past_its_deadline_gets_the_portals_page_and_writes_nothing(client, settings):
    settings.XINYU_REQUEST_DEADLINE = 0.3
    handler = signal.getsignal(signal.SIGALRM)
    response = client.get("/test-slow/")
    assert response.status_code == 503
    body = response.content.decode()
    assert '<html lang="zh-Hans">' in body
    assert "请求处理时间过长" in body and "没有保存任何内容" in body
    assert response["Retry-After"] == "30"
    # It went back out through the other middleware (security headers).
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert not AccessLog.objects.filter(object_type=PROBE).exists()
    # The timer is off and the signal handler is the one before.
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
    assert signal.getsignal(signal.SIGALRM) is handler


def test_a_quick_request_is_untouched_and_leaves_no_timer(client, settings):
    settings.XINYU_REQUEST_DEADLINE = 5
    response = client.get("/test-quick/")
    assert response.status_code == 200 and response.content == b"finished"
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_off_when_zero_and_outside_the_main_thread(client, settings):
    settings.XINYU_REQUEST_DEADLINE = 0
    assert client.get("/test-quick/").status_code == 200
    settings.XINYU_REQUEST_DEADLINE = 0.2
    seen = []

    def in_a_thread():
        seen.append(signal.getitimer(signal.ITIMER_REAL)[0])
        seen.append(client.get("/test-quick/").status_code)

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join(timeout=30)
    assert seen == [0, 200]


def test_an_upload_no_view_caught_is_a_clear_page(client):
    response = client.get("/test-upload-fails/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "文件没有保存" in body and "没有保存任何内容" in body
