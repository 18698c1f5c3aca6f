"""The portal's own Document and Image models (``WAGTAILDOCS_DOCUMENT_MODEL``,
``WAGTAILIMAGES_IMAGE_MODEL``).

``XinyuDocument`` carries the library's metadata: resource type, stages, audience
(public or teachers only), a download counter, and for policy documents their kind
(``policy_kind``: work plan, the two school systems, other) and the owning school of a
school's own work plans and systems (R-5).
"""

from django.db import models
from wagtail.documents.models import AbstractDocument
from wagtail.images.models import AbstractImage, AbstractRendition
from wagtail.search import index

from portal.downloads import content_disposition, filename_clean
from schools.vocab import Stage
from search.index import SEGMENTED_SEARCH_FIELDS, SegmentedSearchMixin

from ..fields import VocabularySetField, labels_of
from ..vocab import Audience, PolicyKind, ResourceType

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
