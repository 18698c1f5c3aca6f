import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources.models import XinyuDocument
from resources.selectors import resources_list
from resources.vocab import Audience, ResourceType
from tests.resources.factories import bulk_documents, make_document, resource_index

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(home):
    index = resource_index(home, per_page=2)
    docs = {
        "plan": make_document(
            title="小学生命教育教案",
            resource_type=ResourceType.LESSON_PLAN,
            stages=["primary"],
            tags=["生命教育"],
        ),
        "poster": make_document(
            title="初中心理健康月海报",
            resource_type=ResourceType.POSTER,
            stages=["junior"],
            tags=["情绪"],
        ),
        "slides": make_document(
            title="高中挫折教育课件",
            resource_type=ResourceType.SLIDES,
            stages=["senior", "vocational"],
            audience=Audience.TEACHERS,
            tags=["挫折教育", "生命教育"],
        ),
        "hidden": make_document(
            title="实验小学内部制度", resource_type=ResourceType.POLICY, listed=False
        ),
    }
    XinyuDocument.objects.filter(pk=docs["poster"].pk).update(download_count=50)
    return index, docs


def titles(response):
    return [d.title for d in response.context["documents"]]


def test_lists_documents_with_type_size_and_audience(client, library):
    index, docs = library
    response = client.get(index.url, {"sort": "popular"})
    html = response.content.decode()
    assert titles(response) == ["初中心理健康月海报", "高中挫折教育课件"]
    assert "共 3 份资料" in html
    assert "海报" in html and "PDF" in html and "bytes" in html or "字节" in html
    assert "仅限教师" in html
    assert "实验小学内部制度" not in html


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"type": "lesson_plan"}, {"小学生命教育教案"}),
        ({"stage": "vocational"}, {"高中挫折教育课件"}),
        ({"stage": "junior"}, {"初中心理健康月海报"}),
        ({"audience": "teachers"}, {"高中挫折教育课件"}),
        ({"topic": "生命教育"}, {"小学生命教育教案", "高中挫折教育课件"}),
        (
            {"type": "bogus", "stage": "nowhere"},
            {"小学生命教育教案", "初中心理健康月海报", "高中挫折教育课件"},
        ),
    ],
)
def test_filters(client, library, params, expected):
    index, _ = library
    index.per_page = 50
    index.save()
    response = client.get(index.url, params)
    assert set(titles(response)) == expected


def test_sort_and_pagination(client, library):
    index, _ = library
    first = client.get(index.url)  # newest first, 2 per page
    assert titles(first) == ["高中挫折教育课件", "初中心理健康月海报"]
    second = client.get(index.url, {"page": 2})
    assert titles(second) == ["小学生命教育教案"]
    assert "第 2 / 2 页" in second.content.decode()
    popular = client.get(index.url, {"sort": "popular", "page": 1})
    assert titles(popular)[0] == "初中心理健康月海报"
    # Filters survive paging links.
    html = client.get(index.url, {"sort": "popular"}).content.decode()
    assert "?sort=popular&amp;page=2" in html


def test_detail_page_with_related_resources(client, library):
    index, docs = library
    response = client.get(f"{index.url}{docs['plan'].pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "小学生命教育教案" in html and "相关资源" in html
    assert [d.title for d in response.context["related"]] == ["高中挫折教育课件"]
    assert client.get(f"{index.url}{docs['hidden'].pk}/").status_code == 404
    assert client.get(f"{index.url}999999/").status_code == 404


def test_stage_lookup_is_one_like_query():
    qs = resources_list(stage="primary")
    assert "LIKE" in str(qs.query) and ",primary," in str(qs.query)
    with pytest.raises(ValueError):
        str(XinyuDocument.objects.filter(stages__has="nowhere").query)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.usefixtures("page_cache_off")  # the uncached path
def test_library_query_count_same_for_10_and_200(client, home):
    index = resource_index(home, per_page=500)
    bulk_documents(10)
    client.get(index.url)
    n10 = _count(client, index.url)
    bulk_documents(190)
    n200 = _count(client, index.url)
    assert n10 == n200
    assert n200 <= 14
