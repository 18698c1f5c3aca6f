"""The portal's own Document and Image models, present from the first migration.

The content issue extends ``Document`` with resource metadata (type, stages, audience,
download counts); keeping the custom model from the start avoids swapping it later.
"""

from django.db import models
from wagtail.documents.models import AbstractDocument
from wagtail.images.models import AbstractImage, AbstractRendition

from search.index import SEGMENTED_SEARCH_FIELDS, SegmentedSearchMixin

# Values of an ``audience`` field (added by the content issue) that mean "teachers only".
TEACHERS_ONLY_AUDIENCES = {"teachers", "teacher", "teachers_only", "staff"}


class XinyuDocument(SegmentedSearchMixin, AbstractDocument):
    description = models.TextField("简介", blank=True)
    extracted_text = models.TextField(
        "文件内文字", blank=True, editable=False, help_text="上传后自动从文件中提取，供搜索使用。"
    )
    extracted_file = models.CharField("提取自文件", max_length=255, blank=True, editable=False)

    admin_form_fields = ("title", "file", "collection", "description", "tags")
    search_fields = AbstractDocument.search_fields + SEGMENTED_SEARCH_FIELDS
    search_kind = "file"
    search_segmented_fields = ["description", "extracted_text"]

    def is_teachers_only(self) -> bool:
        """Teachers-only files are hidden from anyone but logged-in teachers."""
        return getattr(self, "audience", None) in TEACHERS_ONLY_AUDIENCES

    class Meta(AbstractDocument.Meta):
        verbose_name = "文档"
        verbose_name_plural = "文档"


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
