"""The site search's own index: one denormalised row per searchable page or document.

``SearchEntry`` is what Wagtail's search backend (database or Elasticsearch) indexes for
the site search. Its ``title``/``body`` hold *segmented* text (words separated by spaces,
see ``search/segment.py``); ``text`` keeps the plain original text for snippets and for
Elasticsearch's ``cjk`` analyzer. Facet values (stages, topics) are rows of
``SearchFacetValue`` so that facet counts are a single aggregate query.

Only public content is ever written here: pages' live revisions and documents. School
records (students, screening, duty) never are.
"""

from django.db import models
from wagtail.search import index

from .es_settings import CJK_ANALYZER, SEGMENTED_ANALYZER
from .index import KINDS


class SearchEntry(index.Indexed, models.Model):
    page = models.OneToOneField(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    document = models.OneToOneField(
        "resources.XinyuDocument",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    kind = models.CharField("类型", max_length=20, choices=list(KINDS.items()), db_index=True)
    display_title = models.CharField("标题", max_length=255)
    title = models.TextField("标题分词")
    body = models.TextField("正文分词", blank=True)
    text = models.TextField("正文", blank=True)
    restricted = models.BooleanField(
        "限制下载",
        default=False,
        help_text="匿名访客不能下载的文件：只对能下载它的用户列出。",
    )
    part_of = models.ForeignKey(
        "self",
        verbose_name="所属页面",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parts",
        help_text="附在某个页面上的文件（如课例的教案、课件）：页面的条目已含其文字，"
        "两者同时被搜到时文件排在页面之后。",
    )
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [
        index.SearchField("title", boost=3, es_extra={"analyzer": SEGMENTED_ANALYZER}),
        index.SearchField("body", es_extra={"analyzer": SEGMENTED_ANALYZER}),
        index.SearchField("raw_text", es_extra={"analyzer": CJK_ANALYZER}),
        index.FilterField("id"),
        index.FilterField("kind"),
        index.FilterField("restricted"),
        index.FilterField("page_id"),
        index.FilterField("document_id"),
        index.FilterField("stage_values", es_extra={"type": "keyword"}),
        index.FilterField("topic_values", es_extra={"type": "keyword"}),
    ]

    class Meta:
        verbose_name = "搜索条目"
        verbose_name_plural = "搜索条目"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(page__isnull=False, document__isnull=True)
                    | models.Q(page__isnull=True, document__isnull=False)
                ),
                name="search_entry_page_xor_document",
            )
        ]

    def __str__(self):
        return self.display_title

    def raw_text(self) -> str:
        """Original title and text; the Elasticsearch ``cjk`` analyzer indexes it.

        The database backend has no use for unsegmented text, so it gets none.
        """
        from .backend import using_elasticsearch

        if not using_elasticsearch():
            return ""
        return f"{self.display_title}\n{self.text}"

    def stage_values(self) -> list[str]:
        return [f.value for f in self.facet_values.all() if f.facet == SearchFacetValue.STAGE]

    def topic_values(self) -> list[str]:
        return [f.value for f in self.facet_values.all() if f.facet == SearchFacetValue.TOPIC]


class SearchFacetValue(models.Model):
    STAGE = "stage"
    TOPIC = "topic"

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="facet_values")
    facet = models.CharField(max_length=10, choices=[(STAGE, "学段"), (TOPIC, "主题")])
    value = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "facet", "value"], name="search_facet_unique")
        ]
        indexes = [models.Index(fields=["facet", "value"])]

    def __str__(self):
        return f"{self.facet}={self.value}"


class SearchQuery(models.Model):
    """A query typed into the site search, normalised, for the "大家都在搜" list and for
    editors to see content gaps. Nothing about who searched is kept: a visitor counts once
    per day (``SearchQueryDay.visitors``), judged by a salted hash held only in the cache.

    Only queries that pass ``search.popular.query_blocked_reason`` and that an editor
    approved are ever shown to the public; queries naming a person are never stored.
    """

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    STATUSES = [(PENDING, "待审核"), (APPROVED, "已采用"), (REJECTED, "不采用")]

    text = models.CharField("搜索词", max_length=50, unique=True)
    results = models.PositiveIntegerField("最近一次结果数", default=0)
    blocked_reason = models.CharField(
        "不可公开的原因", max_length=30, blank=True, help_text="含联系方式、网址、数字串或危机词"
    )
    status = models.CharField("审核", max_length=10, choices=STATUSES, default=PENDING)
    reviewed_by = models.ForeignKey(
        "accounts.User",
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    last_searched = models.DateField("最近搜索日期", null=True, blank=True)

    class Meta:
        verbose_name = "搜索词"
        verbose_name_plural = "搜索词"
        indexes = [models.Index(fields=["status", "results"])]

    def __str__(self):
        return self.text

    @property
    def approvable(self) -> bool:
        return not self.blocked_reason and self.results > 0


class SearchQueryDay(models.Model):
    """How many visitors searched a query on one day."""

    query = models.ForeignKey(SearchQuery, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    visitors = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["query", "date"], name="search_query_day_unique")
        ]

    def __str__(self):
        return f"{self.query_id} {self.date}: {self.visitors}"
