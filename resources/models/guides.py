"""Parent guides: the guide index and the guide pages, readable on a phone (R-3)."""

from django.core.paginator import Paginator
from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import StreamField
from wagtail.search import index

from portal.blocks import BodyStreamBlock
from portal.models import BasePage
from portal.params import choice_param
from schools.vocab import Stage
from search.index import SEGMENTED_SEARCH_FIELDS, SegmentedSearchMixin

from ..fields import VocabularySetField, labels_of
from ..vocab import GuideTopic


class ParentGuideIndexPage(BasePage):
    og_type = "website"
    intro = models.TextField("导语", blank=True)

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]

    template = "pages/parent_guide_index_page.html"
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["resources.ParentGuidePage"]
    max_count = 1

    class Meta:
        verbose_name = "家长指导栏目"

    def get_context(self, request, *args, **kwargs):
        from ..selectors import parent_guides_list

        context = super().get_context(request, *args, **kwargs)
        stage = choice_param(request, "stage", Stage)
        topic = choice_param(request, "topic", GuideTopic)
        guides = parent_guides_list(index=self, stage=stage, topic=topic)
        page_obj = Paginator(guides, 12).get_page(request.GET.get("page"))
        context.update(
            {
                "guides": page_obj.object_list,
                "page_obj": page_obj,
                "stage": stage,
                "topic": topic,
                "stages": Stage.choices,
                "topics": GuideTopic.choices,
            }
        )
        return context


class ParentGuidePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "resources.ParentGuidePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ParentGuidePage(SegmentedSearchMixin, BasePage):
    """A guide for parents, readable on a phone without an account (R-3)."""

    stages = VocabularySetField("适用年龄段", vocabulary="stage")
    topic = models.CharField("主题", max_length=30, choices=GuideTopic.choices, db_index=True)
    summary = models.TextField("摘要", help_text="显示在列表中，也是分享到聊天时的说明文字。")
    reading_minutes = models.PositiveSmallIntegerField("阅读时长（分钟）", default=5)
    key_points = models.TextField("要点", blank=True, help_text="每行一条。")
    body = StreamField(BodyStreamBlock(), verbose_name="正文")
    seek_help = models.TextField(
        "何时需要寻求帮助",
        blank=True,
        help_text="出现哪些情况时应当求助；页面会自动附上站点设置中的心理咨询热线。",
    )
    tags = ClusterTaggableManager("话题标签", through=ParentGuidePageTag, blank=True)
    reviewed_on = models.DateField(
        "最近审核日期",
        null=True,
        blank=True,
        help_text="专业人员最近一次核对本文内容的日期，显示在文章开头。",
    )
    reviewer = models.CharField(
        "审核人",
        max_length=120,
        blank=True,
        help_text="审核人及其单位、职务，例如：市心理健康教育指导中心 某某（教研员）。",
    )

    content_panels = BasePage.content_panels + [
        FieldRowPanel([FieldPanel("topic"), FieldPanel("reading_minutes")]),
        FieldPanel("stages"),
        FieldPanel("summary"),
        FieldPanel("key_points"),
        FieldPanel("body"),
        FieldPanel("seek_help"),
        FieldPanel("tags"),
        FieldRowPanel([FieldPanel("reviewed_on"), FieldPanel("reviewer")], heading="内容审核"),
    ]
    search_fields = (
        BasePage.search_fields
        + [
            index.SearchField("summary", boost=2),
            index.SearchField("key_points"),
            index.SearchField("body"),
            index.SearchField("seek_help"),
            index.FilterField("topic"),
            index.FilterField("stages"),
        ]
        + SEGMENTED_SEARCH_FIELDS
    )
    search_kind = "parent_guide"
    search_segmented_fields = ["summary", "key_points", "body", "seek_help"]

    def search_stages(self) -> list[str]:
        return list(self.stages or [])

    template = "pages/parent_guide_page.html"
    parent_page_types = ["resources.ParentGuideIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "家长指导"

    def get_meta_description(self):
        return self.search_description or self.summary

    def get_context(self, request, *args, **kwargs):
        from ..selectors import parent_guides_related

        context = super().get_context(request, *args, **kwargs)
        context["related_guides"] = parent_guides_related(guide=self)
        return context

    @property
    def key_point_list(self) -> list[str]:
        return [line.strip() for line in self.key_points.splitlines() if line.strip()]

    @property
    def stage_labels(self) -> list[str]:
        return labels_of(self.stages, Stage)
