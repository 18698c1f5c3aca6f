"""Demo curricula (life education, frustration education and mental-health classes for
every stage; the lessons are written as data in courses/demo_lessons, and publishing each
generates its package), activities, subject-infusion guides, the
home page's featured sections, and the lessons schools taught this year (lesson_demo). Idempotent: pages and documents are looked up first."""

from courses.models import (
    ActivityIndexPage,
    ActivityPage,
    CurriculumIndexPage,
    CurriculumPage,
    LessonPage,
    LessonTopic,
    SubjectGuidePage,
)
from demo.activities_content import ACTIVITIES
from demo.lesson_content import CURRICULA
from demo.resources import document_ensure, home_page_get, page_ensure
from demo.subject_guides import SUBJECT_GUIDES
from portal import spreadsheets
from resources.vocab import Audience, ResourceType


def _ul(items):
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _steps(steps):
    return [
        ("step", {"phase": phase, "title": title, "minutes": minutes, "content": f"<p>{text}</p>"})
        for phase, title, minutes, text in steps
    ]


def _observation_sheet(curriculum: dict) -> bytes:
    return spreadsheets.xlsx_build(
        spreadsheets.Sheet(
            title="课堂观察",
            preface=[[f"{curriculum['title']} · 课堂观察记录表（教师用）"]],
            headers=["课例", "日期", "班级", "参与度（1-5）", "情绪反应异常的学生（仅写代号）"]
            + ["跟进措施"],
            rows=[[lesson["title"], "", "", "", "", ""] for lesson in curriculum["lessons"]],
        )
    )


def lesson_fields(data: dict) -> dict:
    """One lesson of a demo data module (courses/demo_lessons) → LessonPage fields."""
    cognitive, affective, behavioural = data["goals"]
    return {
        "title": data["title"],
        "grade": data["grade"],
        "topic": data["topic"],
        "duration_minutes": data.get("minutes", 40),
        "summary": data["summary"],
        "goal_cognitive": cognitive,
        "goal_affective": affective,
        "goal_behavioural": behavioural,
        "key_point": data["key"],
        "difficulty": data["hard"],
        "learner_analysis": data["learners"],
        "preparation": "".join(f"<p>{line}</p>" for line in data["prep"].split("\n")),
        "steps": [
            (
                "step",
                {
                    "phase": phase,
                    "title": title,
                    "minutes": minutes,
                    "content": "".join(f"<p>{p}</p>" for p in text.split("\n")),
                    "intent": intent,
                },
            )
            for phase, title, minutes, text, intent in data["steps"]
        ],
        "board_design": "\n".join(data["board"]),
        "worksheet_prompts": [("prompt", {"prompt": p, "lines": n}) for p, n in data["sheet"]],
        "teacher_notes": f"<p>{data['notes']}</p>" if data.get("notes") else "",
        "safety_notes": f"<p>{data['safety']}</p>" if data.get("safety") else "",
        "touches_crisis": bool(data.get("crisis")),
    }


def _lesson_ensure(curriculum, *, slug, data, tags):
    """Create the lesson (or bring an old skeleton lesson up to the written content) and
    publish it; publishing generates its package (courses.apps)."""
    fields = lesson_fields(data)
    lesson = LessonPage.objects.child_of(curriculum).filter(slug=slug).first()
    if lesson is not None:
        lesson = lesson.specific
        if lesson.goal_cognitive and lesson.bundle_id:
            return lesson
        for name, value in fields.items():
            setattr(lesson, name, value)
        lesson.save()
    else:
        lesson, _ = page_ensure(curriculum, LessonPage, slug=slug, publish=False, **fields)
    lesson.tags.add(*tags, LessonTopic(data["topic"]).label)
    lesson.save_revision().publish()
    return lesson


def curricula_load(*, home, out, curricula=None) -> CurriculumIndexPage:
    """The curricula index, the curricula and their lessons (each published, which
    generates its package). ``curricula`` defaults to all of courses/demo_lessons."""
    curricula = CURRICULA if curricula is None else curricula
    index, _ = page_ensure(
        home,
        CurriculumIndexPage,
        slug="curricula",
        title="课程资源",
        intro="生命教育、挫折教育和心理健康课的课程与课例，按学段和年级组织；"
        "每个课例都有教案、课件和学习单，可在线预览、直接下载。",
        show_in_menus=True,
        search_description="幼儿园、中小学、中职生命教育、挫折教育与心理健康课的课例、"
        "教案、课件和学习单。",
    )
    total = sum(len(c["lessons"]) for c in curricula)
    done = 0
    for c in curricula:
        curriculum, created = page_ensure(
            index,
            CurriculumPage,
            slug=c["slug"],
            publish=False,
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
        for number, data in enumerate(c["lessons"], 1):
            _lesson_ensure(curriculum, slug=f"{c['slug']}-{number}", data=data, tags=c["tags"])
            done += 1
            out.every("课例", done, total, every=10)
    return index


def load(*, out, rng):
    home = home_page_get(out)
    index = curricula_load(home=home, out=out)
    total = sum(len(c["lessons"]) for c in CURRICULA)

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
        _subject_guide_ensure(activities, g)
    _home_sections(home, index, out)
    out(
        f"  课程 {len(CURRICULA)} 门、课例 {total} 个、活动 {len(ACTIVITIES)} 个、"
        f"学科渗透指导 {len(SUBJECT_GUIDES)} 篇已就绪"
    )
    from demo.lessons import load as load_lessons

    load_lessons(out=out, rng=rng)


# The four parts every subject guide has, in this order (tests/courses/test_subject_guides).
GUIDE_SECTIONS = ("渗透要点", "教材中的渗透时机", "示例活动", "注意事项与需要留意的信号")


def subject_guide_body(data: dict) -> list:
    """One guide of courses/demo_subject_guides → SubjectGuidePage body (BodyStreamBlock)."""
    points, moments, watch = GUIDE_SECTIONS[0], GUIDE_SECTIONS[1], GUIDE_SECTIONS[3]
    activity = data["activity"]
    body = [("heading", {"text": points, "level": "h2"})]
    body.append(("paragraph", "".join(f"<p>{p}</p>" for p in data["points"])))
    body.append(("heading", {"text": moments, "level": "h2"}))
    for heading, text in data["moments"]:
        body.append(("heading", {"text": heading, "level": "h3"}))
        body.append(("paragraph", f"<p>{text}</p>"))
    body.append(("heading", {"text": f"{GUIDE_SECTIONS[2]}：{activity['title']}", "level": "h2"}))
    body.append(
        (
            "paragraph",
            f"<p><strong>适用：</strong>{activity['when']}</p>"
            + _ul([f"<strong>{name}</strong>　{text}" for name, text in activity["steps"]])
            .replace("<ul>", "<ol>")
            .replace("</ul>", "</ol>"),
        )
    )
    body.append(("quote", {"text": activity["say"], "source": "教师可以这样说"}))
    body.append(("paragraph", f"<p><strong>怎样收尾：</strong>{activity['close']}</p>"))
    body.append(("heading", {"text": watch, "level": "h2"}))
    body.append(("paragraph", _ul(data["watch"])))
    return body


def _subject_guide_ensure(parent, data):
    """Create the guide, or bring an older short guide (without the four parts) up to the
    written content, and publish it."""
    fields = {
        "title": data["title"],
        "subject": data["subject"],
        "stages": data["stages"],
        "summary": data["summary"],
        "body": subject_guide_body(data),
        "touches_crisis": bool(data.get("crisis")),
    }
    page = SubjectGuidePage.objects.child_of(parent).filter(slug=data["slug"]).first()
    if page is None:
        page, _ = page_ensure(parent, SubjectGuidePage, slug=data["slug"], **fields)
        return page
    page = page.specific
    headings = {b.value.get("text") for b in page.body if b.block_type == "heading"}
    if GUIDE_SECTIONS[1] in headings:
        return page
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return page


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
                "intro": "生命教育、挫折教育与心理健康课课例，教案、课件和学习单可在线预览、直接下载。",
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
