"""The policy library: the policy index and policy pages (R-5)."""

from django.core.paginator import Paginator
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.search import index

from portal.blocks import BodyStreamBlock
from portal.models import BasePage
from portal.params import choice_param
from search.index import SEGMENTED_SEARCH_FIELDS, SegmentedSearchMixin

from ..vocab import PolicyStatus


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
        from ..selectors import policies_list

        return policies_list(index=self)

    def get_context(self, request, *args, **kwargs):
        from ..selectors import policies_list

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
