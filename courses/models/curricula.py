"""Curricula, lessons, activities and subject-infusion guidance (R-1, R-2)."""

from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.search import index

from portal.blocks import RICH_FEATURES, BodyStreamBlock
from portal.models import BasePage
from portal.params import choice_param, int_choice_param
from resources.fields import VocabularySetField, labels_of
from schools.vocab import Grade, Stage
from search.index import SEGMENTED_SEARCH_FIELDS, SegmentedSearchMixin

from ..curricula.blocks import StepsStreamBlock, WorksheetStreamBlock

__all__ = [
    "ActivityIndexPage",
    "ActivityKind",
    "ActivityPage",
    "ActivityPageTag",
    "CurriculumIndexPage",
    "CurriculumPage",
    "CurriculumPageTag",
    "CurriculumTheme",
    "LessonPage",
    "LessonPageTag",
    "LessonTopic",
    "Subject",
    "SubjectGuidePage",
]


class CurriculumTheme(models.TextChoices):
    LIFE = "life", "生命教育"
    FRUSTRATION = "frustration", "挫折教育"
    MENTAL_HEALTH = "mental_health", "心理健康课"
    SUBJECT = "subject", "学科渗透"


class LessonTopic(models.TextChoices):
    """What a lesson is about: the six areas of the national guidance for mental-health
    education, and the two themes the bureau's plan names."""

    SELF = "self", "认识自我"
    LEARNING = "learning", "学会学习"
    RELATIONS = "relations", "人际交往"
    EMOTIONS = "emotions", "情绪调适"
    CAREER = "career", "升学择业"
    ADAPTATION = "adaptation", "生活和社会适应"
    LIFE = "life", "生命教育"
    FRUSTRATION = "frustration", "挫折教育"


class ActivityKind(models.TextChoices):
    PE_MONTHLY = "pe_monthly", "体育“月主题活动”"
    ARTS = "arts", "艺术活动"
    LABOUR = "labour", "劳动教育"
    CLUB = "club", "社团活动"
    CLASS_MEETING = "class_meeting", "主题班会"


class Subject(models.TextChoices):
    """The subjects taught in schools (and the vocational schools' specialised courses),
    each of which has its own subject-infusion guide (学科渗透)."""

    CHINESE = "chinese", "语文"
    MATHS = "maths", "数学"
    ENGLISH = "english", "英语"
    MORALITY = "morality", "道德与法治"
    POLITICS = "politics", "思想政治"
    HISTORY = "history", "历史"
    GEOGRAPHY = "geography", "地理"
    PHYSICS = "physics", "物理"
    CHEMISTRY = "chemistry", "化学"
    BIOLOGY = "biology", "生物"
    SCIENCE = "science", "科学"
    MUSIC = "music", "音乐"
    ART = "art", "美术"
    PE = "pe", "体育与健康"
    LABOUR = "labour", "劳动"
    IT = "it", "信息科技"
    PRACTICE = "practice", "综合实践活动"
    VOCATIONAL = "vocational", "职业院校专业课"


# --- curricula -------------------------------------------------------------------------------


class CurriculumIndexPage(BasePage):
    og_type = "website"
    intro = models.TextField("导语", blank=True)

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]

    template = "pages/curriculum_index_page.html"
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["courses.CurriculumPage", "courses.SubjectGuidePage"]
    max_count = 1

    class Meta:
        verbose_name = "课程资源栏目"

    def get_context(self, request, *args, **kwargs):
        from courses.curricula.selectors import curricula_list

        context = super().get_context(request, *args, **kwargs)
        stage = choice_param(request, "stage", Stage)
        theme = choice_param(request, "theme", CurriculumTheme)
        grade = int_choice_param(request, "grade", Grade)
        context.update(
            {
                "curricula": curricula_list(index=self, stage=stage, theme=theme, grade=grade),
                "guide_groups": _guide_groups(stage),
                "stage_label": Stage(stage).label if stage else "",
                "stage": stage,
                "theme": theme,
                "grade": grade,
                "stages": Stage.choices,
                "grades": Grade.choices,
                "themes": CurriculumTheme.choices,
            }
        )
        return context


def _guide_groups(stage: str):
    """Every subject guide of the site, by subject: both indexes list them all, so a
    subject teacher finds theirs from 课程资源 as well as from 活动与学科渗透."""
    from courses.curricula.selectors import subject_guide_groups, subject_guides_list

    return subject_guide_groups(guides=subject_guides_list(stage=stage))


class CurriculumPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.CurriculumPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class CurriculumPage(SegmentedSearchMixin, BasePage):
    """One curriculum: a theme for one school stage, made of lessons."""

    og_type = "website"
    theme = models.CharField("主题", max_length=20, choices=CurriculumTheme.choices, db_index=True)
    stage = models.CharField("学段", max_length=20, choices=Stage.choices, db_index=True)
    grades = VocabularySetField("适用年级", vocabulary="grade")
    summary = models.TextField("简介", help_text="列表与分享时显示。")
    aims = RichTextField("课程目标", features=RICH_FEATURES)
    overview = StreamField(BodyStreamBlock(), blank=True, verbose_name="课程说明")
    tags = ClusterTaggableManager("话题标签", through=CurriculumPageTag, blank=True)

    content_panels = BasePage.content_panels + [
        FieldRowPanel([FieldPanel("theme"), FieldPanel("stage")]),
        FieldPanel("grades"),
        FieldPanel("summary"),
        FieldPanel("aims"),
        FieldPanel("overview"),
        FieldPanel("tags"),
    ]
    search_fields = (
        BasePage.search_fields
        + [
            index.SearchField("summary", boost=2),
            index.SearchField("aims"),
            index.SearchField("overview"),
            index.FilterField("theme"),
            index.FilterField("stage"),
        ]
        + SEGMENTED_SEARCH_FIELDS
    )
    search_kind = "curriculum"
    search_segmented_fields = ["summary", "aims", "overview"]

    def search_stages(self) -> list[str]:
        return [self.stage] if self.stage else []

    template = "pages/curriculum_page.html"
    parent_page_types = ["courses.CurriculumIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = "课程"

    def get_meta_description(self):
        return self.search_description or self.summary

    @property
    def grade_labels(self):
        return labels_of(self.grades, Grade)

    def get_context(self, request, *args, **kwargs):
        from courses.curricula.selectors import lessons_of

        context = super().get_context(request, *args, **kwargs)
        grade = int_choice_param(request, "grade", Grade)
        context["grade"] = grade
        context["lessons"] = lessons_of(curriculum=self, grade=grade)
        context["grades"] = [(g, label) for g, label in Grade.choices if g in (self.grades or [])]
        return context


def _package_file(label: str):
    """One file of a lesson's generated package (``courses.curricula.services.lesson_package_build``)."""
    return models.ForeignKey(
        "resources.XinyuDocument",
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )


class LessonPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class LessonPage(SegmentedSearchMixin, BasePage):
    """One lesson, written as structured content from which the page, its in-browser
    preview and its package (教案 .docx, 课件 .pptx, 学习单 .docx, .zip) are generated."""

    grade = models.PositiveSmallIntegerField("年级", choices=Grade.choices, null=True, blank=True)
    topic = models.CharField(
        "主题领域", max_length=20, choices=LessonTopic.choices, blank=True, db_index=True
    )
    duration_minutes = models.PositiveSmallIntegerField("课时长度（分钟）", default=40)
    summary = models.TextField("简介")
    goal_cognitive = models.TextField("教学目标·认知", help_text="学生知道、理解什么。")
    goal_affective = models.TextField("教学目标·情感", blank=True, help_text="学生体验、认同什么。")
    goal_behavioural = models.TextField(
        "教学目标·行为", blank=True, help_text="学生课后能做到什么。"
    )
    key_point = models.TextField("教学重点", blank=True)
    difficulty = models.TextField("教学难点", blank=True)
    learner_analysis = models.TextField("学情分析", blank=True)
    preparation = RichTextField("教学准备", features=RICH_FEATURES, blank=True)
    steps = StreamField(
        StepsStreamBlock(),
        verbose_name="教学过程",
        help_text="按导入、活动、分享、总结、延伸填写，每步写明时长和设计意图。",
    )
    board_design = models.TextField("板书设计", blank=True, help_text="每行一条。")
    worksheet_prompts = StreamField(
        WorksheetStreamBlock(),
        blank=True,
        verbose_name="学习单题目",
        help_text="学生用学习单上的题目与书写空间，随课例自动生成 A4 学习单。",
    )
    teacher_notes = RichTextField("教师提示", features=RICH_FEATURES, blank=True)
    safety_notes = RichTextField(
        "安全提示",
        features=RICH_FEATURES,
        blank=True,
        help_text="涉及死亡、丧失、自伤等敏感话题时，提醒教师留意学生反应、及时转介。",
    )
    touches_crisis = models.BooleanField(
        "涉及危机话题",
        default=False,
        help_text="勾选后，页面、教案和课件附求助信息，教案附“学生倾诉时怎么做”的教师指引。",
    )
    lesson_plan = _package_file("教案")
    slides = _package_file("课件")
    worksheet = _package_file("学习单")
    bundle = _package_file("全部材料（.zip）")
    worksheets = StreamField(
        [("document", DocumentChooserBlock(label="学习单"))],
        blank=True,
        verbose_name="补充材料",
        help_text="教案、课件和学习单在发布时自动生成；这里可另附其他材料。",
    )
    tags = ClusterTaggableManager("话题标签", through=LessonPageTag, blank=True)

    content_panels = BasePage.content_panels + [
        FieldRowPanel([FieldPanel("grade"), FieldPanel("topic"), FieldPanel("duration_minutes")]),
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("goal_cognitive"),
                FieldPanel("goal_affective"),
                FieldPanel("goal_behavioural"),
            ],
            heading="教学目标",
        ),
        FieldRowPanel([FieldPanel("key_point"), FieldPanel("difficulty")]),
        FieldPanel("learner_analysis"),
        FieldPanel("preparation"),
        FieldPanel("steps"),
        FieldPanel("board_design"),
        FieldPanel("worksheet_prompts"),
        FieldPanel("teacher_notes"),
        FieldPanel("touches_crisis"),
        FieldPanel("safety_notes"),
        FieldPanel("worksheets"),
        FieldPanel("tags"),
    ]
    search_fields = (
        BasePage.search_fields
        + [
            index.SearchField("summary", boost=2),
            index.SearchField("goal_cognitive"),
            index.SearchField("steps"),
            index.SearchField("teacher_notes"),
            index.FilterField("grade"),
            index.FilterField("topic"),
        ]
        + SEGMENTED_SEARCH_FIELDS
    )
    search_kind = "lesson"
    search_segmented_fields = [
        "summary",
        "goal_cognitive",
        "goal_affective",
        "goal_behavioural",
        "learner_analysis",
        "preparation",
        "steps",
        "teacher_notes",
    ]

    template = "pages/lesson_page.html"
    parent_page_types = ["courses.CurriculumPage"]
    subpage_types = []

    class Meta:
        verbose_name = "课例"

    def get_meta_description(self):
        return self.search_description or self.summary

    @property
    def total_minutes(self) -> int:
        return sum(b.value.get("minutes") or 0 for b in self.steps)

    def get_context(self, request, *args, **kwargs):
        from courses.curricula.selectors import lesson_neighbours, lesson_outline, lesson_slides

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = lesson_outline(lesson=self)
        context["slides_preview"] = lesson_slides(lesson=self)
        context["previous_lesson"], context["next_lesson"] = lesson_neighbours(lesson=self)
        return context


# --- activities and subject infusion ----------------------------------------------------------


class ActivityIndexPage(BasePage):
    og_type = "website"
    intro = models.TextField("导语", blank=True)

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]

    template = "pages/activity_index_page.html"
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["courses.ActivityPage", "courses.SubjectGuidePage"]
    max_count = 1

    class Meta:
        verbose_name = "活动与学科渗透栏目"

    def get_context(self, request, *args, **kwargs):
        from courses.curricula.selectors import activities_list

        context = super().get_context(request, *args, **kwargs)
        kind = choice_param(request, "kind", ActivityKind)
        stage = choice_param(request, "stage", Stage)
        context.update(
            {
                "activities": activities_list(index=self, kind=kind, stage=stage),
                "guide_groups": _guide_groups(stage),
                "stage_label": Stage(stage).label if stage else "",
                "kind": kind,
                "stage": stage,
                "kinds": ActivityKind.choices,
                "stages": Stage.choices,
            }
        )
        return context


class ActivityPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.ActivityPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ActivityPage(SegmentedSearchMixin, BasePage):
    """A themed activity: PE monthly theme, arts, labour education, a club (R-2)."""

    kind = models.CharField("活动类型", max_length=20, choices=ActivityKind.choices, db_index=True)
    stages = VocabularySetField("适用学段", vocabulary="stage")
    month = models.PositiveSmallIntegerField(
        "月份",
        null=True,
        blank=True,
        choices=[(m, f"{m}月") for m in range(1, 13)],
        help_text="月主题活动所在月份。",
    )
    summary = models.TextField("简介")
    aims = RichTextField("活动目标", features=RICH_FEATURES)
    steps = StreamField(StepsStreamBlock(), verbose_name="活动流程")
    materials = RichTextField("器材与准备", features=RICH_FEATURES, blank=True)
    safety_notes = RichTextField("安全提示", features=RICH_FEATURES, blank=True)
    attachments = StreamField(
        [("document", DocumentChooserBlock(label="附件"))], blank=True, verbose_name="附件"
    )
    tags = ClusterTaggableManager("话题标签", through=ActivityPageTag, blank=True)

    content_panels = BasePage.content_panels + [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("month")]),
        FieldPanel("stages"),
        FieldPanel("summary"),
        FieldPanel("aims"),
        FieldPanel("steps"),
        FieldPanel("materials"),
        FieldPanel("safety_notes"),
        FieldPanel("attachments"),
        FieldPanel("tags"),
    ]
    search_fields = (
        BasePage.search_fields
        + [
            index.SearchField("summary", boost=2),
            index.SearchField("aims"),
            index.SearchField("steps"),
            index.FilterField("kind"),
        ]
        + SEGMENTED_SEARCH_FIELDS
    )
    search_kind = "activity"
    search_segmented_fields = ["summary", "aims", "steps", "materials"]

    def search_stages(self) -> list[str]:
        return list(self.stages or [])

    template = "pages/activity_page.html"
    parent_page_types = ["courses.ActivityIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "活动方案"

    def get_meta_description(self):
        return self.search_description or self.summary

    @property
    def stage_labels(self):
        return labels_of(self.stages, Stage)


class SubjectGuidePage(SegmentedSearchMixin, BasePage):
    """How to weave mental-health education into one subject's teaching (学科渗透)."""

    subject = models.CharField("学科", max_length=20, choices=Subject.choices, db_index=True)
    stages = VocabularySetField("适用学段", vocabulary="stage")
    summary = models.TextField("简介")
    body = StreamField(
        BodyStreamBlock(),
        verbose_name="正文",
        help_text="建议按“渗透要点”“教材中的渗透时机”“示例活动”“注意事项”四部分用小标题组织。",
    )
    touches_crisis = models.BooleanField(
        "涉及危机话题",
        default=False,
        help_text="勾选后，页面附“学生倾诉时怎么做”的教师指引和求助信息。",
    )

    content_panels = BasePage.content_panels + [
        FieldRowPanel([FieldPanel("subject"), FieldPanel("touches_crisis")]),
        FieldPanel("stages"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = (
        BasePage.search_fields
        + [
            index.SearchField("summary", boost=2),
            index.SearchField("body"),
            index.FilterField("subject"),
        ]
        + SEGMENTED_SEARCH_FIELDS
    )
    search_kind = "activity"
    search_segmented_fields = ["summary", "body"]

    def search_stages(self) -> list[str]:
        return list(self.stages or [])

    template = "pages/subject_guide_page.html"
    parent_page_types = ["courses.CurriculumIndexPage", "courses.ActivityIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "学科渗透指导"

    def get_meta_description(self):
        return self.search_description or self.summary

    @property
    def stage_labels(self):
        return labels_of(self.stages, Stage)

    def get_context(self, request, *args, **kwargs):
        from courses.curricula.selectors import DISCLOSURE_STEPS, subject_guide_lessons

        context = super().get_context(request, *args, **kwargs)
        context["related_lessons"] = subject_guide_lessons(guide=self)
        context["disclosure"] = DISCLOSURE_STEPS if self.touches_crisis else []
        return context
