"""The resource library page: every listed document, filtered and sorted (R-6)."""

from django.core.paginator import Paginator
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.search import index

from portal.models import BasePage
from schools.vocab import Grade, Stage

from ..vocab import Audience, ResourceType


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
        from ..selectors import resource_filters_from, resources_list

        filters = resource_filters_from(request.GET)
        documents = resources_list(**filters)
        paginator = Paginator(documents, self.per_page or 20)
        page_obj = paginator.get_page(request.GET.get("page"))
        from ..selectors import resource_topic_choices

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

        from ..selectors import resource_get, resources_related

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
