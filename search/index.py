"""How a model takes part in the site search.

A searchable model mixes in :class:`SegmentedSearchMixin` and adds
``SEGMENTED_SEARCH_FIELDS`` to its ``search_fields``::

    class ParentGuidePage(SegmentedSearchMixin, BasePage):
        search_kind = "parent_guide"
        search_segmented_fields = ["intro", "body"]   # title is always included
        search_fields = BasePage.search_fields + [...] + SEGMENTED_SEARCH_FIELDS

        def search_stages(self):            # schools.vocab.Stage codes
            return list(self.stages)
        def search_topics(self):            # tag names
            return list(self.tags.names())

The protocol (all optional except ``search_kind``):

- ``search_kind`` — one of :data:`KINDS` (a facet of the search page);
- ``search_segmented_fields`` — names of fields/attributes whose text is searched
  (StreamField, RichText, plain text and callables are all turned into plain text), or
  override ``search_plain_text()`` to build the text yourself;
- ``search_stages()`` — list of ``schools.vocab.Stage`` values;
- ``search_topics()`` — list of topic (tag) names; default: the model's ``tags``;
- ``is_teachers_only()`` — True hides the object from anyone who is not a logged-in
  teacher (a user with an active membership); default False.

The mixin contributes ``segmented_text()``, indexed by Wagtail's own search as a
``SearchField`` (so the admin search understands Chinese too); the site search keeps a
denormalised :class:`search.models.SearchEntry` per object, refreshed on publish /
unpublish / delete / upload (see ``search/signals.py`` and ``search/services.py``).
"""

from __future__ import annotations

from django.utils.html import strip_tags
from wagtail.fields import StreamValue
from wagtail.rich_text import RichText
from wagtail.search import index

from .segment import segment

KINDS = {
    "lesson": "教案",
    "curriculum": "课程",
    "parent_guide": "家长指导",
    "training": "教师培训",
    "activity": "活动",
    "notice": "通知公告",
    "policy": "政策文件",
    "page": "页面",
    "file": "文件",
}

# Kinds whose label says something about the content ("页面", "文件" do not).
LABELLED_KINDS = set(KINDS) - {"page", "file"}

MAX_TEXT_CHARS = 200_000
# Choice fields whose label says what an object is about / whom it is for.
TOPIC_FIELDS = ("topic", "theme", "subject")
AUDIENCE_FIELDS = ("audience", "resource_type", "kind", "grade")


def _labels(obj, names) -> list[str]:
    labels = []
    for name in names:
        getter = getattr(obj, f"get_{name}_display", None)
        if callable(getter) and getattr(obj, name, None) not in (None, ""):
            labels.append(str(getter()))
    return labels


def document_is_public(document) -> bool:
    """Anyone may download ``document`` (the download rule, asked for an anonymous
    visitor)."""
    from django.contrib.auth.models import AnonymousUser

    from resources.selectors import document_may_download

    return document_may_download(document=document, user=AnonymousUser()) is True


def attached_documents(obj) -> list:
    """Documents ``obj`` refers to: foreign keys to the document model and documents
    chosen in its StreamFields (in any block, at any depth)."""
    from wagtail.documents import get_document_model
    from wagtail.documents.blocks import DocumentChooserBlock
    from wagtail.fields import StreamField

    model = get_document_model()
    found = []

    def walk(block, value):
        from wagtail import blocks

        if value is None:
            return
        if isinstance(block, DocumentChooserBlock):
            if isinstance(value, model):
                found.append(value)
        elif isinstance(block, blocks.StreamBlock):
            for child in value:
                walk(child.block, child.value)
        elif isinstance(block, blocks.ListBlock):
            for item in value:
                walk(block.child_block, item)
        elif isinstance(block, blocks.StructBlock):
            for name, child in block.child_blocks.items():
                walk(child, value.get(name))

    for field in obj._meta.get_fields():
        if getattr(field, "many_to_one", False) and field.related_model is model:
            document = getattr(obj, field.name, None)
            if document is not None:
                found.append(document)
        elif isinstance(field, StreamField):
            value = getattr(obj, field.name, None)
            if value is not None:
                walk(value.stream_block, value)
    if isinstance(obj, model):
        found = [d for d in found if d.pk != obj.pk]
    return list({d.pk: d for d in found}.values())


def plain_text(value) -> str:
    """Plain text of a field value: StreamField, RichText, HTML string or anything else."""
    if value is None:
        return ""
    if callable(value):
        value = value()
    if isinstance(value, StreamValue):
        parts = block_text(value.stream_block, value)
        return "\n".join(str(part) for part in parts if part)
    if isinstance(value, RichText):
        return strip_tags(value.source)
    if isinstance(value, (list, tuple)):
        return "\n".join(plain_text(item) for item in value)
    text = str(value)
    if "<" in text and ">" in text:
        text = strip_tags(text)
    return text


def block_text(block, value) -> list[str]:
    """The searchable text of a block value, without the labels of choices.

    Wagtail's own ``get_searchable_content`` includes a ``ChoiceBlock``'s label — a
    heading's level would be indexed as “二级标题” in every page. Choices are layout, not
    content: they are skipped here; everything else is what the block itself returns
    (rich text stripped and unescaped).
    """
    from wagtail import blocks

    if value is None or isinstance(block, blocks.ChoiceBlock):
        return []
    if isinstance(block, blocks.StreamBlock):
        return [text for child in value for text in block_text(child.block, child.value)]
    if isinstance(block, blocks.ListBlock):
        return [text for item in value for text in block_text(block.child_block, item)]
    own = type(block).get_searchable_content
    if isinstance(block, blocks.StructBlock) and own is blocks.StructBlock.get_searchable_content:
        return [
            text
            for name, child in block.child_blocks.items()
            for text in block_text(child, value.get(name))
        ]
    return list(block.get_searchable_content(value))


class SegmentedSearchMixin:
    search_kind = "page"
    search_segmented_fields: list[str] = []

    def search_title(self) -> str:
        return getattr(self, "title", "") or ""

    def search_plain_text(self) -> str:
        """The searchable text apart from the title."""
        parts = [plain_text(getattr(self, name, None)) for name in self.search_segmented_fields]
        return "\n".join(part for part in parts if part)[:MAX_TEXT_CHARS]

    def segmented_text(self) -> str:
        return segment(f"{self.search_title()}\n{self.search_plain_text()}")

    def search_stages(self) -> list[str]:
        return []

    def search_topics(self) -> list[str]:
        tags = getattr(self, "tags", None)
        if tags is None or not getattr(self, "pk", None):
            return []
        return sorted(tags.names())

    def is_teachers_only(self) -> bool:
        return False

    def search_keywords(self) -> list[str]:
        """Words that say what the object is about without being in its text — tag names
        and the labels of choice fields such as topic, theme or subject — searched with the
        title's weight (a page tagged 幼小衔接 is found by 幼小衔接)."""
        words = list(self.search_topics() or [])
        words += _labels(self, TOPIC_FIELDS)
        return list(dict.fromkeys(w for w in words if w))

    def search_audience_words(self) -> list[str]:
        """Who the object is for and what it is — the labels of its kind (课程, 家长指导,
        教师培训 …), stages, audience, resource type, grade — searched as body text."""
        from schools.vocab import Stage

        words = [KINDS[self.search_kind]] if self.search_kind in LABELLED_KINDS else []
        for value in self.search_stages() or []:
            try:
                words.append(str(Stage(value).label))
            except ValueError:
                continue
        words += _labels(self, AUDIENCE_FIELDS)
        return list(dict.fromkeys(w for w in words if w))

    def search_attached_documents(self) -> list:
        """The files attached to the object (a lesson's plan, slides and worksheets; an
        activity's attachments) that anyone may download: any foreign key to a document and
        any document chosen in a StreamField. Their text is part of the object's entry."""
        return [d for d in attached_documents(self) if document_is_public(d)]

    def search_attached_text(self, documents=None) -> str:
        """Text inside the attached files (``search_attached_documents``, or the
        ``documents`` given). Only files anyone may download contribute, so no snippet ever
        quotes a restricted file."""
        if documents is None:
            documents = self.search_attached_documents()
        parts = []
        for document in documents:
            text = "\n".join(
                t
                for t in (
                    document.title,
                    getattr(document, "description", ""),
                    getattr(document, "extracted_text", ""),
                )
                if t
            )
            parts.append(text)
        return "\n".join(parts)[:MAX_TEXT_CHARS]


SEGMENTED_SEARCH_FIELDS = [index.SearchField("segmented_text")]
