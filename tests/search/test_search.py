import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from schools.vocab import Role
from search.models import SearchEntry, SearchFacetValue
from search.selectors import search_run
from search.services import entry_sync
from tests.factories import UserFactory, make_member

from .factories import docx_bytes, pdf_bytes, pptx_bytes, publish_page, upload_document, xlsx_bytes
from .relevance_set import CASES, SAMPLE_PAGES, hit_at_k

URL = "/search/"


@pytest.fixture
def guides(home):
    return [
        publish_page(home, title=p["title"], intro=p["intro"], paragraphs=p["paragraphs"])
        for p in SAMPLE_PAGES
    ]


def _json(client, **params):
    response = client.get(URL, {**params, "format": "json"})
    assert response.status_code == 200, response.content[:500]
    return response.json()


def _titles(client, q):
    return [r["title"] for r in _json(client, q=q)["results"]]


# --- relevance ------------------------------------------------------------------------------


def test_relevance_set_hit_at_3(client, guides):
    assert len(CASES) >= 30
    score, misses = hit_at_k(CASES, lambda q: _titles(client, q), k=3)
    assert score >= 0.9, misses


# --- pages and documents ---------------------------------------------------------------------


def test_finds_words_that_appear_only_inside_a_docx(
    client, home, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = upload_document(
            title="第三课 教案",
            filename="lesson3.docx",
            content=docx_bytes("教学目标：认识情绪小怪兽，学会用深呼吸平复愤怒。"),
        )
    document.refresh_from_db()
    assert "情绪小怪兽" in document.extracted_text
    data = _json(client, q="情绪小怪兽")
    assert data["total"] == 1
    hit = data["results"][0]
    assert hit == {
        "title": "第三课 教案",
        "url": document.url,
        "kind": "file",
        "snippet": hit["snippet"],
    }
    assert "<mark>情绪</mark>" in hit["snippet"] and "<mark>怪兽</mark>" in hit["snippet"]


@pytest.mark.parametrize(
    ("filename", "content", "needle"),
    [
        ("slides.pptx", pptx_bytes("沙盘游戏体验课"), "沙盘游戏"),
        ("plan.xlsx", xlsx_bytes(["周次", "主题"], [1, "正念呼吸练习"]), "正念"),
    ],
)
def test_text_is_extracted_from_pptx_and_xlsx(
    client, home, django_capture_on_commit_callbacks, filename, content, needle
):
    with django_capture_on_commit_callbacks(execute=True):
        upload_document(title="资料", filename=filename, content=content)
    assert _json(client, q=needle)["total"] == 1


def test_unreadable_and_textless_files_do_not_break_upload(
    client, home, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        broken = upload_document(title="损坏的文件", filename="broken.docx", content=b"not a zip")
        blank = upload_document(title="空白扫描件", filename="scan.pdf", content=pdf_bytes())
    broken.refresh_from_db()
    blank.refresh_from_db()
    assert broken.extracted_text == "" and broken.extracted_file.endswith(".docx")
    assert blank.extracted_text == ""
    assert _json(client, q="损坏")["total"] == 1


def test_drafts_and_unpublished_pages_never_appear(client, home):
    publish_page(home, title="草稿：寒假心理调适", paragraphs=["寒假作息调整建议"], live=False)
    live = publish_page(home, title="开学季心理调适", paragraphs=["开学前一周调整作息"])
    # A later draft of a live page is not searchable until published.
    live.body = [("paragraph", "<p>秘密草稿内容苹果树</p>")]
    live.save_revision()
    assert _json(client, q="寒假")["total"] == 0
    assert _json(client, q="苹果树")["total"] == 0
    assert _json(client, q="开学")["total"] == 1
    live.unpublish()
    assert _json(client, q="开学")["total"] == 0
    assert not SearchEntry.objects.filter(page=live).exists()


def test_private_pages_are_hidden(client, home):
    from wagtail.models import PageViewRestriction

    page = publish_page(home, title="内部资料页", paragraphs=["内部培训安排"])
    PageViewRestriction.objects.create(page=page, restriction_type="login")
    assert _json(client, q="内部培训")["total"] == 0


@pytest.fixture
def teachers_only_document(home):
    from resources.vocab import Audience

    return upload_document(
        title="【教师】心理危机干预流程",
        filename="crisis.txt",
        content="危机干预流程".encode(),
        audience=Audience.TEACHERS,
    )


def test_teachers_only_documents_hidden_from_anonymous_and_non_teachers(
    client, teachers_only_document
):
    assert _json(client, q="危机干预")["total"] == 0
    outsider = UserFactory()
    client.force_login(outsider)
    assert _json(client, q="危机干预")["total"] == 0


def test_teachers_only_documents_visible_to_teachers(client, teachers_only_document):
    client.force_login(make_member(Role.TEACHER))
    data = _json(client, q="危机干预")
    assert [r["title"] for r in data["results"]] == ["【教师】心理危机干预流程"]


# --- JSON, facets, suggestions, promotions, statistics -----------------------------------------


def test_json_schema(client, guides):
    data = _json(client, q="厌学")
    assert set(data) >= {"total", "results", "facets"}
    assert data["total"] >= 1
    for result in data["results"]:
        assert set(result) == {"title", "url", "kind", "snippet"}
    assert set(data["facets"]) == {"kind", "stage", "topic"}


@pytest.mark.parametrize("chunk", [None, 1], ids=["one-read", "read-in-chunks"])
def test_facet_counts_and_filters(
    client, home, guides, django_capture_on_commit_callbacks, monkeypatch, chunk
):
    if chunk:  # as with more matched entries than one statement may bind
        monkeypatch.setattr("search.selectors.engine.FACET_READ_CHUNK", chunk)
    for page, stages, topics in [
        (guides[0], ["primary", "junior"], ["厌学"]),
        (guides[4], ["junior"], ["考试"]),
    ]:
        entry = SearchEntry.objects.get(page=page)
        for s in stages:
            SearchFacetValue.objects.create(entry=entry, facet="stage", value=s)
        for t in topics:
            SearchFacetValue.objects.create(entry=entry, facet="topic", value=t)
    with django_capture_on_commit_callbacks(execute=True):
        upload_document(title="学习压力自评表", filename="a.txt", content="学习压力".encode())

    data = _json(client, q="压力")
    kinds = {f["value"]: f["count"] for f in data["facets"]["kind"]}
    assert kinds == {"page": data["total"] - 1, "file": 1}

    data = _json(client, q="孩子")
    stages = {f["value"]: f["count"] for f in data["facets"]["stage"]}
    assert stages == {"junior": 2, "primary": 1}
    assert {f["label"] for f in data["facets"]["stage"]} == {"初中", "小学"}

    filtered = _json(client, q="孩子", stage="primary")
    assert [r["title"] for r in filtered["results"]] == [guides[0].title]
    # The stage facet still counts the other stages (facets don't filter themselves).
    assert {f["value"]: f["count"] for f in filtered["facets"]["stage"]} == stages
    assert _json(client, q="孩子", kind="file")["total"] == 0


def test_and_falls_back_to_or(client, guides):
    data = _json(client, q="留守儿童 早恋")  # no page talks about both
    assert data["operator"] == "or" and data["step"] == "any"
    assert data["note"]  # the page says these are partial matches
    assert {r["title"] for r in data["results"][:2]} == {
        "给隔代监护人的关爱指南",
        "孩子有了喜欢的人，父母怎么谈",
    }


def test_a_compound_finds_content_that_uses_its_parts(client, home):
    publish_page(home, title="主题班会设计", paragraphs=["一节心理主题的班会怎样上"])
    data = _json(client, q="怎么开心理班会")
    assert data["operator"] == "and"
    assert [r["title"] for r in data["results"]] == ["主题班会设计"]


def test_long_queries_accept_entries_missing_one_word_after_complete_ones(client, home):
    publish_page(home, title="关爱留守儿童", paragraphs=["父母外出务工，留守儿童由祖辈照看"])
    publish_page(home, title="给在外务工父母的信", paragraphs=["父母外出务工，留守的孩子需要联系"])
    publish_page(home, title="父母课堂", paragraphs=["父母课堂每月一次"])
    data = _json(client, q="留守儿童 家长外出打工")
    assert data["operator"] == "and" and data["step"] == "all"
    titles = [r["title"] for r in data["results"]]
    assert titles[:2] == ["关爱留守儿童", "给在外务工父母的信"]
    # Fewer than three full matches: the ladder adds partial ones after them, and says so.
    assert titles[2:] == ["父母课堂"] and data["note"]


def test_ranking_prefers_title_matches_and_optional_words(client, home):
    publish_page(home, title="压力管理课", paragraphs=["学生认识压力、学会放松"] * 3)
    publish_page(home, title="孩子说压力好大", paragraphs=["倾听孩子"])
    publish_page(home, title="作息", paragraphs=["压力之外，还要注意睡眠"])
    titles = _titles(client, "孩子总说压力大")
    assert titles[0] == "孩子说压力好大"
    assert titles[-1] == "作息"


def test_or_ranks_entries_by_how_many_words_they_contain(client, home):
    publish_page(home, title="早恋", paragraphs=["青春期早恋"])
    publish_page(home, title="沟通", paragraphs=["沟通技巧"])
    publish_page(home, title="家庭生活", paragraphs=["家里聊到早恋，也聊到怎样沟通"])
    # No entry has three of the four words: OR, and the one with two comes first although
    # the others match in their titles.
    data = _json(client, q="早恋 沟通 手机成瘾 失眠")
    assert data["operator"] == "or"
    assert [r["title"] for r in data["results"]][0] == "家庭生活"
    assert data["total"] == 3


def test_a_known_misspelling_is_searched_corrected(client, guides):
    data = _json(client, q="焦滤")
    assert data["suggestions"]["correction"] == "焦虑"
    assert data["suggestions"]["corrected"] is True
    assert data["total"] > 0
    page = client.get(URL, {"q": "焦滤"}).content.decode()
    assert "已按“<strong>焦虑</strong>”为您搜索" in page


def test_suggestions_when_nothing_matches(client, guides):
    from search.models import SearchQuery, SearchQueryDay

    approved = SearchQuery.objects.create(text="厌学", results=3, status=SearchQuery.APPROVED)
    SearchQueryDay.objects.create(query=approved, date=timezone.localdate(), visitors=4)
    SearchQuery.objects.create(text="沉迷手机", results=3)  # not approved: never listed
    data = _json(client, q="量子纠缠")
    assert data["total"] == 0
    assert data["suggestions"]["popular"] == ["厌学"]
    page = client.get(URL, {"q": "量子纠缠"}).content.decode()
    assert "大家都在搜" in page and "没有结果" not in page


def test_search_promotion_pins_a_result(client, guides):
    target = guides[-1]
    SearchPromotion.objects.create(query=Query.get("心理热线"), page=target, sort_order=0)
    data = _json(client, q="心理热线")
    assert data["results"][0]["title"] == target.title
    assert data["results"][0]["promoted"] is True


def test_html_page_renders_highlight_facets_and_pagination(client, home):
    for i in range(12):
        publish_page(home, title=f"心理健康月活动{i}", paragraphs=["心理健康月系列活动"])
    response = client.get(URL, {"q": "心理健康月"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>心理健康月</mark>" in html
    assert "第 1 / 2 页" in html and 'rel="next"' in html
    assert response["Cache-Control"].startswith("private")
    second = client.get(URL, {"q": "心理健康月", "page": 2}).content.decode()
    assert second.count('class="result"') == 2


def test_snippet_escapes_html(client, home):
    publish_page(
        home, title="转义测试", paragraphs=["&lt;script&gt;alert(1)&lt;/script&gt; 正念练习"]
    )
    data = _json(client, q="正念")
    assert "<script>" not in data["results"][0]["snippet"]
    assert "&lt;script&gt;" in data["results"][0]["snippet"]


@pytest.mark.parametrize(
    "q",
    [
        "",
        "孩" * 1000,
        '" * ( ) OR NEAR -',
        '"厌学',
        "厌学 OR",
        "NEAR(厌学 上学)",
        "😀😀😀",
        "，。！？；：",
        "ADHD 注意力不集中",
        "<script>alert(1)</script>",
        "%00",
        "孩子 AND NOT 厌学 NEAR/3 * the or",
        "{title body} : 厌学 ^ 🙂",
        "心理班会" * 40,
    ],
)
def test_bad_input_never_errors(client, guides, q):
    assert client.get(URL, {"q": q}).status_code == 200
    assert client.get(URL, {"q": q, "format": "json"}).status_code == 200


@pytest.mark.parametrize(
    "params", [{"page": "abc"}, {"page": "-3"}, {"page": "99999"}, {"kind": "x"}, {"stage": "zz"}]
)
def test_bad_parameters_never_error(client, guides, params):
    assert client.get(URL, {"q": "厌学", **params}).status_code == 200


def test_query_budget_is_constant_in_the_number_of_results(
    client, home, django_assert_max_num_queries
):
    def count_queries(n):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for i in range(n):
            publish_page(home, title=f"家校沟通案例{n}-{i}", paragraphs=["家校沟通的方法"])
        client.get(URL, {"q": "家校沟通"})  # warm: the popular-query row exists afterwards
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"q": "家校沟通"}).status_code == 200
        return len(ctx.captured_queries)

    few = count_queries(1)
    many = count_queries(10)  # 11 results: a full first page
    assert many == few
    with django_assert_max_num_queries(13):
        client.get(URL, {"q": "家校沟通", "format": "json"})


def test_screening_and_school_records_are_not_search_indexed():
    """Only pages and documents are indexed; no school record model is."""
    from wagtail.search.index import get_indexed_models

    indexed = {m._meta.app_label for m in get_indexed_models()}
    assert not indexed & {"schools", "screening", "duty", "accounts"}


def test_search_link_reversal():
    assert reverse("search:search") == URL


def test_entry_sync_is_idempotent(guides):
    before = SearchEntry.objects.count()
    entry_sync(obj=guides[0])
    entry_sync(obj=guides[0])
    assert SearchEntry.objects.count() == before


def test_search_run_without_request(guides):
    from django.contrib.auth.models import AnonymousUser

    outcome = search_run(query="厌学", user=AnonymousUser())
    assert outcome.total >= 1


def test_reindex_command_rebuilds_entries_with_progress(guides, django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    SearchEntry.objects.filter(page=guides[0]).delete()
    with django_capture_on_commit_callbacks(execute=True):
        document = upload_document(
            title="教案", filename="x.docx", content=docx_bytes("放松训练五步法")
        )
    out = io.StringIO()
    call_command("search_reindex", "--extract", stdout=out)
    text = out.getvalue()
    assert "页面：" in text and "文档：1/1" in text and "搜索索引已重建" in text
    assert SearchEntry.objects.filter(page=guides[0]).exists()
    assert SearchEntry.objects.filter(document=document).exists()
    # Running again changes nothing.
    before = SearchEntry.objects.count()
    call_command("search_reindex", "--entries-only", stdout=io.StringIO())
    assert SearchEntry.objects.count() == before


def test_documents_in_private_collections_are_hidden(client, home):
    from wagtail.models import Collection, CollectionViewRestriction

    private = Collection.get_first_root_node().add_child(name="内部资料")
    CollectionViewRestriction.objects.create(collection=private, restriction_type="login")
    upload_document(
        title="内部研讨纪要", filename="m.txt", content="研讨纪要".encode(), collection=private
    )
    assert _json(client, q="研讨纪要")["total"] == 0
    client.force_login(make_member(Role.TEACHER))
    assert _json(client, q="研讨纪要")["total"] == 1


def test_heading_levels_are_not_indexed_as_text(client, home):
    from portal.models import StandardPage

    page = StandardPage(
        title="作息调整",
        slug="zuo-xi",
        body=[
            ("heading", {"text": "早睡早起", "level": "h2"}),
            ("paragraph", "<p>规律作息</p>"),
        ],
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    entry = SearchEntry.objects.get(page=page)
    assert "早睡早起" in entry.text and "二级标题" not in entry.text
    assert _json(client, q="二级标题")["total"] == 0
    assert _json(client, q="早睡早起")["total"] == 1
