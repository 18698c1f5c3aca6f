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
    teachers_only = models.BooleanField("仅限教师", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [
        index.SearchField("title", boost=3, es_extra={"analyzer": SEGMENTED_ANALYZER}),
        index.SearchField("body", es_extra={"analyzer": SEGMENTED_ANALYZER}),
        index.SearchField("raw_text", es_extra={"analyzer": CJK_ANALYZER}),
        index.FilterField("id"),
        index.FilterField("kind"),
        index.FilterField("teachers_only"),
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
