import pytest

from courses.models import (
    ActivityIndexPage,
    ActivityPage,
    CurriculumIndexPage,
    CurriculumPage,
    LessonPage,
    SubjectGuidePage,
)
from portal.models import HomePage, StandardPage
from resources.vocab import Audience, ResourceType
from tests.courses.factories import (
    activity_index,
    curriculum_index,
    make_activity,
    make_curriculum,
    make_lesson,
    make_subject_guide,
)
from tests.resources.factories import docx_bytes, make_document

pytestmark = pytest.mark.django_db


def test_page_tree_rules():
    assert CurriculumIndexPage.can_create_at(HomePage())
    assert ActivityIndexPage.can_create_at(HomePage())
    assert CurriculumPage.allowed_parent_page_models() == [CurriculumIndexPage]
    assert LessonPage.allowed_parent_page_models() == [CurriculumPage]
    assert ActivityPage.allowed_parent_page_models() == [ActivityIndexPage]
    assert set(SubjectGuidePage.allowed_parent_page_models()) == {
        CurriculumIndexPage,
        ActivityIndexPage,
    }
    # A lesson cannot sit anywhere but under a curriculum; nothing goes under a lesson.
    assert not LessonPage.can_create_at(CurriculumIndexPage())
    assert not LessonPage.can_create_at(StandardPage())
    assert LessonPage.allowed_subpage_models() == []
    assert not CurriculumPage.can_create_at(HomePage())


def test_curriculum_index_filters_by_stage_and_theme(client, home):
    index = curriculum_index(home)
    make_curriculum(index, title="小学生命教育", stage="primary", theme="life")
    make_curriculum(index, title="初中挫折教育", stage="junior", theme="frustration")
    make_subject_guide(index, title="语文学科渗透")
    html = client.get(index.url).content.decode()
    assert "小学生命教育" in html and "初中挫折教育" in html and "语文学科渗透" in html
    html = client.get(index.url, {"stage": "junior"}).content.decode()
    assert "初中挫折教育" in html and "小学生命教育" not in html
    html = client.get(index.url, {"theme": "life"}).content.decode()
    assert "小学生命教育" in html and "初中挫折教育" not in html


def test_lesson_page_shows_steps_safety_notes_and_materials(client, home):
    curriculum = make_curriculum(curriculum_index(home))
    plan = make_document(
        title="种子的旅行教案",
        filename="plan.docx",
        content=docx_bytes(),
        resource_type=ResourceType.LESSON_PLAN,
    )
    sheet = make_document(title="观察记录单", resource_type=ResourceType.WORKSHEET)
    slides = make_document(
        title="课件", resource_type=ResourceType.SLIDES, audience=Audience.TEACHERS
    )
    lesson = make_lesson(
        curriculum,
        title="种子的旅行",
        lesson_plan=plan,
        slides=slides,
        worksheets=[("document", sheet)],
    )
    response = client.get(lesson.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "种子的旅行" in html
    assert "导入" in html and "猜猜我是谁" in html and "5 分钟" in html
    assert "安全提示" in html and "留意学生情绪" in html
    # Publishing regenerated the plan from the lesson's content, in the same document.
    plan.refresh_from_db()
    assert lesson.specific.lesson_plan_id == plan.pk
    assert plan.url in html and sheet.url in html
    assert "DOCX" in html
    assert "仅限教师" in html  # the slides are marked as teachers-only
    assert 'property="og:title"' in html
    assert "content-print.css" in html


def test_curriculum_page_lists_lessons(client, home):
    curriculum = make_curriculum(curriculum_index(home), title="小学生命教育")
    make_lesson(curriculum, title="第一课")
    make_lesson(curriculum, title="第二课")
    html = client.get(curriculum.url).content.decode()
    assert "课例（2）" in html and "第一课" in html and "第二课" in html
    assert "三年级" in html


def _curriculum_queries(client, curriculum):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(curriculum.url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.usefixtures("page_cache_off")  # the uncached path
def test_curriculum_page_query_count_does_not_grow_with_lessons(client, home):
    index = curriculum_index(home)
    small, big = make_curriculum(index), make_curriculum(index)
    plan = make_document(resource_type=ResourceType.LESSON_PLAN)
    for _ in range(10):
        make_lesson(small, lesson_plan=plan, revision=False)
    for _ in range(200):
        make_lesson(big, lesson_plan=plan, revision=False)
    client.get(small.url)  # warm caches (site root, settings)
    n_small = _curriculum_queries(client, small)
    n_big = _curriculum_queries(client, big)
    assert n_small == n_big
    assert n_big <= 14


def test_activity_pages(client, home):
    index = activity_index(home)
    make_activity(index, title="五月阳光跑", stages=["primary"])
    make_activity(index, title="初中劳动周", kind="labour", stages=["junior"], month=None)
    make_subject_guide(index, title="体育课中的情绪调节", subject="pe")
    html = client.get(index.url).content.decode()
    assert "五月阳光跑" in html and "初中劳动周" in html and "体育课中的情绪调节" in html
    html = client.get(index.url, {"kind": "labour"}).content.decode()
    assert "初中劳动周" in html and "五月阳光跑" not in html
    html = client.get(index.url, {"stage": "primary"}).content.decode()
    assert "五月阳光跑" in html and "初中劳动周" not in html
    activity = ActivityPage.objects.get(title="五月阳光跑")
    html = client.get(activity.url).content.decode()
    assert "接力跑" in html and "5月" in html


def test_subject_guide_renders(client, home):
    guide = make_subject_guide(curriculum_index(home), title="语文教学中的情绪体验")
    html = client.get(guide.url).content.decode()
    assert "语文教学中的情绪体验" in html and "学科渗透 · 语文" in html
