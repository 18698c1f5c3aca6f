"""StreamField blocks of teacher-training modules (R-7): sections and the self-check quiz.

Import paths are stable; renaming a block is a data migration. Curricula blocks live in
``courses/blocks.py`` (content issue); these are the training module's own.
"""

from django.forms.utils import ErrorList
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock

from portal.blocks import RICH_FEATURES


class TextSectionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="小节标题", max_length=100)
    body = blocks.RichTextBlock(label="正文", features=RICH_FEATURES)

    class Meta:
        icon = "doc-full"
        label = "图文讲解"
        template = "blocks/training/text_section.html"


class VideoSectionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="小节标题", max_length=100)
    video = DocumentChooserBlock(label="视频文件", help_text="上传 MP4 视频到文档库后在此选择。")
    minutes = blocks.IntegerBlock(label="时长（分钟）", min_value=1, required=False)
    notes = blocks.RichTextBlock(label="学习提示", features=RICH_FEATURES, required=False)

    class Meta:
        icon = "media"
        label = "视频"
        template = "blocks/training/video_section.html"


class ReadingSectionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="小节标题", max_length=100)
    guide = blocks.RichTextBlock(label="阅读导引", features=RICH_FEATURES)
    document = DocumentChooserBlock(label="阅读材料", required=False)

    class Meta:
        icon = "openquote"
        label = "阅读材料"
        template = "blocks/training/reading_section.html"


class CaseStudySectionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="小节标题", max_length=100)
    case = blocks.RichTextBlock(label="案例经过", features=RICH_FEATURES)
    questions = blocks.ListBlock(blocks.CharBlock(label="问题", max_length=200), label="思考题")
    commentary = blocks.RichTextBlock(label="专家点评", features=RICH_FEATURES, required=False)

    class Meta:
        icon = "group"
        label = "案例研讨"
        template = "blocks/training/case_section.html"


class TrainingSectionsBlock(blocks.StreamBlock):
    text = TextSectionBlock()
    video = VideoSectionBlock()
    reading = ReadingSectionBlock()
    case = CaseStudySectionBlock()

    class Meta:
        block_counts = {}


class QuizChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label="选项", max_length=200)
    correct = blocks.BooleanBlock(label="正确答案", required=False)


class QuizQuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label="题目", max_length=300)
    choices = blocks.ListBlock(QuizChoiceBlock(), label="选项", min_num=2)
    explanation = blocks.TextBlock(label="答案解析", required=False)

    class Meta:
        icon = "help"
        label = "选择题"

    def clean(self, value):
        value = super().clean(value)
        if not any(choice["correct"] for choice in value["choices"]):
            raise StructBlockValidationError(
                non_block_errors=ErrorList(["每道题至少要标出一个正确答案。"])
            )
        return value


class QuizBlock(blocks.StreamBlock):
    question = QuizQuestionBlock()
