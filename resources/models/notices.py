"""Publicity: the notice index and notice pages, with their generated posters (R-4)."""

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.search import index

from portal.blocks import BodyStreamBlock
from portal.models import BasePage
from portal.params import choice_param
from search.index import SEGMENTED_SEARCH_FIELDS, SegmentedSearchMixin

from ..vocab import NoticeKind, PosterColour


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
        from ..selectors import notices_list

        return notices_list(index=self)

    @path("")
    def index_route(self, request):
        from ..selectors import notices_list

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
        from ..feeds import NoticeFeed

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

        from ..selectors import notice_poster_problem

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
        from ..posters import lines_of, poster_layout, poster_svg, preview_format
        from ..selectors import notice_poster_content

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
        from ..views import notice_poster_serve

        return notice_poster_serve(request, page=self, kind=size)

    @path("poster/preview/", name="poster_preview")
    def poster_preview_route(self, request):
        from ..posters import preview_format
        from ..views import notice_poster_serve

        return notice_poster_serve(request, page=self, kind=preview_format())
