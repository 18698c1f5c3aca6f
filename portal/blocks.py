"""Shared StreamField blocks. Import paths are stable: renaming a block is a data
migration, never a silent change."""

from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label="标题", max_length=100)
    level = blocks.ChoiceBlock(
        label="级别", choices=[("h2", "二级标题"), ("h3", "三级标题")], default="h2"
    )

    class Meta:
        icon = "title"
        label = "小标题"
        template = "blocks/heading_block.html"


class ImageWithCaptionBlock(blocks.StructBlock):
    image = ImageChooserBlock(label="图片")
    caption = blocks.CharBlock(label="图片说明", required=False, max_length=200)
    alt = blocks.CharBlock(
        label="替代文字",
        required=False,
        max_length=200,
        help_text="供读屏软件朗读；留空则使用图片说明。",
    )

    class Meta:
        icon = "image"
        label = "图片"
        template = "blocks/image_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="引文")
    source = blocks.CharBlock(label="出处", required=False, max_length=100)

    class Meta:
        icon = "openquote"
        label = "引用"
        template = "blocks/quote_block.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="标题", max_length=100)
    text = blocks.TextBlock(label="说明", required=False)
    page = blocks.PageChooserBlock(label="链接页面", required=False)
    url = blocks.URLBlock(label="或外部链接", required=False)
    button_text = blocks.CharBlock(label="按钮文字", max_length=30, default="了解更多")

    class Meta:
        icon = "link"
        label = "行动号召"
        template = "blocks/cta_block.html"


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label="文档")
    title = blocks.CharBlock(label="显示名称", required=False, help_text="留空则使用文档标题。")


class DocumentLinksBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label="标题", required=False, default="相关下载")
    documents = blocks.ListBlock(DocumentLinkBlock(), label="文档")

    class Meta:
        icon = "doc-full"
        label = "文档下载"
        template = "blocks/document_links_block.html"


class ContentTableBlock(TableBlock):
    class Meta:
        icon = "table"
        label = "表格"
        template = "blocks/table_block.html"


class ContactBlock(blocks.StructBlock):
    role = blocks.CharBlock(label="职务 / 机构", max_length=100)
    name = blocks.CharBlock(label="姓名", required=False, max_length=50)
    phone = blocks.CharBlock(label="电话", required=False, max_length=30)
    note = blocks.CharBlock(label="说明", required=False, max_length=200)

    class Meta:
        icon = "user"
        label = "联系人"


class ContactGroupBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label="分组名称", max_length=100)
    intro = blocks.TextBlock(label="说明", required=False)
    contacts = blocks.ListBlock(ContactBlock(), label="成员")

    class Meta:
        icon = "group"
        label = "联系人分组"
        template = "blocks/contact_group_block.html"


class BodyStreamBlock(blocks.StreamBlock):
    """The body of a standard page."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label="正文", features=RICH_FEATURES, icon="pilcrow")
    image = ImageWithCaptionBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    documents = DocumentLinksBlock()
    table = ContentTableBlock()

    class Meta:
        block_counts = {}


# --- home page sections -----------------------------------------------------------------------


class HeroBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="主标题", max_length=60)
    subtitle = blocks.TextBlock(label="副标题", required=False)
    image = ImageChooserBlock(label="背景图片", required=False)
    primary_page = blocks.PageChooserBlock(label="主按钮链接", required=False)
    primary_text = blocks.CharBlock(label="主按钮文字", required=False, max_length=20)
    secondary_page = blocks.PageChooserBlock(label="次按钮链接", required=False)
    secondary_text = blocks.CharBlock(label="次按钮文字", required=False, max_length=20)

    class Meta:
        icon = "pick"
        label = "首屏横幅"
        template = "blocks/hero_block.html"


class FeaturedPagesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label="栏目标题", max_length=50)
    intro = blocks.TextBlock(label="栏目说明", required=False)
    pages = blocks.ListBlock(blocks.PageChooserBlock(label="页面"), label="推荐页面")
    more_page = blocks.PageChooserBlock(label="“更多”链接", required=False)

    class Meta:
        icon = "list-ul"
        label = "推荐内容"
        template = "blocks/featured_pages_block.html"


class LatestPagesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label="栏目标题", max_length=50, default="最新通知")
    parent = blocks.PageChooserBlock(label="来源栏目", help_text="显示该栏目下最新发布的页面。")
    count = blocks.IntegerBlock(label="条数", default=5, min_value=1, max_value=20)

    def get_context(self, value, parent_context=None):
        from portal.selectors import latest_children

        context = super().get_context(value, parent_context=parent_context)
        parent = value.get("parent")
        context["latest_pages"] = (
            latest_children(parent=parent, count=value.get("count") or 5) if parent else []
        )
        return context

    class Meta:
        icon = "date"
        label = "最新内容"
        template = "blocks/latest_pages_block.html"


class HomeStreamBlock(blocks.StreamBlock):
    hero = HeroBlock()
    featured = FeaturedPagesBlock()
    latest = LatestPagesBlock()
    paragraph = blocks.RichTextBlock(label="正文", features=RICH_FEATURES, icon="pilcrow")
    call_to_action = CallToActionBlock()
