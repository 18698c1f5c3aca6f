"""Demo curricula (life and frustration education for every stage, three lessons each,
each with a generated .docx lesson plan), activities, subject-infusion guides, the
home page's featured sections, and the lessons schools taught this year (lesson_demo). Idempotent: pages and documents are looked up first."""

from openpyxl import Workbook

from resources.demo import document_ensure, home_page_get, page_ensure, paragraphs
from resources.vocab import Audience, ResourceType

from .demo_content import ACTIVITIES, CURRICULA, SUBJECT_GUIDES
from .models import (
    ActivityIndexPage,
    ActivityPage,
    CurriculumIndexPage,
    CurriculumPage,
    LessonPage,
    SubjectGuidePage,
)
from .services import lesson_plan_docx


def _ul(items):
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _steps(steps):
    return [
        ("step", {"phase": phase, "title": title, "minutes": minutes, "content": f"<p>{text}</p>"})
        for phase, title, minutes, text in steps
    ]


def _observation_sheet(curriculum: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "课堂观察"
    ws.append([f"{curriculum['title']} · 课堂观察记录表（教师用）"])
    ws.append(
        ["课例", "日期", "班级", "参与度（1-5）", "情绪反应异常的学生（仅写代号）", "跟进措施"]
    )
    for lesson in curriculum["lessons"]:
        ws.append([lesson["title"], "", "", "", "", ""])
    buf = __import__("io").BytesIO()
    wb.save(buf)
    return buf.getvalue()


def load(*, out, rng):
    home = home_page_get(out)
    index, _ = page_ensure(
        home,
        CurriculumIndexPage,
        slug="curricula",
        title="课程资源",
        intro="生命教育、挫折教育和心理健康课的课程与课例，按学段组织，每个课例都附可下载的教案。",
        show_in_menus=True,
        search_description="中小学、幼儿园、中职生命教育与挫折教育课程、课例和教案下载。",
    )
    total = sum(len(c["lessons"]) for c in CURRICULA)
    done = 0
    for c in CURRICULA:
        curriculum, created = page_ensure(
            index,
            CurriculumPage,
            slug=c["slug"],
            title=c["title"],
            theme=c["theme"],
            stage=c["stage"],
            grades=c["grades"],
            summary=c["summary"],
            aims=_ul(c["aims"]),
        )
        if created:
            curriculum.tags.add(*c["tags"])
            curriculum.save_revision().publish()
        document_ensure(
            title=f"{c['title']} · 课堂观察记录表",
            filename="observation.xlsx",
            content=_observation_sheet(c),
            resource_type=ResourceType.WORKSHEET,
            stages=[c["stage"]],
            audience=Audience.TEACHERS,
            description="供执教教师记录课堂参与和需要跟进的学生，仅限教师下载。",
            tags=c["tags"],
        )
        for number, lesson_data in enumerate(c["lessons"], 1):
            lesson, created = page_ensure(
                curriculum,
                LessonPage,
                slug=f"{c['slug']}-{number}",
                publish=False,
                title=lesson_data["title"],
                grade=lesson_data["grade"],
                duration_minutes=lesson_data["minutes"],
                summary=lesson_data["summary"],
                objectives=_ul(lesson_data["objectives"]),
                preparation=f"<p>{lesson_data['preparation']}</p>",
                steps=_steps(lesson_data["steps"]),
                safety_notes=f"<p>{lesson_data['safety']}</p>",
            )
            if created:
                plan = document_ensure(
                    title=f"教案：{lesson_data['title']}（{curriculum.get_stage_display()}）",
                    filename=f"lesson-plan-{c['slug']}-{number}.docx",
                    content=lesson_plan_docx(lesson=lesson),
                    resource_type=ResourceType.LESSON_PLAN,
                    stages=[c["stage"]],
                    description=lesson_data["summary"],
                    tags=c["tags"],
                )
                lesson.lesson_plan = plan
                lesson.tags.add(*c["tags"])
                lesson.save_revision().publish()
            done += 1
            out.every("课例", done, total, every=10)

    activities, _ = page_ensure(
        home,
        ActivityIndexPage,
        slug="activities",
        title="活动与学科渗透",
        intro="体育“月主题活动”、艺术、劳动教育和社团活动方案，以及在各学科教学中渗透心理健康教育的指导。",
        show_in_menus=True,
    )
    for a in ACTIVITIES:
        page, created = page_ensure(
            activities,
            ActivityPage,
            slug=a["slug"],
            title=a["title"],
            kind=a["kind"],
            month=a["month"],
            stages=a["stages"],
            summary=a["summary"],
            aims=_ul(a["aims"]),
            steps=_steps(a["steps"]),
            materials=f"<p>{a['materials']}</p>",
            safety_notes=f"<p>{a['safety']}</p>",
        )
        if created:
            page.tags.add(*a["tags"])
            page.save_revision().publish()
    for g in SUBJECT_GUIDES:
        page_ensure(
            activities,
            SubjectGuidePage,
            slug=g["slug"],
            title=g["title"],
            subject=g["subject"],
            stages=g["stages"],
            summary=g["summary"],
            body=paragraphs(g["body"]),
        )
    _home_sections(home, index, out)
    out(f"  课程 {len(CURRICULA)} 门、课例 {total} 个、活动 {len(ACTIVITIES)} 个已就绪")
    from .lesson_demo import load as load_lessons

    load_lessons(out=out, rng=rng)


def _home_sections(home, curricula_index, out):
    """Featured curricula and parent guides, and the latest notices, on the home page."""
    from resources.models import NoticeIndexPage, ParentGuideIndexPage, ParentGuidePage

    headings = {block.value.get("heading") for block in home.body if block.block_type != "hero"}
    if "家长课堂" in headings:
        return
    guides_index = ParentGuideIndexPage.objects.first()
    notices_index = NoticeIndexPage.objects.first()
    featured_curricula = list(CurriculumPage.objects.child_of(curricula_index).live()[:6])
    featured_guides = list(ParentGuidePage.objects.live().order_by("path")[:6])
    body = list(home.body.raw_data)
    body.append(
        {
            "type": "featured",
            "value": {
                "heading": "课程资源",
                "intro": "生命教育与挫折教育课例，教案可直接下载使用。",
                "pages": [p.pk for p in featured_curricula],
                "more_page": curricula_index.pk,
            },
        }
    )
    if guides_index:
        body.append(
            {
                "type": "featured",
                "value": {
                    "heading": "家长课堂",
                    "intro": "手机上就能读的家长指导。",
                    "pages": [p.pk for p in featured_guides],
                    "more_page": guides_index.pk,
                },
            }
        )
    if notices_index:
        body.append(
            {
                "type": "latest",
                "value": {"heading": "通知与宣传", "parent": notices_index.pk, "count": 5},
            }
        )
    home.body = body
    home.save_revision().publish()
    out("  首页已添加推荐栏目")
