"""The portal's own Document and Image models, and the resource-library pages.

``XinyuDocument`` carries the library's metadata: resource type, stages, audience
(public or teachers only), a download counter, and for policy documents their kind
(``policy_kind``: work plan, the two school systems, other) and the owning school of a
school's own work plans and systems (R-5). The pages here are the resource library, parent guides,
notices (publicity) and the policy library.
"""

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.documents.models import AbstractDocument
from wagtail.fields import StreamField
from wagtail.images.models import AbstractImage, AbstractRendition
from wagtail.search import index

from portal.blocks import BodyStreamBlock
from portal.downloads import content_disposition, filename_clean
from portal.models import BasePage
from portal.params import choice_param
from schools.vocab import Grade, Stage
from search.index import SEGMENTED_SEARCH_FIELDS, SegmentedSearchMixin

from .fields import VocabularySetField, labels_of
from .vocab import (
    Audience,
    GuideTopic,
    NoticeKind,
    PolicyKind,
    PolicyStatus,
    PosterColour,
    ResourceType,
)

# Audience values that mean "teachers only".
TEACHERS_ONLY_AUDIENCES = {Audience.TEACHERS}


class XinyuDocument(SegmentedSearchMixin, AbstractDocument):
    description = models.TextField("简介", blank=True)
    resource_type = models.CharField(
        "资源类型",
        max_length=20,
        choices=ResourceType.choices,
        default=ResourceType.OTHER,
        db_index=True,
    )
    stages = VocabularySetField("适用学段", vocabulary="stage", db_index=True)
    grades = VocabularySetField("适用年级", vocabulary="grade")
    policy_kind = models.CharField(
        "文件类别",
        max_length=20,
        choices=PolicyKind.choices,
        blank=True,
        db_index=True,
        help_text="仅“政策文件”填写。学校上传本校工作方案、制度时必须选择，市局督导据此统计。",
    )
    audience = models.CharField(
        "面向对象",
        max_length=10,
        choices=Audience.choices,
        default=Audience.PUBLIC,
        db_index=True,
        help_text="“仅限教师”的文件须放在“教师专用资料”文件夹中，下载时需要教师账户登录。",
    )
    listed = models.BooleanField(
        "在资源库中显示",
        default=True,
        help_text="学校内部的工作方案、制度等可取消勾选，仅在本校文件夹中保存。",
    )
    school = models.ForeignKey(
        "schools.School",
        verbose_name="所属学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        help_text="学校自己的工作方案与制度；市局资料留空。",
    )
    download_count = models.PositiveIntegerField("下载次数", default=0, editable=False)
    download_title = models.CharField(
        "下载文件名",
        max_length=255,
        blank=True,
        editable=False,
        help_text="下载保存时的文件名（不含扩展名），如课例生成的“教案-七年级-挫折教育-第1课”；"
        "留空则用标题。",
    )

    admin_form_fields = (
        "title",
        "file",
        "collection",
        "resource_type",
        "policy_kind",
        "school",
        "stages",
        "grades",
        "audience",
        "listed",
        "description",
        "tags",
    )

    extracted_text = models.TextField(
        "文件内文字", blank=True, editable=False, help_text="上传后自动从文件中提取，供搜索使用。"
    )
    extracted_file = models.CharField("提取自文件", max_length=255, blank=True, editable=False)

    search_fields = (
        AbstractDocument.search_fields
        + [
            index.SearchField("description"),
            index.FilterField("resource_type"),
            index.FilterField("audience"),
            index.FilterField("listed"),
        ]
        + SEGMENTED_SEARCH_FIELDS
    )
    search_kind = "file"
    search_segmented_fields = ["description", "extracted_text"]

    def is_teachers_only(self) -> bool:
        """Teachers-only files are hidden from anyone but logged-in teachers."""
        return self.audience in TEACHERS_ONLY_AUDIENCES

    class Meta(AbstractDocument.Meta):
        verbose_name = "文档"
        verbose_name_plural = "文档"
        indexes = [models.Index(fields=["listed", "-download_count"], name="doc_listed_dl")]

    @property
    def content_disposition(self):
        # Always a download: nothing uploaded is ever rendered inline by the browser.
        return content_disposition(self.download_name)

    @property
    def download_name(self) -> str:
        """The name the file is saved under: its download title (a generated lesson file
        listed as “教案：考砸了的那一天（七年级·挫折教育第1课）” is saved as
        ``教案-七年级-挫折教育-第1课.docx``) or else its title, and the file's extension —
        never the upload's name."""
        ext = (self.file_extension or "").lower()
        stem = self.download_title or self.title
        return filename_clean(f"{stem}.{ext}" if ext else stem)

    @property
    def stage_labels(self) -> list[str]:
        return labels_of(self.stages, Stage)

    @property
    def extension_label(self) -> str:
        return (self.file_extension or "").upper()


class XinyuImage(AbstractImage):
    caption = models.CharField("图片说明", max_length=200, blank=True)
    credit = models.CharField("来源 / 作者", max_length=100, blank=True)

    admin_form_fields = (
        "title",
        "file",
        "collection",
        "caption",
        "credit",
        "tags",
        "focal_point_x",
        "focal_point_y",
        "focal_point_width",
        "focal_point_height",
    )

    class Meta(AbstractImage.Meta):
        verbose_name = "图片"
        verbose_name_plural = "图片"


class XinyuRendition(AbstractRendition):
    image = models.ForeignKey(XinyuImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


# --- the resource library -----------------------------------------------------------------


class ResourceIndexPage(RoutablePageMixin, BasePage):
    """The resource library: every listed document, filtered and sorted (R-6)."""

    og_type = "website"
    intro = models.TextField("导语", blank=True)
    per_page = models.PositiveSmallIntegerField("每页条数", default=20)

    content_panels = BasePage.content_panels + [FieldPanel("intro"), FieldPanel("per_page")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]

    template = "pages/resource_index_page.html"
    parent_page_types = ["portal.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = "资源库"

    @path("")
    def index_route(self, request):
        from .selectors import resource_filters_from, resources_list

        filters = resource_filters_from(request.GET)
        documents = resources_list(**filters)
        paginator = Paginator(documents, self.per_page or 20)
        page_obj = paginator.get_page(request.GET.get("page"))
        from .selectors import resource_topic_choices

        query = request.GET.copy()
        query.pop("page", None)
        return self.render(
            request,
            context_overrides={
                "page_obj": page_obj,
                "documents": page_obj.object_list,
                "filters": filters,
                "querystring": query.urlencode(),
                "resource_types": ResourceType.choices,
                "stages": Stage.choices,
                "grades": [(str(v), label) for v, label in Grade.choices],
                "audiences": Audience.choices,
                "topics": resource_topic_choices(),
            },
        )

    @path("<int:document_id>/")
    def detail_route(self, request, document_id):
        from django.http import Http404

        from .selectors import resource_get, resources_related

        document = resource_get(document_id=document_id)
        if document is None:
            raise Http404("资源不存在")
        return self.render(
            request,
            template="pages/resource_detail.html",
            context_overrides={
                "document": document,
                "related": resources_related(document=document),
            },
        )


# --- parent guides ------------------------------------------------------------------------


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
        from .selectors import parent_guides_list

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
        from .selectors import parent_guides_related

        context = super().get_context(request, *args, **kwargs)
        context["related_guides"] = parent_guides_related(guide=self)
        return context

    @property
    def key_point_list(self) -> list[str]:
        return [line.strip() for line in self.key_points.splitlines() if line.strip()]

    @property
    def stage_labels(self) -> list[str]:
        return labels_of(self.stages, Stage)


# --- publicity: news and notices -----------------------------------------------------------


class NoticeIndexPage(RoutablePageMixin, BasePage):
    og_type = "website"
    intro = models.TextField("导语", blank=True)

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]

    template = "pages/notice_index_page.html"
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["resources.NoticePage"]

    class Meta:
        verbose_name = "通知与宣传栏目"

    def children_listing(self):
        from .selectors import notices_list

        return notices_list(index=self)

    @path("")
    def index_route(self, request):
        from .selectors import notices_list

        kind = choice_param(request, "kind", NoticeKind)
        page_obj = Paginator(notices_list(index=self, kind=kind), 15).get_page(
            request.GET.get("page")
        )
        return self.render(
            request,
            context_overrides={
                "notices": page_obj.object_list,
                "page_obj": page_obj,
                "kind": kind,
                "kinds": NoticeKind.choices,
            },
        )

    @path("feed/")
    def feed_route(self, request):
        from .feeds import NoticeFeed

        return NoticeFeed(index=self)(request)


class NoticePage(RoutablePageMixin, SegmentedSearchMixin, BasePage):
    """News, notices and publicity material for school notice boards (R-4).

    A notice with poster points also is a printable poster: A4 and A3 PDFs and a picture
    for the page, made from its own fields (``resources.posters``) when it is published and
    served from its routes (``poster/a4/``, ``poster/a3/``, ``poster/preview/``) — so only a
    live page the visitor may see has a poster to download.
    """

    kind = models.CharField("类别", max_length=20, choices=NoticeKind.choices, db_index=True)
    date = models.DateField("日期", default=timezone.localdate)
    summary = models.TextField("摘要")
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name="正文")
    poster = models.ForeignKey(
        "resources.XinyuImage",
        verbose_name="宣传海报",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attachments = StreamField(
        [("document", DocumentChooserBlock(label="附件"))],
        blank=True,
        verbose_name="附件（海报源文件、宣传材料）",
    )
    poster_headline = models.CharField(
        "海报标题",
        max_length=40,
        blank=True,
        help_text="留空则用页面标题。海报上字越少越醒目，建议不超过14个字。",
    )
    poster_message = models.TextField(
        "海报主标语",
        blank=True,
        help_text="一两句最想让人记住的话，每行一句，如“阳光心灵，快乐成长”。",
    )
    poster_points = models.TextField(
        "海报要点",
        blank=True,
        help_text="每行一条，3～6条，每条一两句。填写要点后，发布时自动生成可打印的 A4 / A3 "
        "海报（PDF）和页面上的海报图片，热线与二维码自动加上。内容放不下时保存会提示删减。",
    )
    poster_colour = models.CharField(
        "海报主色", max_length=10, choices=PosterColour.choices, default=PosterColour.TEAL
    )

    content_panels = BasePage.content_panels + [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("date")]),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("poster_headline"),
                FieldPanel("poster_message"),
                FieldPanel("poster_points"),
                FieldPanel("poster_colour"),
            ],
            heading="打印海报（自动生成）",
        ),
        FieldPanel("poster"),
        FieldPanel("attachments"),
    ]
    search_fields = (
        BasePage.search_fields
        + [
            index.SearchField("summary", boost=2),
            index.SearchField("body"),
            index.FilterField("kind"),
            index.FilterField("date"),
        ]
        + SEGMENTED_SEARCH_FIELDS
    )
    search_kind = "notice"
    search_segmented_fields = ["summary", "body"]

    template = "pages/notice_page.html"
    parent_page_types = ["resources.NoticeIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "通知 / 宣传"

    def get_meta_description(self):
        return self.search_description or self.summary

    @property
    def listed_on(self):
        return self.date

    @property
    def share_image(self):
        return self.og_image or self.poster

    def clean(self):
        from django.core.exceptions import ValidationError

        from .selectors import notice_poster_problem

        super().clean()
        problem = notice_poster_problem(page=self)
        if problem:
            raise ValidationError({problem[0]: problem[1]})

    @property
    def has_poster(self) -> bool:
        return bool(self.poster_points.strip())

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if self.has_poster:
            context["generated_poster"] = self.poster_links(request)
        return context

    def poster_links(self, request) -> dict:
        """The URLs of the poster's picture and files; in a preview the picture is the
        draft's own, inline, as the routes serve the published page."""
        from .posters import lines_of, poster_layout, poster_svg, preview_format
        from .selectors import notice_poster_content

        headline = (self.poster_headline or self.title).strip()
        alt = "。".join(
            [f"海报：{headline}", *lines_of(self.poster_message), *lines_of(self.poster_points)]
        )
        links = {
            "alt": alt,
            "headline": headline,
            "messages": lines_of(self.poster_message),
            "points": lines_of(self.poster_points),
        }
        if getattr(request, "is_preview", False):
            import base64

            layout = poster_layout(notice_poster_content(page=self))
            if layout.fits:
                svg = poster_svg(layout, title=headline)
                links["preview"] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
            return links
        links["preview"] = self.url + self.reverse_subpage("poster_preview")
        links["preview_format"] = preview_format()
        for size in ("a4", "a3"):
            links[size] = self.url + self.reverse_subpage("poster_pdf", args=[size])
        return links

    @re_path(r"^poster/(?P<size>a4|a3)/$", name="poster_pdf")
    def poster_pdf_route(self, request, size):
        from .views import notice_poster_serve

        return notice_poster_serve(request, page=self, kind=size)

    @path("poster/preview/", name="poster_preview")
    def poster_preview_route(self, request):
        from .posters import preview_format
        from .views import notice_poster_serve

        return notice_poster_serve(request, page=self, kind=preview_format())


# --- the policy library ----------------------------------------------------------------------


class PolicyIndexPage(BasePage):
    og_type = "website"
    intro = models.TextField("导语", blank=True)

    content_panels = BasePage.content_panels + [FieldPanel("intro")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")]

    template = "pages/policy_index_page.html"
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["resources.PolicyPage"]
    max_count = 1

    class Meta:
        verbose_name = "政策文件库"

    def children_listing(self):
        from .selectors import policies_list

        return policies_list(index=self)

    def get_context(self, request, *args, **kwargs):
        from .selectors import policies_list

        context = super().get_context(request, *args, **kwargs)
        status = choice_param(request, "status", PolicyStatus)
        page_obj = Paginator(policies_list(index=self, status=status), 20).get_page(
            request.GET.get("page")
        )
        context.update(
            {
                "policies": page_obj.object_list,
                "page_obj": page_obj,
                "status": status,
                "statuses": PolicyStatus.choices,
            }
        )
        return context


class PolicyPage(SegmentedSearchMixin, BasePage):
    """A policy, plan or school system (R-5), with its official metadata."""

    issuing_body = models.CharField("发文机关", max_length=100)
    document_number = models.CharField(
        "文号", max_length=60, blank=True, help_text="例如：心教〔2024〕46号"
    )
    issued_on = models.DateField("发布日期")
    status = models.CharField(
        "效力状态", max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.IN_FORCE
    )
    school = models.ForeignKey(
        "schools.School",
        verbose_name="所属学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="学校制定的制度与方案；市局文件留空。",
    )
    summary = models.TextField("摘要")
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name="正文")
    attachments = StreamField(
        [("document", DocumentChooserBlock(label="附件"))], blank=True, verbose_name="附件"
    )

    content_panels = BasePage.content_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("issuing_body"), FieldPanel("document_number")]),
                FieldRowPanel([FieldPanel("issued_on"), FieldPanel("status")]),
                FieldPanel("school"),
            ],
            heading="文件信息",
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("attachments"),
    ]
    search_fields = (
        BasePage.search_fields
        + [
            index.SearchField("document_number", boost=3),
            index.SearchField("issuing_body"),
            index.SearchField("summary", boost=2),
            index.SearchField("body"),
            index.FilterField("status"),
            index.FilterField("issued_on"),
        ]
        + SEGMENTED_SEARCH_FIELDS
    )
    search_kind = "policy"
    search_segmented_fields = ["issuing_body", "document_number", "summary", "body"]

    template = "pages/policy_page.html"
    parent_page_types = ["resources.PolicyIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "政策文件"

    def get_meta_description(self):
        return self.search_description or self.summary

    @property
    def listed_on(self):
        return self.issued_on
