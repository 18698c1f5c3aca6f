import datetime

import pytest
from wagtail.models import PageViewRestriction

from portal.models import HomePage, PortalSettings
from resources.models import (
    NoticeIndexPage,
    NoticePage,
    ParentGuideIndexPage,
    ParentGuidePage,
    PolicyIndexPage,
    PolicyPage,
    ResourceIndexPage,
)
from resources.vocab import GuideTopic, NoticeKind, PolicyStatus
from tests.resources.factories import (
    guide_index,
    make_document,
    make_guide,
    make_notice,
    make_policy,
    notice_index,
    policy_index,
    resource_index,
)

pytestmark = pytest.mark.django_db


def test_page_tree_rules():
    for index in (ResourceIndexPage, ParentGuideIndexPage, NoticeIndexPage, PolicyIndexPage):
        assert index.can_create_at(HomePage()), index
        assert index.allowed_parent_page_models() == [HomePage]
    assert ParentGuidePage.allowed_parent_page_models() == [ParentGuideIndexPage]
    assert NoticePage.allowed_parent_page_models() == [NoticeIndexPage]
    assert PolicyPage.allowed_parent_page_models() == [PolicyIndexPage]
    assert not ParentGuidePage.can_create_at(NoticeIndexPage())
    assert ResourceIndexPage.allowed_subpage_models() == []


def test_parent_guide_is_shareable_and_shows_hotline(client, home):
    PortalSettings.objects.update_or_create(
        site=home.get_site(), defaults={"counselling_hotline": "0571-96525"}
    )
    guide = make_guide(
        guide_index(home),
        title="孩子说“压力好大”时",
        summary="先听完，再回应。",
        seek_help="孩子连续两周睡不好、不愿上学时，请及时求助。",
    )
    response = client.get(guide.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta property="og:title" content="孩子说“压力好大”时">' in html
    assert '<meta property="og:description" content="先听完，再回应。">' in html
    assert "要点速览" in html and "不贴标签" in html
    assert "什么时候需要寻求帮助" in html and "连续两周睡不好" in html
    assert "0571-96525" in html and "12356" in html  # site hotline + national default
    assert 'media="print"' in html and "content-print.css" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_parent_guide_index_filters(client, home):
    index = guide_index(home)
    make_guide(index, title="睡前半小时", topic=GuideTopic.SLEEP, stages=["kindergarten"])
    make_guide(index, title="手机约定", topic=GuideTopic.SCREENS, stages=["junior", "senior"])
    html = client.get(index.url).content.decode()
    assert "睡前半小时" in html and "手机约定" in html
    html = client.get(index.url, {"stage": "senior"}).content.decode()
    assert "手机约定" in html and "睡前半小时" not in html
    html = client.get(index.url, {"topic": "sleep"}).content.decode()
    assert "睡前半小时" in html and "手机约定" not in html
    # Unknown filter values are ignored, not errors.
    assert client.get(index.url, {"stage": "x' OR 1=1"}).status_code == 200


@pytest.mark.usefixtures("page_cache_off")  # the uncached path
def test_parent_guide_query_count_constant(client, home, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    index = guide_index(home)
    guide = make_guide(index)
    client.get(guide.url)
    with CaptureQueriesContext(connection) as small:
        client.get(guide.url)
        client.get(index.url)
    for _ in range(30):
        make_guide(index)
    client.get(guide.url)  # the publishes renewed the cached menu: warm it again
    with CaptureQueriesContext(connection) as big:
        client.get(guide.url)
        client.get(index.url)
    assert len(small) == len(big)


def test_notices_feed_and_pages(client, home):
    index = notice_index(home)
    poster_doc = make_document(title="心理健康月海报", resource_type="poster")
    make_notice(
        index,
        title="关于开展五月心理健康月活动的通知",
        attachments=[("document", poster_doc)],
    )
    make_notice(
        index, title="实验小学举办家长课堂", kind=NoticeKind.NEWS, date=datetime.date(2024, 6, 1)
    )
    html = client.get(index.url).content.decode()
    assert html.index("实验小学举办家长课堂") < html.index("关于开展五月心理健康月活动的通知")
    html = client.get(index.url, {"kind": "news"}).content.decode()
    assert "实验小学举办家长课堂" in html and "五月心理健康月" not in html
    notice = NoticePage.objects.get(title__startswith="关于开展")
    html = client.get(notice.url).content.decode()
    assert "心理健康月海报" in html and poster_doc.url in html
    feed = client.get(index.url + "feed/")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/rss+xml")
    body = feed.content.decode()
    assert "关于开展五月心理健康月活动的通知" in body and "实验小学举办家长课堂" in body


def test_policy_library(client, home):
    index = policy_index(home)
    make_policy(index, title="学生心理健康教育工作方案", document_number="云教〔2024〕46号")
    make_policy(index, title="旧版方案", status=PolicyStatus.REPEALED)
    html = client.get(index.url).content.decode()
    assert "云教〔2024〕46号" in html and "旧版方案" in html
    html = client.get(index.url, {"status": "repealed"}).content.decode()
    assert "旧版方案" in html and "学生心理健康教育工作方案" not in html
    policy = PolicyPage.objects.get(title="学生心理健康教育工作方案")
    html = client.get(policy.url).content.decode()
    assert "发文机关" in html and "临澜市教育科技局" in html and "现行有效" in html


def test_sitemap_lists_public_pages_only(client, home):
    guides = guide_index(home)
    public = make_guide(guides, title="公开文章", slug="public-guide")
    private = make_guide(guides, title="内部文章", slug="private-guide")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    draft = ParentGuidePage(
        title="草稿",
        slug="draft-guide",
        topic=GuideTopic.SLEEP,
        stages=["primary"],
        summary="x",
        body=[],
        live=False,
    )
    guides.add_child(instance=draft)
    lib = resource_index(home)
    xml = client.get("/sitemap.xml").content.decode()
    assert public.full_url in xml
    assert lib.full_url in xml
    assert "private-guide" not in xml
    assert "draft-guide" not in xml
