"""Writes for curricula: a lesson's package — 教案 (.docx), 课件 (.pptx), 学习单 (.docx) and
all three in one .zip — generated from the lesson's structured content through the same
outline and slide deck the page previews (courses.curricula.selectors), so page and files agree."""

import io
import zipfile

from django.db import transaction

from .selectors import lesson_outline, lesson_slides

A4_WIDTH_MM, A4_HEIGHT_MM = 210, 297
FONT = "宋体"
HEADING_FONT = "黑体"


def bureau_name() -> str:
    from wagtail.models import Site

    from portal.models import PortalSettings

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return (PortalSettings.for_site(site) if site else PortalSettings()).bureau_name


def _docx_new(*, title: str, keywords: list[str], subject: str = ""):
    """A Word document on A4 with Chinese fonts and core properties (title, author =
    the bureau, keywords)."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    d = docx.Document()
    for section in d.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(A4_WIDTH_MM), Mm(A4_HEIGHT_MM)
        section.left_margin = section.right_margin = Mm(22)
        section.top_margin = section.bottom_margin = Mm(20)
    for name, size, font in (
        ("Normal", 11, FONT),
        ("Title", 20, HEADING_FONT),
        ("Heading 1", 14, HEADING_FONT),
        ("Heading 2", 12, HEADING_FONT),
    ):
        style = d.styles[name]
        style.font.size = Pt(size)
        style.font.name = font
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    props = d.core_properties
    props.title = title
    props.author = bureau_name()
    props.last_modified_by = props.author
    props.keywords = "；".join(keywords)
    props.subject = subject
    props.language = "zh-CN"
    return d


def _docx_bytes(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _keywords(lesson) -> list[str]:
    curriculum = lesson.get_parent().specific
    words = [curriculum.get_theme_display(), curriculum.get_stage_display()]
    if lesson.grade:
        words.append(lesson.get_grade_display())
    if lesson.topic:
        words.append(lesson.get_topic_display())
    return words + [t.name for t in lesson.tags.all()]


def lesson_plan_docx(*, lesson) -> bytes:
    """The 教案: meta table, then every section of the outline in order."""
    from docx.shared import Pt

    outline = lesson_outline(lesson=lesson)
    d = _docx_new(title=f"教案：{lesson.title}", keywords=_keywords(lesson), subject="教案")
    d.add_heading(outline["title"], level=0)
    table = d.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    meta = outline["meta"]
    for i in range(0, len(meta), 2):
        cells = table.add_row().cells
        for j, (label, value) in enumerate(meta[i : i + 2]):
            cells[2 * j].text, cells[2 * j + 1].text = label, value
    d.add_paragraph(outline["summary"])
    for section in outline["sections"]:
        d.add_heading(f"{section['number']}、{section['heading']}", level=1)
        for label, text in section.get("items", []):
            p = d.add_paragraph()
            p.add_run(f"{label}：").bold = True
            p.add_run(text)
        for text in section.get("paragraphs", []):
            d.add_paragraph(text)
        if section.get("steps"):
            for n, step in enumerate(section["steps"], 1):
                minutes = f"（{step['minutes']} 分钟）" if step["minutes"] else ""
                d.add_heading(f"{n}. {step['phase_label']}：{step['title']}{minutes}", level=2)
                for text in step["paragraphs"]:
                    d.add_paragraph(text)
                if step["intent"]:
                    p = d.add_paragraph()
                    p.add_run("设计意图：").bold = True
                    p.add_run(step["intent"]).italic = True
            d.add_paragraph(f"合计约 {section['total']} 分钟。")
        for n, line in enumerate(section.get("board", [])):
            p = d.add_paragraph(line)
            p.paragraph_format.left_indent = Pt(0 if n == 0 else 24)
            if n == 0:
                p.runs[0].bold = True
        for text in section.get("prompts", []):
            d.add_paragraph(text, style="List Number")
        if section.get("disclosure"):
            d.add_heading("学生倾诉时怎么做", level=2)
            for text in section["disclosure"]:
                d.add_paragraph(text, style="List Number")
        if section.get("help"):
            d.add_heading("求助信息（请在课上告诉学生）", level=2)
            for text in section["help"]:
                d.add_paragraph(text, style="List Bullet")
        for prompt in section.get("blanks", []):
            d.add_paragraph(prompt)
            d.add_paragraph("")
    return _docx_bytes(d)


def lesson_worksheet_docx(*, lesson) -> bytes:
    """The 学习单: one A4 page for students — name line, the prompts, room to write."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    curriculum = lesson.get_parent().specific
    d = _docx_new(title=f"学习单：{lesson.title}", keywords=_keywords(lesson), subject="学习单")
    d.styles["Normal"].font.size = Pt(12)
    heading = d.add_heading(f"学习单 · {lesson.title}", level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    grade = lesson.get_grade_display() if lesson.grade else curriculum.get_stage_display()
    d.add_paragraph(f"{curriculum.get_theme_display()} · {grade}      班级______  姓名______")
    prompts = [b.value for b in lesson.worksheet_prompts]
    for n, value in enumerate(prompts, 1):
        p = d.add_paragraph()
        p.paragraph_format.space_before = Pt(8)
        p.add_run(f"{n}. {value['prompt']}").bold = True
        for _ in range(value.get("lines") or 3):
            line = d.add_paragraph("_" * 44)
            line.paragraph_format.space_after = Pt(2)
    if lesson.touches_crisis:
        d.add_paragraph("需要帮助时：" + "；".join(_help_for_students()))
    return _docx_bytes(d)


def _help_for_students() -> list[str]:
    from .selectors import portal_help_lines

    return portal_help_lines()


def lesson_slides_pptx(*, lesson) -> bytes:
    """The 课件: 16:9, one slide per entry of the deck, large readable type."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Pt

    deck = lesson_slides(lesson=lesson)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)  # 13.333 × 7.5 in, 16:9
    props = prs.core_properties
    props.title = f"课件：{lesson.title}"
    props.author = bureau_name()
    props.last_modified_by = props.author
    props.keywords = "；".join(_keywords(lesson))
    props.subject = "课件"
    props.language = "zh-CN"
    blank = prs.slide_layouts[6]
    teal = RGBColor(0x0E, 0x6E, 0x6E)
    ink = RGBColor(0x22, 0x22, 0x22)
    width = prs.slide_width

    def text_box(slide, left, top, w, h, lines, size, bold=False, color=ink):
        frame = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(w), Emu(h)).text_frame
        frame.word_wrap = True
        for i, line in enumerate(lines):
            p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            run = p.add_run()
            run.text = line
            run.font.size, run.font.bold, run.font.name = Pt(size), bold, "微软雅黑"
            run.font.color.rgb = color
            p.space_after = Pt(size * 0.5)
        return frame

    inch = 914400
    for s in deck:
        slide = prs.slides.add_slide(blank)
        if s["kind"] in ("cover", "closing"):
            text_box(
                slide, inch, int(2.2 * inch), width - 2 * inch, inch, [s["title"]], 40, True, teal
            )
            lines = ([s["subtitle"]] if s.get("subtitle") else []) + s["bullets"]
            text_box(slide, inch, int(3.5 * inch), width - 2 * inch, 3 * inch, lines, 22)
        else:
            if s.get("label"):
                text_box(
                    slide,
                    inch,
                    int(0.35 * inch),
                    width - 2 * inch,
                    inch // 2,
                    [s["label"]],
                    18,
                    False,
                    teal,
                )
            text_box(
                slide, inch, int(0.8 * inch), width - 2 * inch, inch, [s["title"]], 32, True, teal
            )
            bullets = [f"• {b}" for b in s["bullets"]]
            size = 24 if sum(len(b) for b in bullets) < 160 else 20
            text_box(slide, inch, int(2 * inch), width - 2 * inch, int(5 * inch), bullets, size)
        text_box(
            slide, width - int(1.6 * inch), int(6.8 * inch), inch, inch // 2, [str(s["number"])], 14
        )
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def lesson_package_files(*, lesson) -> dict[str, bytes]:
    """The package's files by kind: plan, slides, worksheet, and the zip of all three."""
    plan = lesson_plan_docx(lesson=lesson)
    slides = lesson_slides_pptx(lesson=lesson)
    sheet = lesson_worksheet_docx(lesson=lesson)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(lesson_download_name(lesson=lesson, kind="plan"), plan)
        z.writestr(lesson_download_name(lesson=lesson, kind="slides"), slides)
        z.writestr(lesson_download_name(lesson=lesson, kind="worksheet"), sheet)
    return {"plan": plan, "slides": slides, "worksheet": sheet, "bundle": buf.getvalue()}


PACKAGE_KINDS = {
    # kind: (field on LessonPage, label, extension, resource type)
    "plan": ("lesson_plan", "教案", "docx", "lesson_plan"),
    "slides": ("slides", "课件", "pptx", "slides"),
    "worksheet": ("worksheet", "学习单", "docx", "worksheet"),
    "bundle": ("bundle", "全部材料", "zip", "other"),
}


def _lesson_place(lesson) -> tuple[str, str, int]:
    """Where a lesson sits: its grade (or the curriculum's stage), the curriculum's theme
    and its number among the curriculum's lessons — ("七年级", "挫折教育", 1)."""
    curriculum = lesson.get_parent().specific
    grade = lesson.get_grade_display() if lesson.grade else curriculum.get_stage_display()
    number = lesson.get_prev_siblings().type(type(lesson)).count() + 1
    return str(grade), str(curriculum.get_theme_display()), number


def lesson_download_name(*, lesson, kind: str) -> str:
    """The one place a package file is named: 教案-七年级-挫折教育-第1课.docx."""
    _field, label, ext, _type = PACKAGE_KINDS[kind]
    grade, theme, number = _lesson_place(lesson)
    return f"{label}-{grade}-{theme}-第{number}课.{ext}"


def lesson_document_title(*, lesson, kind: str) -> str:
    """The title a package file is listed and found under — it names the lesson:
    教案：考砸了的那一天（七年级·挫折教育第1课）. The file itself downloads under
    ``lesson_download_name``."""
    _field, label, _ext, _type = PACKAGE_KINDS[kind]
    grade, theme, number = _lesson_place(lesson)
    return f"{label}：{lesson.title}（{grade}·{theme}第{number}课）"


def lesson_package_build(*, lesson) -> None:
    """(Re)generate the lesson's four files from its live content and attach them: an
    existing document keeps its id, URL and download count and gets the new file."""
    from resources.models import XinyuDocument
    from resources.services import document_create

    from ..models import LessonPage

    curriculum = lesson.get_parent().specific
    files = lesson_package_files(lesson=lesson)
    tags = [t.name for t in lesson.tags.all()] or [curriculum.get_theme_display()]
    updates = {}
    with transaction.atomic():
        for kind, content in files.items():
            field, label, ext, resource_type = PACKAGE_KINDS[kind]
            # Listed and found as 教案：考砸了的那一天（七年级·挫折教育第1课）; saved as
            # 教案-七年级-挫折教育-第1课.docx.
            title = lesson_document_title(lesson=lesson, kind=kind)
            download_title = lesson_download_name(lesson=lesson, kind=kind).rsplit(".", 1)[0]
            filename = f"lesson-{lesson.pk}-{kind}.{ext}"
            document = (
                XinyuDocument.objects.filter(pk=getattr(lesson, f"{field}_id")).first()
                or XinyuDocument.objects.filter(
                    file__contains=f"/lesson-{lesson.pk}-{kind}"
                ).first()
            )
            if document is None:
                document = document_create(
                    title=title,
                    download_title=download_title,
                    filename=filename,
                    content=content,
                    resource_type=resource_type,
                    stages=[curriculum.stage],
                    description=lesson.summary,
                    tags=tags,
                    listed=kind != "bundle",
                )
            else:
                from django.core.files.base import ContentFile

                old = document.file.name
                document.title = title
                document.download_title = download_title
                document.description = lesson.summary
                document.file.save(filename, ContentFile(content, name=filename), save=False)
                document._set_document_file_metadata()
                document.save()
                if old and old != document.file.name:
                    document.file.storage.delete(old)
            XinyuDocument.objects.filter(pk=document.pk).update(
                grades=XinyuDocument._meta.get_field("grades").get_prep_value(
                    [lesson.grade] if lesson.grade else []
                )
            )
            updates[f"{field}_id"] = document.pk
        LessonPage.objects.filter(pk=lesson.pk).update(**updates)
    for name, value in updates.items():
        setattr(lesson, name, value)
