"""The back office entirely in Chinese: Wagtail's strings its catalogue lacks are ours,
booleans read 是/否, the 帮助 menu opens the portal's own editor guide, and a failed save
names the tab and field in Chinese."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from wagtail.models import Page

from accounts.models import User
from portal.models import StandardPage
from portal.selectors import EDITOR_GUIDE_SLUG

ROOT = Path(settings.BASE_DIR)
# What used to show in English (issue 15 item 9), as a reader sees it on the page.
ENGLISH = [
    re.compile(r"\d+\s*(Pages?|Images?|Documents?)\b"),
    re.compile(r"Search all pages"),
    re.compile(r"Insert a block"),
    re.compile(r"Autosave is"),
    re.compile(r"\bExploring\b"),
    re.compile(r"\bNew:"),
    re.compile(r"\b(True|False|None)\b"),
    re.compile(r"could not be (saved|created)"),
    re.compile(r"validation errors"),
    re.compile(r"Go to the first error"),
    re.compile(r"Editor Guide|editor guide|What's new"),
]


def _script():
    spec = importlib.util.spec_from_file_location("wagtail_zh", ROOT / "scripts" / "wagtail_zh.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _visible(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "template", "code", "pre"]):
        tag.decompose()
    for tag in soup.find_all(attrs={"hidden": True}):
        tag.decompose()
    texts = list(soup.stripped_strings)
    for tag in soup.find_all(True):
        for attr in ("placeholder", "title", "aria-label", "alt"):
            if isinstance(tag.get(attr), str):
                texts.append(tag[attr])
    return "\n".join(texts)


def _english(html: str) -> list[str]:
    text = _visible(html)
    return [m.group(0) for pattern in ENGLISH for m in pattern.finditer(text)]


# --- offline: the catalogue, the compiled files, the summary --------------------------------


def test_no_wagtail_string_lacks_a_chinese_translation():
    gaps = _script().missing()
    assert not gaps, {d: [m.msgid for m in ms][:20] for d, ms in gaps.items()}


def test_committed_mo_files_match_their_po():
    script = _script()
    for po in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} missing: run make messages"
        assert mo.read_bytes() == script.mo_bytes(script.po_read(po)), f"{mo} is stale"


def test_translations_are_active():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Search all pages…") == "搜索全部页面…"
        assert translation.gettext("New: %(model_name)s") % {"model_name": "筛查批次"} == (
            "新建筛查批次"
        )
        assert translation.gettext("Exploring") == "正在浏览"


# --- the back office as the demo's admins see it ---------------------------------------------


@pytest.fixture
def guide(demo_city):
    return StandardPage.objects.get(slug=EDITOR_GUIDE_SLUG)


@pytest.mark.parametrize("username", ["bureau_admin", "school_admin"])
def test_dashboard_listing_and_menus_are_chinese(client, guide, username):
    client.force_login(User.objects.get(username=username))
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    assert _english(html) == []
    # 帮助 opens the portal's own guide, never guide.wagtail.org.
    assert "guide.wagtail.org" not in html and "wagtail.org" not in html
    assert guide.url in html
    documents = client.get("/admin/documents/")
    assert documents.status_code == 200 and _english(documents.content.decode()) == []
    if username == "bureau_admin":
        home = Page.objects.get(slug="xinyu-home")
        explore = client.get(f"/admin/pages/{home.pk}/")
        assert explore.status_code == 200 and _english(explore.content.decode()) == []
        search = client.get("/admin/pages/search/?q=心理")
        assert search.status_code == 200 and _english(search.content.decode()) == []


def test_page_editor_and_failed_save_name_tab_and_field_in_chinese(client, guide):
    client.force_login(User.objects.get(username="bureau_admin"))
    about = StandardPage.objects.get(slug="about")
    edit = client.get(f"/admin/pages/{about.pk}/edit/")
    assert edit.status_code == 200 and _english(edit.content.decode()) == []
    # JS strings (the block inserter, autosave) come from the admin's JS catalogue.
    catalog = client.get("/admin/jsi18n/").content.decode()
    assert "\\u63d2\\u5165\\u5185\\u5bb9\\u5757" in catalog or "插入内容块" in catalog
    failed = client.post(
        f"/admin/pages/{about.pk}/edit/",
        {"title": "", "slug": "", "intro": "", "body-count": "0"},
    )
    assert failed.status_code == 200
    html = failed.content.decode()
    assert _english(html) == []
    text = _visible(html)
    assert "页面内容有误，未能保存。" in text
    assert "请修改「内容」标签页中的“标题”" in text
    assert "「推荐」标签页中的“缩略名”" in text


def test_listing_booleans_read_yes_or_no(client, demo_city):
    client.force_login(User.objects.get(username="bureau_admin"))
    listing = client.get("/admin/oversight/manage/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert _english(html) == []
    assert re.search(r">\s*是\s*<|是\s*</td>", html)


def test_editor_guide_is_a_chinese_page_of_the_site(client, guide):
    response = client.get(guide.url)
    assert response.status_code == 200
    text = _visible(response.content.decode())
    for words in ("发布一篇家长指导", "上传一份教案或课件", "谁做什么、谁审核"):
        assert words in text
