"""Issue 16: no dead ends (the fallback ladder), tags and attached files indexed, crisis
queries first, a popular list nobody can poison, restricted files never listed, cached
anonymous results, constant query counts."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from resources.vocab import Audience
from schools.vocab import Role
from search.models import SearchQuery, SearchQueryDay
from search.popular import query_blocked_reason
from search.segment import crisis_words
from search.selectors import MIN_RESULTS, popular_queries, search_run
from search.services import query_stat_record, search_query_review
from tests.factories import SchoolFactory, StudentFactory, UserFactory, make_member

from .factories import docx_bytes, publish_page, upload_document

URL = "/search/"


def _json(client, **params):
    response = client.get(URL, {**params, "format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def pages(home):
    return {
        "hx": publish_page(home, title="家校沟通的五个要点", paragraphs=["家长会前先和班主任约好"]),
        "crisis": publish_page(
            home,
            title="识别孩子的心理危机信号",
            paragraphs=["孩子突然送走心爱的东西、说再见，要立即陪伴并求助专业人员"],
        ),
        "yuwen": publish_page(
            home, title="在语文教学中渗透心理健康教育", paragraphs=["借课文体察情绪"]
        ),
        "emotion": publish_page(home, title="认识情绪", paragraphs=["情绪没有好坏之分"]),
    }


# --- the ladder ---------------------------------------------------------------------------


def test_bigrams_of_a_word_nothing_contains_reach_its_parts(client, pages):
    data = _json(client, q="家校共育")
    assert data["step"] == "parts"
    assert data["results"][0]["title"] == "家校沟通的五个要点"
    page = client.get(URL, {"q": "家校共育"}).content.decode()
    assert "没有完全匹配的结果" in page


def test_related_topics_are_the_last_rung(client, pages):
    data = _json(client, q="情绪管理")  # no page says 情绪管理; 情绪 is its part
    assert data["total"] >= 1
    assert data["results"][0]["title"] == "认识情绪"


def test_nothing_found_offers_topics_and_guides_never_a_bare_page(client, pages):
    document = upload_document(title="入学准备", filename="a.txt", content="入学".encode())
    document.tags.add("幼小衔接")
    document.save()
    data = _json(client, q="量子纠缠")
    assert data["total"] == 0
    assert "幼小衔接" in data["suggestions"]["topics"]
    page = client.get(URL, {"q": "量子纠缠"}).content.decode()
    assert "常看的主题" in page and "没有结果" not in page


def test_tags_are_searched(client, home):
    document = upload_document(title="入学前的准备", filename="b.txt", content="书包".encode())
    document.tags.add("幼小衔接")
    document.save()
    assert [r["title"] for r in _json(client, q="幼小衔接")["results"]] == ["入学前的准备"]


def test_text_of_attached_public_files_is_part_of_the_page(
    client, home, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        public = upload_document(
            title="学习单", filename="w.docx", content=docx_bytes("画出你的情绪温度计")
        )
        private = upload_document(
            title="教师版答案",
            filename="t.docx",
            content=docx_bytes("秘密批注苹果树"),
            audience=Audience.TEACHERS,
        )
    page = publish_page(home, title="第一课", paragraphs=["导入"])
    page.body = [
        (
            "documents",
            {"heading": "下载", "documents": [{"document": public}, {"document": private}]},
        )
    ]
    page.save_revision().publish()
    titles = [r["title"] for r in _json(client, q="情绪温度计")["results"]]
    assert "第一课" in titles
    # A teachers-only file's words never reach a public page (or its snippet).
    assert _json(client, q="苹果树")["total"] == 0


# --- crisis ---------------------------------------------------------------------------------


@pytest.mark.parametrize("word", crisis_words())
def test_every_crisis_word_shows_the_help_box_first(client, pages, word):
    data = _json(client, q=word)
    assert data["crisis"] and any(c["number"] == "120" for c in data["crisis"]["contacts"])
    assert data["results"][0]["title"] == "识别孩子的心理危机信号"


def test_crisis_box_comes_before_results_and_uses_site_settings(client, pages, home):
    from portal.models import PortalSettings

    settings = PortalSettings.for_site(home.get_site())
    settings.centre_name, settings.centre_phone = "临澜市心理健康指导中心", "0871-1234567"
    settings.save()
    html = client.get(URL, {"q": "孩子说不想活了"}).content.decode()
    assert "0871-1234567" in html and "12356" in html
    # Titles carry <mark> around the words searched for: compare the text without tags.
    box = html.index('class="crisis-help"')
    assert "识别孩子的心理危机信号" not in re.sub(r"<[^>]+>", "", html[:box])
    assert "识别孩子的心理危机信号" in re.sub(r"<[^>]+>", "", html[box:])
    assert _json(client, q="考试焦虑")["crisis"] is None


def test_crisis_guidance_found_even_when_no_page_has_the_word(client, pages):
    data = _json(client, q="割腕")  # no page says 割腕
    assert data["total"] >= 1 and data["results"][0]["title"] == "识别孩子的心理危机信号"


# --- the popular list -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,reason",
    [
        ("加vx12345领取免费心理咨询", "数字串"),
        ("加VX领取免费咨询", "联系方式"),
        ("心理咨询 微信 xinli", "联系方式"),
        ("扣扣群 心理", "联系方式"),
        ("www.example.com 心理", "网址"),
        ("https://a.cn", "网址"),
        ("自残", "危机词"),
        ("不想活了怎么办", "危机词"),
        ("自殘", "危机词"),
    ],
)
def test_filter_refuses_spam_and_crisis_words(text, reason):
    assert query_blocked_reason(text, names=False) == reason


def test_names_of_students_and_staff_are_never_stored(db):
    StudentFactory(name="欧阳小明")
    UserFactory(real_name="司马老师")
    assert not query_stat_record(query="欧阳小明 厌学", results=3)
    assert not query_stat_record(query="司马老师 电话", results=3)
    assert not SearchQuery.objects.exists()


def test_a_visitor_counts_once_a_day_and_nothing_unapproved_is_listed(client, pages):
    for _ in range(3):
        client.get(URL, {"q": "家校沟通"})
    Client(REMOTE_ADDR="10.0.0.9").get(URL, {"q": "家校沟通"})
    for _ in range(3):  # three anonymous requests for a spam query
        client.get(URL, {"q": "加vx12345领取免费心理咨询"})
    stat = SearchQuery.objects.get(text="家校沟通")
    assert SearchQueryDay.objects.get(query=stat).visitors == 2
    assert popular_queries() == []  # not approved yet
    spam = SearchQuery.objects.get(text="加vx12345领取免费心理咨询")
    assert spam.blocked_reason == "数字串"
    editor = make_member(Role.BUREAU_ADMIN)
    with pytest.raises(Exception, match="不能采用"):
        search_query_review(query=spam, user=editor, approve=True)
    search_query_review(query=stat, user=editor, approve=True)
    assert popular_queries() == ["家校沟通"]


def test_editors_see_zero_result_queries_others_are_refused(client, pages):
    client.get(URL, {"q": "量子纠缠"})
    assert SearchQuery.objects.get(text="量子纠缠").results == 0
    url = reverse("search_queries")
    client.force_login(make_member(Role.SCHOOL_ADMIN))
    assert client.get(url, {"tab": "zero"}).status_code == 403
    editors = Client(enforce_csrf_checks=True)
    editors.force_login(make_member(Role.BUREAU_ADMIN))
    page = editors.get(url, {"tab": "zero"})
    assert page.status_code == 200 and "量子纠缠" in page.content.decode()
    stat = SearchQuery.objects.get(text="量子纠缠")
    # Approving a query that found nothing is refused with a message.
    response = editors.post(
        url,
        {"query": stat.pk, "action": "approve", "csrfmiddlewaretoken": page.context["csrf_token"]},
    )
    assert response.status_code == 302
    stat.refresh_from_db()
    assert stat.status == SearchQuery.PENDING


# --- restricted files: listed exactly when they may be opened --------------------------------


def test_a_schools_internal_file_is_found_only_by_those_who_may_open_it(client, home):
    from resources.selectors import document_may_download

    own, other = SchoolFactory(), SchoolFactory()
    document = upload_document(
        title="本校心理健康工作计划",
        filename="plan.txt",
        content="工作计划".encode(),
        school=own,
        listed=False,
    )
    viewers = {
        "anonymous": AnonymousUser(),
        "other school's teacher": make_member(Role.TEACHER, school=other),
        "own school's teacher": make_member(Role.TEACHER, school=own),
        "bureau": make_member(Role.BUREAU_ADMIN),
    }
    for label, user in viewers.items():
        outcome = search_run(query="心理健康工作计划", user=user)
        titles = [h.plain_title for h in outcome.hits]
        counted = sum(v.count for v in outcome.facets.get("kind", []))
        may = document_may_download(document=document, user=user) is True
        assert ("本校心理健康工作计划" in titles) is may, label
        assert counted == outcome.total, label


def _text(response) -> str:
    """The page's text (titles carry <mark> around the words searched for)."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


# --- speed ----------------------------------------------------------------------------------


def test_anonymous_results_are_cached_until_something_is_published(
    client, home, django_assert_max_num_queries
):
    publish_page(home, title="家校沟通案例", paragraphs=["家校沟通的方法"])
    client.get(URL, {"q": "家校沟通"})
    with django_assert_max_num_queries(4):  # the popular-list count only
        assert "家校沟通案例" in _text(client.get(URL, {"q": "家校沟通"}))
    publish_page(home, title="家校沟通新案例", paragraphs=["家校沟通"])
    assert "家校沟通新案例" in _text(client.get(URL, {"q": "家校沟通"}))


def test_anonymous_search_pages_are_kept_rendered_yet_never_stale(
    client, pages, home, django_assert_max_num_queries
):
    """A repeated anonymous search is served rendered (no template, no site lookups); an
    edit of the site settings shows in the crisis box at once, and every visitor's search
    is still counted for the popular list."""
    from portal.models import PortalSettings

    client.get(URL, {"q": "孩子说不想活了"})
    with django_assert_max_num_queries(1):
        html = client.get(URL, {"q": "孩子说不想活了"}).content.decode()
    assert 'class="crisis-help"' in html
    settings = PortalSettings.for_site(home.get_site())
    settings.centre_phone = "0871-7654321"
    settings.save()
    assert "0871-7654321" in client.get(URL, {"q": "孩子说不想活了"}).content.decode()
    other = Client(HTTP_USER_AGENT="another browser")
    other.get(URL, {"q": "孩子说不想活了"})
    day = SearchQueryDay.objects.get(query__text="孩子说不想活了")
    assert day.visitors == 2


def test_query_count_is_constant_for_teachers_too(client, home):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_member(Role.TEACHER))

    def count(n):
        for i in range(n):
            publish_page(home, title=f"情绪调节{n}-{i}", paragraphs=["情绪调节的方法"])
            upload_document(
                title=f"教师用情绪调节{n}-{i}",
                filename="x.txt",
                content="情绪调节".encode(),
                audience=Audience.TEACHERS,
            )
        client.get(URL, {"q": "情绪调节"})
        with CaptureQueriesContext(connection) as ctx:
            client.get(URL, {"q": "情绪调节"})
        return len(ctx.captured_queries)

    # Both above MIN_RESULTS: with fewer results the ladder's next rung runs (one more query).
    assert count(MIN_RESULTS) == count(12)


def test_results_never_depend_on_the_cache_for_who_may_see_them(client, home):
    """A teacher's search never fills the anonymous cache with restricted files."""
    upload_document(
        title="教师用情绪课",
        filename="y.txt",
        content="情绪课".encode(),
        audience=Audience.TEACHERS,
    )
    teacher = Client()
    teacher.force_login(make_member(Role.TEACHER))
    assert _json(teacher, q="情绪课")["total"] == 1
    assert _json(client, q="情绪课")["total"] == 0


# --- a page's own files ----------------------------------------------------------------------


def test_a_lessons_own_files_rank_after_the_other_results(client, home):
    """The lesson's entry holds its files' text: found together, the lesson comes first and
    its 教案, 课件 … after every other result — and they do not count as results enough to
    stop the ladder, so the page that has only one of the words is still found."""
    from tests.courses.factories import curriculum_index, make_curriculum, make_lesson

    make_lesson(make_curriculum(curriculum_index(home)), title="豆芽长高了")
    publish_page(home, title="种子发芽记", paragraphs=["把种子泡在温水里"])
    data = _json(client, q="豆芽 种子")
    titles = [r["title"] for r in data["results"]]
    assert titles[:2] == ["豆芽长高了", "种子发芽记"], titles
    files = titles[2:]
    assert len(files) == 4 and all("豆芽长高了（三年级·生命教育第1课）" in t for t in files)
    # Asked for files, the files are the results.
    only_files = _json(client, q="豆芽 种子", kind="file")
    assert sorted(r["title"] for r in only_files["results"]) == sorted(files)
