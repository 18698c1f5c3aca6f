from django.conf import settings
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from search.index import SEGMENTED_SEARCH_FIELDS, SegmentedSearchMixin

from .blocks import BodyStreamBlock, ContactGroupBlock, HomeStreamBlock
from .page_forms import XinyuPageForm


class BasePage(Page):
    """Abstract base of every public page: SEO fields and an Open Graph image."""

    # Saving fails with a banner naming, in Chinese, the tab and field to fix.
    base_form_class = XinyuPageForm

    og_image = models.ForeignKey(
        "resources.XinyuImage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="分享图片",
        help_text="在微信等聊天中分享链接时显示的图片。",
    )

    promote_panels = [
        MultiFieldPanel(
            [
                FieldPanel("slug"),
                FieldPanel("seo_title"),
                FieldPanel("search_description"),
                FieldPanel("og_image"),
            ],
            heading="搜索与分享",
        ),
        MultiFieldPanel([FieldPanel("show_in_menus")], heading="导航"),
    ]

    class Meta:
        abstract = True

    def get_meta_title(self):
        return self.seo_title or self.title

    def get_meta_description(self):
        return self.search_description or ""

    # Open Graph type: "article" for a piece of content, "website" for the home page and
    # for sections that list other pages.
    og_type = "article"

    @property
    def share_image(self):
        """The image shown when the page is shared (og:image); None: the portal's default."""
        return self.og_image

    @property
    def listed_on(self):
        """The date a listing shows for this page: its own date where it has one (a notice's
        date, a policy's issue date), else when it was first published."""
        return self.first_published_at

    def children_listing(self):
        """This page's children in the order its own listing shows them, or None for the
        generic order (newest first published first)."""
        return None


class HomePage(SegmentedSearchMixin, BasePage):
    og_type = "website"
    intro = models.TextField("简介", blank=True)
    body = StreamField(HomeStreamBlock(), blank=True, verbose_name="首页栏目")

    content_panels = BasePage.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")] + SEGMENTED_SEARCH_FIELDS
    search_segmented_fields = ["intro", "body"]

    template = "pages/home_page.html"
    parent_page_types = ["wagtailcore.Page"]
    # Each content app adds its index page types here.
    subpage_types = [
        "portal.StandardPage",
        "portal.ContactsPage",
        "courses.CurriculumIndexPage",
        "courses.ActivityIndexPage",
        "resources.ResourceIndexPage",
        "resources.ParentGuideIndexPage",
        "resources.NoticeIndexPage",
        "resources.PolicyIndexPage",
        "courses.TrainingIndexPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = "首页"


class StandardPage(SegmentedSearchMixin, BasePage):
    intro = models.TextField("导语", blank=True)
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name="正文")

    content_panels = BasePage.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = BasePage.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
        *SEGMENTED_SEARCH_FIELDS,
    ]
    search_segmented_fields = ["intro", "body"]

    template = "pages/standard_page.html"
    parent_page_types = ["portal.HomePage", "portal.StandardPage"]
    subpage_types = ["portal.StandardPage"]

    class Meta:
        verbose_name = "普通页面"


class ContactsPage(SegmentedSearchMixin, BasePage):
    """Leadership group and contacts (R-23): the site settings' contacts plus groups."""

    og_type = "website"
    intro = models.TextField("导语", blank=True)
    groups = StreamField(
        [("group", ContactGroupBlock())], blank=True, verbose_name="领导小组与联系人"
    )

    content_panels = BasePage.content_panels + [FieldPanel("intro"), FieldPanel("groups")]
    search_fields = BasePage.search_fields + [index.SearchField("intro")] + SEGMENTED_SEARCH_FIELDS
    search_segmented_fields = ["intro", "groups"]

    template = "pages/contacts_page.html"
    parent_page_types = ["portal.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = "联系我们"


@register_setting(icon="site")
class PortalSettings(BaseSiteSetting):
    """Who runs this portal and whom to call (R-23). Shown in every page's footer."""

    bureau_name = models.CharField("主办单位", max_length=100, default="市教育局")
    portal_name = models.CharField("平台名称", max_length=50, default="心育平台")
    counselling_hotline = models.CharField("心理咨询热线", max_length=30, blank=True)
    counselling_hours = models.CharField("热线服务时间", max_length=100, blank=True)
    counselling_mailbox = models.EmailField("心理咨询邮箱", blank=True)
    centre_name = models.CharField("心理健康指导中心", max_length=100, blank=True)
    centre_phone = models.CharField("中心电话", max_length=30, blank=True)
    centre_address = models.CharField("中心地址", max_length=200, blank=True)
    national_hotline = models.CharField(
        "全国心理援助热线", max_length=30, blank=True, default="12356"
    )
    emergency_phone = models.CharField("急救电话", max_length=30, default="120")
    police_phone = models.CharField("报警电话", max_length=30, default="110")
    contacts_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="联系我们页面",
    )
    footer_note = models.CharField("页脚备注", max_length=200, blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("bureau_name"), FieldPanel("portal_name")], heading="平台"),
        MultiFieldPanel(
            [
                FieldPanel("counselling_hotline"),
                FieldPanel("counselling_hours"),
                FieldPanel("counselling_mailbox"),
                FieldPanel("national_hotline"),
            ],
            heading="心理咨询渠道",
        ),
        MultiFieldPanel(
            [FieldPanel("centre_name"), FieldPanel("centre_phone"), FieldPanel("centre_address")],
            heading="心理健康指导中心",
        ),
        MultiFieldPanel(
            [FieldPanel("emergency_phone"), FieldPanel("police_phone")], heading="紧急联系"
        ),
        FieldPanel("contacts_page"),
        FieldPanel("footer_note"),
    ]

    class Meta:
        verbose_name = "站点设置"


class SubmitToken(models.Model):
    """A create form's one-time key, claimed by the submit that stored something.

    Written in the same transaction as what the form created (``portal.idempotency``); a
    second submit with the same key finds it and is sent to ``url`` instead of storing again.
    Rows older than a few days are deleted as new ones are claimed.
    """

    key = models.CharField("提交码", max_length=40, unique=True)
    form = models.CharField("表单", max_length=60)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提交人",
    )
    url = models.CharField("结果地址", max_length=500)
    message = models.CharField("结果说明", max_length=300, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "表单提交记录"
        verbose_name_plural = "表单提交记录"

    def __str__(self):
        return f"{self.form} {self.key}"


class ExportJob(models.Model):
    """An export built by a background task (``portal.exports``): who asked for what, with
    which filters, how far it got, and the private file once it is written.

    The file lives in private storage (never under a served path) and is sent only by the
    job's download view, to the person who asked, while they still hold the export's
    capability. Old jobs' files are deleted by ``manage.py retention``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在生成"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name="申请人",
    )
    kind = models.CharField("导出内容", max_length=50)
    title = models.CharField("名称", max_length=300)
    params = models.JSONField("筛选条件", default=dict, blank=True)
    format = models.CharField("格式", max_length=8)
    status = models.CharField("状态", max_length=10, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField("总行数", null=True, blank=True)
    written = models.PositiveIntegerField("已写入行数", default=0)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    file = models.FileField("文件", upload_to="exports/%Y/%m/", max_length=300, blank=True)
    filename = models.CharField("下载文件名", max_length=200, blank=True)
    error = models.TextField("错误信息", blank=True)

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="exportjob_user_recent")]

    def __str__(self):
        return f"{self.title} · {self.get_status_display()}"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def percent(self) -> int:
        """How far the job got: 100 once done; rows written over the total while running
        (at most 99: the file is complete only when the job says so)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, 100 * self.written // self.total)
