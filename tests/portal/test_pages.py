import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from portal.models import ContactsPage, HomePage, PortalSettings, StandardPage


@pytest.fixture
def settings_filled(home):
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    portal = PortalSettings.for_site(site)
    portal.bureau_name = "示例市教育局"
    portal.counselling_hotline = "0000-1234567"
    portal.centre_name = "示例市心理健康指导中心"
    portal.emergency_phone = "120"
    portal.police_phone = "110"
    portal.save()
    return portal


def _standard(parent, **kwargs):
    page = StandardPage(
        title=kwargs.pop("title", "学生心理健康教育工作方案"),
        intro=kwargs.pop("intro", "本方案说明全市心理健康教育的目标与分工。"),
        body=kwargs.pop(
            "body",
            [
                ("heading", {"text": "工作目标", "level": "h2"}),
                ("paragraph", "<p>开齐开足心理健康课。</p>"),
                ("quote", {"text": "每一个孩子都值得被看见。", "source": "领导小组"}),
            ],
        ),
        **kwargs,
    )
    parent.add_child(instance=page)
    return page


class TestPageTree:
    def test_home_only_under_root(self, home):
        assert HomePage.parent_page_types == ["wagtailcore.Page"]
        assert HomePage.can_create_at(Page.get_first_root_node()) is False  # max_count=1
        assert StandardPage.can_create_at(home)
        assert ContactsPage.can_create_at(home)

    def test_standard_page_parents(self, home):
        page = _standard(home)
        assert StandardPage.can_create_at(page)
        assert not ContactsPage.can_create_at(page)
        assert not HomePage.can_exist_under(page)

    def test_only_one_contacts_page(self, home):
        home.add_child(instance=ContactsPage(title="联系我们"))
        assert not ContactsPage.can_create_at(home)


class TestRendering:
    def test_home_renders_blocks_in_editor_order(self, client, home):
        about = _standard(home, title="关于平台", slug="about")
        home.body = [
            ("featured", {"heading": "推荐阅读", "intro": "", "pages": [about]}),
            ("hero", {"title": "让每个孩子都被看见", "subtitle": "心理健康教育平台"}),
        ]
        home.save_revision().publish()
        html = client.get("/").content.decode()
        assert html.index("推荐阅读") < html.index("让每个孩子都被看见")
        assert 'href="/about/"' in html
        assert '<html lang="zh-Hans">' in html

    def test_latest_block_lists_newest_children(self, client, home):
        notices = _standard(home, title="通知公告", slug="notices")
        for n in range(3):
            _standard(notices, title=f"第{n}号通知", slug=f"n{n}")
        home.body = [("latest", {"heading": "最新通知", "parent": notices, "count": 2})]
        home.save_revision().publish()
        html = client.get("/").content.decode()
        assert "第2号通知" in html and "第1号通知" in html
        assert "第0号通知" not in html

    def test_standard_page(self, client, home):
        page = _standard(home, seo_title="工作方案（SEO）", search_description="方案摘要")
        response = client.get(page.url)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<h1>学生心理健康教育工作方案</h1>" in html
        assert "<blockquote" in html and "领导小组" in html
        assert '<meta property="og:title" content="工作方案（SEO）">' in html
        assert '<meta name="description" content="方案摘要">' in html

    def test_draft_is_not_served(self, client, home):
        page = _standard(home, live=False)
        assert client.get(f"/{page.slug}/").status_code == 404

    def test_site_settings_in_footer_and_contacts_page(self, client, settings_filled, home):
        contacts = home.add_child(
            instance=ContactsPage(
                title="联系我们",
                slug="contacts",
                groups=[
                    (
                        "group",
                        {
                            "heading": "领导小组",
                            "intro": "",
                            "contacts": [
                                {"role": "组长", "name": "王某", "phone": "0000-1", "note": ""}
                            ],
                        },
                    )
                ],
            )
        )
        for url in ("/", contacts.url):
            html = client.get(url).content.decode()
            assert "0000-1234567" in html
            assert 'href="tel:120"' in html and 'href="tel:110"' in html
            assert "示例市心理健康指导中心" in html
            assert "示例市教育局" in html
        html = client.get(contacts.url).content.decode()
        assert "领导小组" in html and "王某" in html

    def test_404_page_is_chinese(self, client, home):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "页面未找到" in response.content.decode()

    def test_navigation_lists_menu_pages(self, client, home):
        _standard(home, title="关于平台", slug="about", show_in_menus=True)
        _standard(home, title="隐藏页面", slug="hidden", show_in_menus=False)
        html = client.get("/").content.decode()
        assert 'href="/about/"' in html
        assert "隐藏页面" not in html


@pytest.mark.usefixtures("page_cache_off")  # the uncached path
def test_anonymous_home_page_query_budget(client, home, django_assert_max_num_queries):
    """The anonymous home page costs a constant number of queries, however many sections."""
    pages = [_standard(home, title=f"页面{n}", slug=f"p{n}", show_in_menus=True) for n in range(8)]
    home.body = [
        ("hero", {"title": "欢迎", "primary_page": pages[0]}),
        ("featured", {"heading": "推荐", "pages": pages}),
        ("latest", {"heading": "最新", "parent": home, "count": 5}),
    ]
    home.save_revision().publish()
    client.get("/")  # warm the navigation and site caches
    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        assert client.get("/").status_code == 200


HOME_QUERY_BUDGET = 12


def test_editor_can_create_standard_page_in_admin(client, home):
    from schools.vocab import Role
    from tests.factories import make_member

    editor = make_member(Role.BUREAU_ADMIN)
    client.force_login(editor)
    url = f"/admin/pages/add/portal/standardpage/{home.pk}/"
    data = nested_form_data(
        {
            "title": "新页面",
            "slug": "new-page",
            "intro": "导语",
            "body": streamfield([("paragraph", rich_text("<p>正文</p>"))]),
            "action-publish": "publish",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = StandardPage.objects.get(slug="new-page")
    assert page.live
