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


SINGLE, MULTIPLE = "single", "multiple"


class QuizQuestionBlock(blocks.StructBlock):
    """One question: single choice (exactly one right option, radio buttons) or multiple
    choice (two or more right options, checkboxes). Options are shown in a shuffled order
    per attempt, so the editor may list them in any order."""

    question = blocks.CharBlock(label="题目", max_length=300)
    kind = blocks.ChoiceBlock(
        label="题型",
        choices=[
            (SINGLE, "单选题（只有一个正确答案）"),
            (MULTIPLE, "多选题（两个及以上正确答案）"),
        ],
        default=SINGLE,
    )
    choices = blocks.ListBlock(
        QuizChoiceBlock(),
        label="选项",
        min_num=2,
        help_text="勾选“正确答案”标出正确选项。作答时选项顺序会随机打乱，无需把正确答案放在固定位置。",
    )
    explanation = blocks.TextBlock(
        label="答案解析", required=False, help_text="通过自测后与正确答案一起显示。"
    )

    class Meta:
        icon = "help"
        label = "选择题"

    def clean(self, value):
        problems = question_problems(value)
        try:
            cleaned = super().clean(value)
        except StructBlockValidationError as exc:
            raise StructBlockValidationError(
                block_errors=exc.block_errors,
                non_block_errors=ErrorList(list(exc.non_block_errors) + problems),
            ) from None
        if problems:
            raise StructBlockValidationError(non_block_errors=ErrorList(problems))
        return cleaned


def question_problems(value) -> list[str]:
    """What is wrong with one question (Chinese messages naming it), or an empty list."""
    text = (value.get("question") or "").strip()
    name = f"“{text[:24]}{'…' if len(text) > 24 else ''}”" if text else "（未填写题目）"
    choices = [c for c in value.get("choices") or [] if c is not None]
    texts = [(c.get("text") or "").strip() for c in choices]
    right = sum(1 for c in choices if c.get("correct"))
    problems = []
    if len(choices) < 2:
        problems.append(f"题目{name}至少需要两个选项，现在只有 {len(choices)} 个。")
    if right == 0:
        problems.append(f"题目{name}没有标出正确答案：请至少勾选一个“正确答案”。")
    elif value.get("kind") == MULTIPLE and right < 2:
        problems.append(
            f"题目{name}是多选题，至少要有两个正确答案；只有一个正确答案时请把题型改为单选题。"
        )
    elif value.get("kind") != MULTIPLE and right > 1:
        problems.append(
            f"题目{name}是单选题，却标了 {right} 个正确答案：请只保留一个，或把题型改为多选题。"
        )
    repeated = sorted({t for t in texts if t and texts.count(t) > 1})
    if repeated:
        problems.append(f"题目{name}的选项“{repeated[0]}”重复出现。")
    return problems


class QuizBlock(blocks.StreamBlock):
    question = QuizQuestionBlock()
