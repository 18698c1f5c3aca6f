"""What browsers, crawlers and share sheets ask of every site, and pages that used to break."""

import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.templatetags.static import static
from PIL import Image
from wagtail.models import Site

from portal.blocks import HomeStreamBlock
from resources.models import XinyuImage
from resources.vocab import Audience
from schools.vocab import Role
from tests.courses.factories import make_module
from tests.factories import make_member
from tests.resources.factories import (
    make_document,
    make_notice,
    make_policy,
    notice_index,
    policy_index,
    resource_index,
)

pytestmark = pytest.mark.django_db


def _meta(html: str, prop: str) -> str | None:
    tag = BeautifulSoup(html, "html.parser").find("meta", attrs={"property": prop})
    return tag["content"] if tag else None


def _poster(title="海报") -> XinyuImage:
    buf = io.BytesIO()
    Image.new("RGB", (60, 90), (29, 122, 107)).save(buf, "PNG")
    return XinyuImage.objects.create(title=title, file=ImageFile(buf, name="poster.png"))


def test_robots_txt_keeps_crawlers_out_of_private_areas(client, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://xinyu.example.cn"
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines and "Disallow: /me/" in lines
    assert "Sitemap: https://xinyu.example.cn/sitemap.xml" in lines
    assert client.head("/robots.txt").status_code == 200


def test_favicon_ico_is_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("img/favicon.ico")
    with open(finders.find("img/favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # the ICO signature


def test_site_address_follows_the_base_url(client, home, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://xinyu.example.cn"
    call_command("site_address", stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("xinyu.example.cn", 443)
    call_command("site_address", "--base-url", "http://127.0.0.1:8080", stdout=io.StringIO())
    site.refresh_from_db()
    assert site.root_url == "http://127.0.0.1:8080"
    # The default site still answers for any host, and the sitemap names the real address.
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://127.0.0.1:8080/</loc>" in xml and "localhost" not in xml


def test_every_page_has_a_share_image_and_the_right_og_type(client, home):
    notices = notice_index(home)
    notice = make_notice(notices)
    home_html = client.get("/").content.decode()
    assert _meta(home_html, "og:type") == "website"
    assert _meta(home_html, "og:image").endswith("/static/img/og-default.png")
    assert _meta(home_html, "og:image").startswith("http://testserver/")
    assert _meta(client.get(notices.url).content.decode(), "og:type") == "website"
    notice_html = client.get(notice.url).content.decode()
    assert _meta(notice_html, "og:type") == "article"
    # Pages outside the page tree (login, search) carry the same tags.
    for url in ("/login/", "/search/?q=情绪"):
        html = client.get(url).content.decode()
        assert _meta(html, "og:type") == "website" and _meta(html, "og:image"), url


def test_a_notice_with_a_poster_renders_and_shares_the_poster(client, home):
    notice = make_notice(notice_index(home), poster=_poster("心理热线海报"))
    response = client.get(notice.url)
    assert response.status_code == 200
    html = response.content.decode()
    soup = BeautifulSoup(html, "html.parser")
    original = soup.find("a", string="下载原图")
    assert original["href"].startswith("/media/images/") and original.has_attr("download")
    rendition = notice.poster.renditions.get(filter_spec="original")
    assert original["href"] == rendition.url and rendition.file.storage.exists(rendition.file.name)
    assert "/media/images/" in _meta(html, "og:image")


def test_teachers_only_download_sends_visitors_to_log_in_and_back(client, home):
    library = resource_index(home)
    public = make_document(title="公开教案")
    private = make_document(title="教师专用教案", audience=Audience.TEACHERS)
    html = client.get(library.url).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    login_link = soup.find("a", string="教师登录后下载")
    assert login_link["href"] == "/login/?next=%2Flibrary%2F"
    assert not login_link.has_attr("download")
    assert soup.find("a", href=public.url).has_attr("download")
    assert private.url not in html
    detail = client.get(f"{library.url}{private.pk}/").content.decode()
    button = BeautifulSoup(detail, "html.parser").find("a", string="教师登录后下载")
    assert button["href"] == f"/login/?next=%2Flibrary%2F{private.pk}%2F"
    # After logging in, the same button downloads the file.
    client.force_login(make_member(Role.TEACHER))
    html = client.get(f"{library.url}{private.pk}/").content.decode()
    button = BeautifulSoup(html, "html.parser").find("a", string="下载文件")
    assert button["href"] == private.url and button.has_attr("download")


def test_home_dates_notices_by_their_own_date(client, home):
    notices = notice_index(home)
    make_notice(notices, title="较早的通知", date=datetime.date(2024, 3, 15))
    make_notice(notices, title="较新的通知", date=datetime.date(2024, 5, 20))
    policies = policy_index(home)
    make_policy(policies, title="一份政策", issued_on=datetime.date(2023, 10, 9))
    home.body = HomeStreamBlock().to_python(
        [
            {"type": "latest", "value": {"heading": "通知", "parent": notices.pk, "count": 5}},
            {"type": "latest", "value": {"heading": "政策", "parent": policies.pk, "count": 5}},
        ]
    )
    home.save_revision().publish()
    html = client.get("/").content.decode()
    items = [
        li.get_text(" ", strip=True)
        for li in BeautifulSoup(html, "html.parser").select(".news-list li")
    ]
    assert items == ["较新的通知 2024-05-20", "较早的通知 2024-03-15", "一份政策 2023-10-09"]


def test_training_page_invites_a_logged_in_teacher_to_start(client, home):
    module = make_module(home)
    assert "登录后开始学习" in client.get(module.url).content.decode()
    client.force_login(make_member(Role.TEACHER))
    html = client.get(module.url).content.decode()
    assert "登录后开始学习" not in html and ">开始学习</a>" in html
