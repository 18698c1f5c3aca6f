"""Reads for curricula, lessons and activities."""

from django.db.models import QuerySet


def curricula_list(
    *, index, stage: str = "", theme: str = "", grade: int | None = None
) -> QuerySet:
    from ..models import CurriculumPage

    qs = CurriculumPage.objects.child_of(index).live().public()
    if stage:
        qs = qs.filter(stage=stage)
    if grade:
        qs = qs.filter(grades__has=grade)
    if theme:
        qs = qs.filter(theme=theme)
    return qs.order_by("theme", "path")


def lessons_of(*, curriculum, grade: int | None = None) -> QuerySet:
    from ..models import LessonPage

    qs = (
        LessonPage.objects.child_of(curriculum)
        .live()
        .public()
        .select_related("lesson_plan", "slides", "worksheet", "bundle")
        .order_by("path")
    )
    if grade:
        qs = qs.filter(grade=grade)
    return qs


def activities_list(*, index, kind: str = "", stage: str = "") -> QuerySet:
    from ..models import ActivityPage

    qs = ActivityPage.objects.child_of(index).live().public()
    if kind:
        qs = qs.filter(kind=kind)
    if stage:
        qs = qs.filter(stages__has=stage)
    return qs.order_by("month", "path")


# --- subject-infusion guides -------------------------------------------------------------------


def subject_guides_list(*, stage: str = "") -> list:
    """The live public subject guides of the site in the order of the subject vocabulary
    (语文, 数学 … as schools list them), optionally only those for one stage."""
    from ..models import Subject, SubjectGuidePage

    qs = SubjectGuidePage.objects.live().public()
    if stage:
        qs = qs.filter(stages__has=stage)
    order = {value: n for n, value in enumerate(Subject.values)}
    return sorted(qs.order_by("path"), key=lambda g: order.get(g.subject, len(order)))


def subject_guide_groups(*, guides) -> list[tuple[str, str, list]]:
    """``guides`` (in subject order) grouped by subject: ``[(subject, label, [guides])]``."""
    groups: list[tuple[str, str, list]] = []
    for guide in guides:
        if groups and groups[-1][0] == guide.subject:
            groups[-1][2].append(guide)
        else:
            groups.append((guide.subject, guide.get_subject_display(), [guide]))
    return groups


# The lesson topics a subject's teaching most naturally meets: a guide lists lessons of
# these topics for its stages, so a subject teacher can borrow a whole class when needed.
SUBJECT_LESSON_TOPICS = {
    "chinese": ["emotions", "relations", "life"],
    "maths": ["learning", "frustration"],
    "english": ["relations", "self"],
    "morality": ["self", "relations", "life"],
    "politics": ["career", "adaptation", "self"],
    "history": ["frustration", "life"],
    "geography": ["adaptation", "life"],
    "physics": ["frustration", "learning"],
    "chemistry": ["learning", "frustration"],
    "biology": ["life", "emotions"],
    "science": ["life", "learning"],
    "music": ["emotions", "relations"],
    "art": ["emotions", "self"],
    "pe": ["frustration", "emotions"],
    "labour": ["adaptation", "life"],
    "it": ["adaptation", "relations"],
    "practice": ["career", "adaptation"],
    "vocational": ["career", "frustration"],
}


def subject_guide_lessons(*, guide, limit: int = 6) -> list[tuple]:
    """Lessons related to ``guide``: live lessons of the guide's stages whose topic its
    subject meets (``SUBJECT_LESSON_TOPICS``), as
    ``[(lesson, stage label)]``, spread over the stages and topics. Two queries."""
    from django.db.models import Q

    from schools.vocab import Stage

    from ..models import CurriculumPage, LessonPage

    topics = SUBJECT_LESSON_TOPICS.get(guide.subject, [])
    stages = list(guide.stages or [])
    if not topics or not stages:
        return []
    curricula = list(
        CurriculumPage.objects.live().public().filter(stage__in=stages).values_list("path", "stage")
    )
    if not curricula:
        return []
    where = Q()
    for path, _ in curricula:
        where |= Q(path__startswith=path)
    lessons = (
        LessonPage.objects.live().public().filter(where, topic__in=topics).order_by("path")[:200]
    )
    stage_of = dict(curricula)
    present = {stage for _, stage in curricula}
    cap = max(1, limit // len(present))  # spread over the guide's stages
    candidates = [
        (lesson, next((stage_of[p] for p in stage_of if lesson.path.startswith(p)), ""))
        for lesson in lessons
    ]
    picked, seen, count = [], set(), {}
    for distinct_topic in (True, False):  # first one lesson per topic, then any
        for lesson, stage in candidates:
            if len(picked) >= limit or count.get(stage, 0) >= cap or lesson.pk in seen:
                continue
            if distinct_topic and any(
                other.topic == lesson.topic and s == stage for other, s in picked
            ):
                continue
            picked.append((lesson, stage))
            seen.add(lesson.pk)
            count[stage] = count.get(stage, 0) + 1
    picked.sort(key=lambda item: item[0].path)
    return [(lesson, Stage(stage).label if stage else "") for lesson, stage in picked]


# --- lesson packages: one outline and one slide deck, read by the page, its preview and
# every generated file (courses.curricula.services), so page and files never disagree -----------------

CN_NUMERALS = "一二三四五六七八九十"

# What a teacher does when a student discloses distress, self-harm thoughts or abuse during
# or after a lesson touching crisis. One text, printed on every such plan and page.
DISCLOSURE_STEPS = [
    "学生在课上或课后向你倾诉痛苦、流露轻生念头或透露受到伤害时：先停下来，找一个安静、"
    "安全的地方单独陪伴，认真倾听，不评判、不说教，也不承诺替他保密。",
    "告诉学生：“谢谢你愿意告诉我，这件事我需要请更专业的老师一起帮你。”当天交给学校心理教师，"
    "并按学校心理危机干预流程报告班主任和分管领导；有紧急危险时不离开学生，立即拨打急救或报警电话。",
    "不在班级里追问细节，不让其他同学转述；课后留意这名学生和与其亲近的同学，记录时只写事实。",
]

REFLECTION_PROMPTS = [
    "目标达成情况（认知、情感、行为三方面）：",
    "学生的典型反应与生成性问题：",
    "需要个别关注或跟进的学生（仅写代号）：",
    "下次改进：",
]


def _lines(text) -> list[str]:
    """Plain text or rich text → non-empty lines (one per paragraph or list item)."""
    import re
    from html import unescape

    raw = str(getattr(text, "source", text) or "")
    raw = re.sub(r"</(p|li|h2|h3|h4)>|<br\s*/?>", "\n", raw)
    raw = re.sub(r"<[^>]+>", "", raw)
    return [unescape(line).strip() for line in raw.splitlines() if line.strip()]


def portal_help_lines() -> list[str]:
    """The help channels from the site settings, as printed on crisis lessons' materials."""
    from wagtail.models import Site

    from portal.models import PortalSettings

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    s = PortalSettings.for_site(site) if site else PortalSettings()
    lines = []
    if s.counselling_hotline:
        hours = f"（{s.counselling_hours}）" if s.counselling_hours else ""
        lines.append(f"心理咨询热线：{s.counselling_hotline}{hours}")
    if s.national_hotline:
        lines.append(f"全国心理援助热线：{s.national_hotline}")
    if s.centre_name and s.centre_phone:
        lines.append(f"{s.centre_name}：{s.centre_phone}")
    lines.append(
        f"有伤害自己或他人的危险时，立即拨打 {s.emergency_phone} 或 {s.police_phone}，"
        "并告诉身边可信任的大人。"
    )
    return lines


def lesson_steps(*, lesson) -> list[dict]:
    from .blocks import StepBlock

    labels = dict(StepBlock().child_blocks["phase"].field.choices)
    steps = []
    for block in lesson.steps:
        v = block.value
        steps.append(
            {
                "phase": v.get("phase"),
                "phase_label": labels.get(v.get("phase"), ""),
                "title": v.get("title", ""),
                "minutes": v.get("minutes") or 0,
                "paragraphs": _lines(v.get("content")),
                "intent": (v.get("intent") or "").strip(),
            }
        )
    return steps


def lesson_meta(*, lesson) -> list[tuple[str, str]]:
    curriculum = lesson.get_parent().specific
    return [
        ("所属课程", curriculum.title),
        ("主题", curriculum.get_theme_display()),
        ("学段", curriculum.get_stage_display()),
        ("年级", lesson.get_grade_display() if lesson.grade else "—"),
        ("主题领域", lesson.get_topic_display() if lesson.topic else "—"),
        ("课时", f"{lesson.duration_minutes} 分钟"),
    ]


SECTION_PARTS = ("items", "paragraphs", "steps", "board", "prompts", "disclosure", "help", "blanks")


def lesson_outline(*, lesson) -> dict:
    """The lesson plan (教案) as sections: the page's preview and the .docx both render it."""
    sections = []

    def add(heading, **content):
        # Every key a template reads is present: a dict without "items" would answer
        # ``section.items`` in a template with ``dict.items()`` and print its own keys.
        section = dict.fromkeys(SECTION_PARTS, ())
        section.update(heading=heading, **content)
        sections.append(section)

    goals = [
        (label, text.strip())
        for label, text in (
            ("认知", lesson.goal_cognitive),
            ("情感", lesson.goal_affective),
            ("行为", lesson.goal_behavioural),
        )
        if (text or "").strip()
    ]
    add("教学目标", items=goals)
    keys = [
        (label, text.strip())
        for label, text in (("重点", lesson.key_point), ("难点", lesson.difficulty))
        if (text or "").strip()
    ]
    if keys:
        add("教学重难点", items=keys)
    if lesson.learner_analysis:
        add("学情分析", paragraphs=_lines(lesson.learner_analysis))
    if lesson.preparation:
        add("教学准备", paragraphs=_lines(lesson.preparation))
    steps = lesson_steps(lesson=lesson)
    add("教学过程", steps=steps, total=sum(s["minutes"] for s in steps))
    if lesson.board_design:
        add("板书设计", board=_lines(lesson.board_design))
    prompts = [b.value.get("prompt") for b in lesson.worksheet_prompts]
    if prompts:
        add("学习单（附）", prompts=prompts)
    if lesson.teacher_notes:
        add("教师提示", paragraphs=_lines(lesson.teacher_notes))
    safety = _lines(lesson.safety_notes)
    if safety or lesson.touches_crisis:
        add(
            "安全提示",
            paragraphs=safety,
            disclosure=DISCLOSURE_STEPS if lesson.touches_crisis else [],
            help=portal_help_lines() if lesson.touches_crisis else [],
        )
    add("教学反思", blanks=REFLECTION_PROMPTS)
    for n, section in enumerate(sections):
        section["number"] = CN_NUMERALS[n] if n < len(CN_NUMERALS) else str(n + 1)
    return {
        "title": lesson.title,
        "summary": lesson.summary,
        "meta": lesson_meta(lesson=lesson),
        "sections": sections,
    }


def _sentences(paragraphs: list[str], limit: int = 4) -> list[str]:
    """Short bullets for a slide: the paragraphs split at full stops, at most ``limit``."""
    import re

    bullets = []
    for p in paragraphs:
        bullets += [s.strip() for s in re.split(r"(?<=[。！？])", p) if s.strip()]
    return bullets[:limit]


def lesson_slides(*, lesson) -> list[dict]:
    """The slide deck (课件): a cover, the goals, one slide per step of 教学过程 (two for a
    long activity), the board design, the worksheet, help channels, and the closing slide.
    The .pptx and the page's slide preview both render it."""
    curriculum = lesson.get_parent().specific
    grade = lesson.get_grade_display() if lesson.grade else curriculum.get_stage_display()
    slides = [
        {
            "kind": "cover",
            "title": lesson.title,
            "subtitle": f"{curriculum.get_theme_display()} · {grade} · {lesson.duration_minutes} 分钟",
            "bullets": [lesson.summary],
        }
    ]
    goals = [
        f"{label}：{text.strip()}"
        for label, text in (
            ("知道", lesson.goal_cognitive),
            ("体会", lesson.goal_affective),
            ("做到", lesson.goal_behavioural),
        )
        if (text or "").strip()
    ]
    slides.append({"kind": "goals", "title": "这节课我们要", "bullets": goals})
    for step in lesson_steps(lesson=lesson):
        bullets = _sentences(step["paragraphs"], limit=8)
        label = step["phase_label"] + (f" · {step['minutes']} 分钟" if step["minutes"] else "")
        chunks = [bullets[:4], bullets[4:8]] if len(bullets) > 4 else [bullets]
        for i, chunk in enumerate(c for c in chunks if c):
            title = step["title"] + ("（续）" if i else "")
            slides.append({"kind": "step", "label": label, "title": title, "bullets": chunk})
    board = _lines(lesson.board_design)
    if board:
        slides.append({"kind": "board", "title": "板书：" + board[0], "bullets": board[1:6]})
    prompts = [b.value.get("prompt") for b in lesson.worksheet_prompts]
    if prompts:
        slides.append({"kind": "worksheet", "title": "学习单", "bullets": prompts[:5]})
    if lesson.touches_crisis:
        slides.append(
            {"kind": "help", "title": "需要帮助时，你可以找", "bullets": portal_help_lines()}
        )
    closing = ["把今天的收获带回生活里。"]
    if lesson.touches_crisis:
        closing = ["你并不孤单，求助是勇敢的表现。"]
    slides.append({"kind": "closing", "title": "谢谢大家", "bullets": closing})
    for n, slide in enumerate(slides, 1):
        slide["number"] = n
    return slides


def lesson_neighbours(*, lesson):
    """The previous and next live lessons of the same curriculum, in curriculum order."""
    from ..models import LessonPage

    siblings = LessonPage.objects.sibling_of(lesson).live().public()
    previous = siblings.filter(path__lt=lesson.path).order_by("-path").first()
    following = siblings.filter(path__gt=lesson.path).order_by("path").first()
    return previous, following
