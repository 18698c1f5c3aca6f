"""Writes for curricula: the lesson-plan document generated from a lesson's content."""

import io
import re
from html import unescape

PHASES = {
    "warm_up": "热身导入",
    "activity": "活动体验",
    "discussion": "交流分享",
    "reflection": "总结反思",
    "worksheet": "学习单练习",
    "extension": "课后延伸",
}


def _plain_lines(html: str) -> list[str]:
    """Rich text → plain lines: one per paragraph or list item."""
    text = re.sub(r"</(p|li|h2|h3)>", "\n", str(html or ""))
    text = re.sub(r"<[^>]+>", "", text)
    return [unescape(line).strip() for line in text.splitlines() if line.strip()]


def lesson_plan_docx(*, lesson) -> bytes:
    """A Word lesson plan a teacher can open and teach from: title, objectives,
    preparation, a timed step table, reflection and safety notes."""
    import docx
    from docx.shared import Pt

    curriculum = lesson.get_parent().specific
    d = docx.Document()
    style = d.styles["Normal"]
    style.font.size = Pt(11)
    d.add_heading(lesson.title, level=0)
    meta = [
        ("所属课程", curriculum.title),
        ("主题", curriculum.get_theme_display()),
        ("学段", curriculum.get_stage_display()),
        ("年级", lesson.get_grade_display() if lesson.grade else "—"),
        ("课时", f"{lesson.duration_minutes} 分钟"),
    ]
    table = d.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in meta:
        row = table.add_row().cells
        row[0].text, row[1].text = label, value
    d.add_paragraph(lesson.summary)

    d.add_heading("一、教学目标", level=1)
    for line in _plain_lines(lesson.objectives):
        d.add_paragraph(line, style="List Number")
    if lesson.preparation:
        d.add_heading("二、课前准备", level=1)
        for line in _plain_lines(lesson.preparation):
            d.add_paragraph(line)

    d.add_heading("三、教学过程", level=1)
    steps = d.add_table(rows=1, cols=4)
    steps.style = "Table Grid"
    head = steps.rows[0].cells
    for cell, text in zip(head, ("环节", "步骤", "时间", "教学活动"), strict=True):
        cell.text = text
    total = 0
    for block in lesson.steps:
        value = block.value
        minutes = value.get("minutes") or 0
        total += minutes
        row = steps.add_row().cells
        row[0].text = PHASES.get(value.get("phase"), "")
        row[1].text = value.get("title", "")
        row[2].text = f"{minutes} 分钟" if minutes else ""
        row[3].text = "\n".join(_plain_lines(value.get("content").source))
    d.add_paragraph(f"合计约 {total} 分钟。")

    if lesson.teacher_notes:
        d.add_heading("四、教师提示", level=1)
        for line in _plain_lines(lesson.teacher_notes):
            d.add_paragraph(line)
    if lesson.safety_notes:
        d.add_heading("安全提示", level=1)
        for line in _plain_lines(lesson.safety_notes):
            d.add_paragraph(line)
    d.add_heading("教学反思", level=1)
    for prompt in ("本节课目标达成情况：", "学生的典型反应与需要跟进的学生：", "下次改进："):
        d.add_paragraph(prompt)
        d.add_paragraph("")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
