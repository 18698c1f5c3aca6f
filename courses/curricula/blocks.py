"""StreamField blocks of curricula, lessons and activities. Import paths are stable."""

from wagtail import blocks

from portal.blocks import RICH_FEATURES


class StepBlock(blocks.StructBlock):
    """One teaching step of a lesson or activity, with its phase and time."""

    phase = blocks.ChoiceBlock(
        label="环节",
        choices=[
            ("warm_up", "导入"),
            ("activity", "活动"),
            ("discussion", "分享"),
            ("reflection", "总结"),
            ("worksheet", "学习单练习"),
            ("extension", "延伸"),
        ],
        default="activity",
    )
    title = blocks.CharBlock(label="步骤名称", max_length=60)
    minutes = blocks.IntegerBlock(label="时长（分钟）", min_value=1, max_value=120, required=False)
    content = blocks.RichTextBlock(label="内容", features=RICH_FEATURES)
    intent = blocks.TextBlock(label="设计意图", required=False, rows=2)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["phase_label"] = dict(self.child_blocks["phase"].field.choices).get(
            value.get("phase"), ""
        )
        return context

    class Meta:
        icon = "list-ol"
        label = "教学步骤"
        template = "blocks/step_block.html"


class StepsStreamBlock(blocks.StreamBlock):
    step = StepBlock()


class WorksheetPromptBlock(blocks.StructBlock):
    """One prompt of a lesson's student worksheet (学习单), with room to write."""

    prompt = blocks.CharBlock(label="题目", max_length=200)
    lines = blocks.IntegerBlock(label="书写行数", min_value=1, max_value=12, default=3)

    class Meta:
        icon = "edit"
        label = "学习单题目"


class WorksheetStreamBlock(blocks.StreamBlock):
    prompt = WorksheetPromptBlock()
