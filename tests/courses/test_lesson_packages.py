"""Lesson packages (教案 .docx, 课件 .pptx, 学习单 .docx, .zip) generated from a lesson's
structured content; the demo curricula; the page's preview, grade filters and pager."""

import io
import re
import zipfile

import docx
import pptx
import pytest
from django.test import Client

from courses.curricula.services import bureau_name

PLAN_SECTIONS = [
    "教学目标",
    "教学重难点",
    "学情分析",
    "教学准备",
    "教学过程",
    "板书设计",
    "教学反思",
]


class Out:
    def __call__(self, msg):
        pass

    def every(self, *args, **kwargs):
        pass


def _read(document) -> bytes:
    with document.open_file() as fh:
        return fh.read()


def _plan_text(d) -> str:
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture
def demo(demo_city):
    """The demo city (loaded once for all demo tests, see ``tests/conftest.py``)."""


def _lessons():
    from courses.models import LessonPage

    return list(
        LessonPage.objects.live().select_related("lesson_plan", "slides", "worksheet", "bundle")
    )


def _three_curricula_by_stage_and_grade():
    from courses.models import CurriculumPage, LessonPage
    from demo.lesson_content import CURRICULA
    from schools.vocab import STAGE_GRADES

    lessons = LessonPage.objects.live()
    assert lessons.count() >= 60
    assert CurriculumPage.objects.live().count() == 15
    for stage, grades in STAGE_GRADES.items():
        mental = lessons.filter(
            path__startswith=CurriculumPage.objects.get(theme="mental_health", stage=stage).path
        )
        # A mental-health lesson for every grade of every stage (小班 … 中职三年级).
        assert set(grades) <= set(mental.values_list("grade", flat=True)), stage
        for theme in ("life", "frustration"):
            curriculum = CurriculumPage.objects.get(theme=theme, stage=stage)
            assert LessonPage.objects.child_of(curriculum).live().count() >= 2, (theme, stage)
    # Topics follow the national guidance's six areas and the two themes.
    topics = set(lessons.values_list("topic", flat=True))
    assert {"self", "learning", "relations", "emotions", "career", "adaptation"} <= topics
    assert len(CURRICULA) == 15


def _every_package_opens_is_a4_and_has_the_sections():
    from courses.curricula.selectors import DISCLOSURE_STEPS, REFLECTION_PROMPTS, portal_help_lines
    from courses.models import LessonPage

    # What every crisis lesson carries by design; the rest is each lesson's own.
    shared = set(DISCLOSURE_STEPS) | set(REFLECTION_PROMPTS) | set(portal_help_lines())
    plans = {}
    for lesson in _lessons():
        plan = docx.Document(io.BytesIO(_read(lesson.lesson_plan)))
        text = _plan_text(plan)
        for heading in PLAN_SECTIONS:
            assert heading in text, (lesson.title, heading)
        for phase in ("导入", "活动", "分享", "总结", "延伸"):
            assert f"{phase}：" in text, (lesson.title, phase)
        assert text.count("设计意图：") >= 5, lesson.title
        assert all(w in text for w in ("认知：", "情感：", "行为：")), lesson.title
        # Compact but complete: about 1,000–1,500 characters (the issue hopes for 1,500+).
        # A kindergarten activity lasts 20 minutes: its plan is shorter.
        least = 750 if lesson.get_parent().specific.stage == "kindergarten" else 850
        assert len(re.sub(r"\s", "", text)) >= least, (lesson.title, len(text))
        section = plan.sections[0]
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        props = plan.core_properties
        # The author is the bureau named in the portal's settings (the demo's: 临澜市教育局).
        assert props.title == f"教案：{lesson.title}" and props.author == bureau_name()
        assert props.keywords and props.author != "python-docx"
        if lesson.touches_crisis:
            assert "学生倾诉时怎么做" in text and "求助信息" in text, lesson.title

        deck = pptx.Presentation(io.BytesIO(_read(lesson.slides)))
        assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)  # 16:9
        assert 8 <= len(deck.slides) <= 15, (lesson.title, len(deck.slides))
        slide_text = " ".join(
            shape.text_frame.text for s in deck.slides for shape in s.shapes if shape.has_text_frame
        )
        for block in lesson.steps:
            assert block.value["title"] in slide_text
        sizes = {
            run.font.size.pt
            for s in deck.slides
            for shape in s.shapes
            if shape.has_text_frame
            for p in shape.text_frame.paragraphs
            for run in p.runs
            if shape.text_frame.text.strip() and len(shape.text_frame.text) > 3
        }
        assert min(sizes) >= 18, lesson.title

        sheet = docx.Document(io.BytesIO(_read(lesson.worksheet)))
        sheet_text = _plan_text(sheet)
        assert round(sheet.sections[0].page_height.mm) == 297
        assert "姓名" in sheet_text
        for block in lesson.worksheet_prompts:
            assert block.value["prompt"] in sheet_text
        with zipfile.ZipFile(io.BytesIO(_read(lesson.bundle))) as z:
            names = z.namelist()
        assert len(names) == 3 and any(n.startswith("教案-") and n.endswith(".docx") for n in names)
        plans[lesson.pk] = {
            line
            for line in text.splitlines()
            if len(line) >= 30 and "：" not in line[:6] and line not in shared
        }
    assert len(plans) == LessonPage.objects.live().count()
    # No two lessons share their plan text (the boilerplate is excluded by length).
    seen = {}
    for pk, lines in plans.items():
        for line in lines:
            assert line not in seen or seen[line] == pk, line
            seen[line] = pk


def _demo_keeps_to_safety_rules():
    for lesson in _lessons():
        text = " ".join(
            [lesson.summary, lesson.learner_analysis]
            + [str(b.value["content"]) for b in lesson.steps]
        )
        for word in ("割腕", "服药过量", "跳楼", "上吊", "安眠药"):
            assert word not in text, (lesson.title, word)
        if re.search(r"死亡|自杀|轻生|活着好累|离开这个世界|不想活|想消失", text):
            assert lesson.touches_crisis, lesson.title


def _lesson_page_previews_plan_and_slides_without_downloads():
    from courses.models import LessonPage

    lesson = LessonPage.objects.live().filter(touches_crisis=True).first()
    html = Client().get(lesson.url).content.decode()
    for heading in PLAN_SECTIONS:
        assert heading in html
    step = next(iter(lesson.steps)).value
    assert step["title"] in html and step["intent"] in html
    assert html.count('class="slide slide--') == len(
        pptx.Presentation(io.BytesIO(_read(lesson.slides))).slides
    )
    assert "什么时候需要寻求帮助" in html and "学生倾诉时怎么做" in html
    assert "全部材料打包下载" in html and lesson.bundle.url in html
    assert 'rel="prev"' in html or 'rel="next"' in html


def _pager_and_grade_filters():
    from courses.models import CurriculumPage, LessonPage

    curriculum = CurriculumPage.objects.get(theme="mental_health", stage="primary")
    lessons = list(LessonPage.objects.child_of(curriculum).live().order_by("path"))
    html = Client().get(lessons[1].url).content.decode()
    assert f'href="{lessons[0].url}"' in html and f'href="{lessons[2].url}"' in html
    first = Client().get(lessons[0].url).content.decode()
    assert 'rel="prev"' not in first

    listing = Client().get(curriculum.url, {"grade": 12}).content.decode()
    titles_12 = [lesson.title for lesson in lessons if lesson.grade == 12]
    others = [lesson.title for lesson in lessons if lesson.grade != 12]
    assert titles_12 and all(t in listing for t in titles_12)
    assert not any(f">{t}</a>" in listing for t in others)

    index = curriculum.get_parent()
    page = Client().get(index.url, {"grade": 41}).content.decode()
    assert "中职" in page and "小学心理健康课" not in page


def _library_filters_by_grade():
    from resources.models import ResourceIndexPage, XinyuDocument

    library = ResourceIndexPage.objects.first()
    html = Client().get(library.url, {"grade": 21, "type": "lesson_plan"}).content.decode()
    assert XinyuDocument.objects.filter(grades__has=21, resource_type="lesson_plan").count() >= 3
    shown = re.findall(r'class="resource-title"><a [^>]*>([^<]+)<', html)
    assert shown and all("七年级" in t for t in shown)


def test_demo_curricula_lessons_and_packages(demo):
    """One load of the demo (slow: 60 lessons × 4 files), then every check of it."""
    _three_curricula_by_stage_and_grade()
    _every_package_opens_is_a4_and_has_the_sections()
    _demo_keeps_to_safety_rules()
    _lesson_page_previews_plan_and_slides_without_downloads()
    _pager_and_grade_filters()
    _library_filters_by_grade()


def test_publishing_an_edited_lesson_regenerates_its_package(home, django_user_model):
    from courses.models import LessonPage
    from tests.courses.factories import curriculum_index, make_curriculum, make_lesson

    lesson = make_lesson(make_curriculum(curriculum_index(home)))
    lesson = LessonPage.objects.get(pk=lesson.pk)
    plan_id, slides_id = lesson.lesson_plan_id, lesson.slides_id
    assert plan_id and slides_id and lesson.worksheet_id and lesson.bundle_id

    admin = django_user_model.objects.create_superuser("editor", "e@example.com", "pw-12345678")
    client = Client(enforce_csrf_checks=False)
    client.force_login(admin)
    edit_url = f"/admin/pages/{lesson.pk}/edit/"
    assert client.get(edit_url).status_code == 200
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    data = {
        "title": lesson.title,
        "slug": lesson.slug,
        "grade": 13,
        "topic": "life",
        "duration_minutes": 40,
        "summary": lesson.summary,
        "goal_cognitive": "知道豆芽每天长高约一厘米。",
        "goal_affective": "",
        "goal_behavioural": "",
        "key_point": "",
        "difficulty": "",
        "learner_analysis": "",
        "preparation": rich_text(""),
        "steps": streamfield(
            [
                (
                    "step",
                    {
                        "phase": "warm_up",
                        "title": "量一量豆芽",
                        "minutes": 6,
                        "content": rich_text("<p>用尺子量豆芽。</p>"),
                        "intent": "在测量中感受生长。",
                    },
                )
            ]
        ),
        "board_design": "",
        "worksheet_prompts": streamfield([]),
        "teacher_notes": rich_text(""),
        "safety_notes": rich_text(""),
        "worksheets": streamfield([]),
        "tags": "",
        "action-publish": "publish",
    }
    response = client.post(edit_url, nested_form_data(data))
    assert response.status_code == 302, response.context["form"].errors
    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert (lesson.lesson_plan_id, lesson.slides_id) == (plan_id, slides_id)
    text = _plan_text(docx.Document(io.BytesIO(_read(lesson.lesson_plan))))
    assert "知道豆芽每天长高约一厘米。" in text and "量一量豆芽" in text
    slides = pptx.Presentation(io.BytesIO(_read(lesson.slides)))
    assert any(
        "量一量豆芽" in shape.text_frame.text
        for s in slides.slides
        for shape in s.shapes
        if shape.has_text_frame
    )


def test_package_files_are_titled_after_the_lesson_and_saved_under_short_names(home):
    """Listed and found as 教案：豆芽长高了（三年级·生命教育第1课）; saved as
    教案-三年级-生命教育-第1课.docx (the name in the zip too)."""
    import urllib.parse

    from courses.models import LessonPage
    from tests.courses.factories import curriculum_index, make_curriculum, make_lesson

    lesson = make_lesson(make_curriculum(curriculum_index(home)), title="豆芽长高了")
    lesson = LessonPage.objects.select_related("lesson_plan", "slides", "bundle").get(pk=lesson.pk)
    assert lesson.lesson_plan.title == "教案：豆芽长高了（三年级·生命教育第1课）"
    assert lesson.slides.title == "课件：豆芽长高了（三年级·生命教育第1课）"
    assert lesson.lesson_plan.download_name == "教案-三年级-生命教育-第1课.docx"
    assert lesson.bundle.download_name == "全部材料-三年级-生命教育-第1课.zip"
    response = Client().get(lesson.lesson_plan.url)
    assert response.status_code == 200
    saved = response["Content-Disposition"].split("filename*=UTF-8''", 1)[1]
    assert urllib.parse.unquote(saved) == "教案-三年级-生命教育-第1课.docx"
    with zipfile.ZipFile(io.BytesIO(_read(lesson.bundle))) as z:
        assert "教案-三年级-生命教育-第1课.docx" in z.namelist()
