"""Demo content of the resource library: parent guides, notices with posters, the policy
library and the library index. Idempotent: everything is looked up by slug or title first.
"""

import datetime
import io

from wagtail.models import Page, Site

from demo.parent_guides import MORE_GUIDES, REVIEW_OF_TOPIC
from demo.resources_content import BUREAU, GUIDES, NOTICES, POLICIES, SCHOOL_DOCUMENTS, SCHOOL_PLAN
from resources.models import (
    NoticeIndexPage,
    NoticePage,
    ParentGuideIndexPage,
    ParentGuidePage,
    PolicyIndexPage,
    PolicyPage,
    ResourceIndexPage,
    XinyuDocument,
)
from resources.services import document_create, school_collection_ensure, school_editors_sync
from resources.vocab import Audience, ResourceType

ALL_GUIDES = [
    *(
        {
            **g,
            "reviewed": REVIEW_OF_TOPIC[g["topic"]][0],
            "reviewer": REVIEW_OF_TOPIC[g["topic"]][1],
        }
        for g in GUIDES
    ),
    *MORE_GUIDES,
]


def home_page_get(out):
    """The site's home page (demo.site normally creates it; create one if missing)."""
    from portal.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        # Wagtail's initial "Welcome" page (a plain Page) holds the slug "home".
        placeholder = root.get_children().filter(slug="home", content_type__model="page").first()
        home = root.add_child(instance=HomePage(title="心育平台", slug="portal-home"))
        home.save_revision().publish()
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={
                "hostname": "localhost",
                "port": 80,
                "root_page": home,
                "site_name": "心育平台",
            },
        )
        if placeholder is not None and not placeholder.get_children().exists():
            placeholder.delete()
        out("  创建了首页")
    return home


def page_ensure(parent, model, *, slug, publish=True, **fields):
    """Return the child of ``parent`` with ``slug``, creating and publishing it if absent."""
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing, False
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    if publish:
        page.save_revision().publish()
    return page, True


def paragraphs(items):
    """[(heading, text)] or [text] → BodyStreamBlock data."""
    blocks = []
    for item in items:
        if isinstance(item, tuple):
            heading, text = item
            blocks.append(("heading", {"text": heading, "level": "h2"}))
            blocks.append(("paragraph", f"<p>{text}</p>"))
        else:
            blocks.append(("paragraph", f"<p>{item}</p>"))
    return blocks


def document_ensure(*, title, **kwargs):
    existing = XinyuDocument.objects.filter(title=title).first()
    return existing or document_create(title=title, **kwargs)


def docx_of(title: str, sections) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(title, level=0)
    for item in sections:
        if isinstance(item, tuple):
            d.add_heading(item[0], level=1)
            d.add_paragraph(item[1])
        else:
            d.add_paragraph(item)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def load(*, out, rng):
    home = home_page_get(out)

    library, _ = page_ensure(
        home,
        ResourceIndexPage,
        slug="library",
        title="资源库",
        intro="教案、课件、学习单、海报、家长手册和政策文件，按学段、类型和话题查找。"
        "标有“仅限教师”的资料需用教师账户登录后下载。",
        show_in_menus=True,
        search_description="心理健康教育教案、课件、学习单、宣传海报与家长手册下载。",
    )

    # --- parent guides -------------------------------------------------------------------
    guides, _ = page_ensure(
        home,
        ParentGuideIndexPage,
        slug="parents",
        title="家长课堂",
        intro="写给家长的心理健康小文章：了解孩子各年龄段的心理特点，学会发现问题、好好沟通。"
        "无需登录，手机上就能读。",
        show_in_menus=True,
        search_description="家长如何与孩子沟通、识别心理危机信号、应对学习压力和手机问题。",
    )
    made = 0
    for i, g in enumerate(ALL_GUIDES, 1):
        _, created = page_ensure(
            guides,
            ParentGuidePage,
            slug=g["slug"],
            title=g["title"],
            topic=g["topic"],
            stages=g["stages"],
            reading_minutes=g["minutes"],
            summary=g["summary"],
            key_points="\n".join(g["points"]),
            body=paragraphs(g["body"]),
            seek_help=g["seek_help"],
            reviewed_on=datetime.date(*g["reviewed"]),
            reviewer=g["reviewer"],
        )
        if created:
            page = ParentGuidePage.objects.get(slug=g["slug"])
            page.tags.add(*g["tags"])
            page.save_revision().publish()
            made += 1
        out.every("家长指导", i, len(ALL_GUIDES), every=4)
    # A printable handbook for parents in the library, built from the guides.
    document_ensure(
        title="家长心理健康指导手册（合订本）",
        filename="parent-handbook.docx",
        content=docx_of(
            "家长心理健康指导手册",
            [(g["title"], g["summary"] + "\n要点：" + "；".join(g["points"])) for g in ALL_GUIDES],
        ),
        resource_type=ResourceType.PARENT_HANDBOOK,
        stages=["kindergarten", "primary", "junior", "senior", "vocational"],
        description="汇集本平台全部家长指导文章的要点，适合打印后在家长会上发放。",
        tags=["亲子沟通", "家长课堂"],
    )

    # --- notices and publicity ----------------------------------------------------------
    notices, _ = page_ensure(
        home,
        NoticeIndexPage,
        slug="notices",
        title="通知与宣传",
        intro="市局通知公告、各校工作动态和可直接使用的宣传栏素材。",
        show_in_menus=True,
    )
    for n in NOTICES:
        poster = n["poster"] or {}
        page_ensure(
            notices,
            NoticePage,
            slug=n["slug"],
            title=n["title"],
            kind=n["kind"],
            date=datetime.date(*n["date"]),
            summary=n["summary"],
            body=paragraphs(n["body"]),
            # Printable posters are made from these fields when the notice is published.
            poster_headline=poster.get("headline", ""),
            poster_message=poster.get("message", ""),
            poster_points="\n".join(poster.get("points", [])),
            poster_colour=poster.get("colour", "teal"),
        )

    # --- the policy library -------------------------------------------------------------
    policies, _ = page_ensure(
        home,
        PolicyIndexPage,
        slug="policies",
        title="政策文件",
        intro="市局印发的学生心理健康教育文件，以及各校的工作方案与制度。",
        show_in_menus=True,
    )
    for p in POLICIES:
        doc = document_ensure(
            title=f"{p['title']}（{p['number']}）",
            filename="policy.docx",
            content=docx_of(p["title"], [f"{BUREAU}　{p['number']}", *p["body"]]),
            resource_type=ResourceType.POLICY,
            policy_kind=p["kind"],
            stages=["kindergarten", "primary", "junior", "senior", "vocational"],
            description=p["summary"],
            tags=["政策文件"],
        )
        page_ensure(
            policies,
            PolicyPage,
            slug=p["slug"],
            title=p["title"],
            issuing_body=p["issuing_body"],
            document_number=p["number"],
            issued_on=datetime.date(*p["issued_on"]),
            status=p["status"],
            summary=p["summary"],
            body=paragraphs(p["body"]),
            attachments=[("document", doc)],
        )
    _school_plan(policies, out)
    _school_documents(out)
    out(f"  资源库、家长指导（新增 {made} 篇）、通知与政策文件已就绪")


def _school_plan(policies, out):
    """One school's own system (R-5), in the school's own collection, published."""
    from schools.models import School

    school = School.objects.filter(code="X0101").first() or School.objects.order_by("pk").first()
    if school is None:
        out("  （尚无演示学校，跳过学校自己的制度文件）")
        return
    collection = school_collection_ensure(school=school)
    for membership in school.memberships.filter(role__in=["school_admin", "school_leader"]):
        school_editors_sync(user=membership.user)
    doc = document_ensure(
        title=f"{school.name}{SCHOOL_PLAN['title']}",
        filename="school-system.docx",
        content=docx_of(SCHOOL_PLAN["title"], SCHOOL_PLAN["body"]),
        resource_type=ResourceType.POLICY,
        policy_kind=SCHOOL_PLAN["kind"],
        collection=collection,
        school=school,
        listed=True,  # published together with the policy page below
        description=SCHOOL_PLAN["summary"],
    )
    page_ensure(
        policies,
        PolicyPage,
        slug=f"{SCHOOL_PLAN['slug']}-{school.code.lower()}",
        title=f"{school.name}{SCHOOL_PLAN['title']}",
        issuing_body=school.name,
        document_number=SCHOOL_PLAN["number"],
        issued_on=datetime.date(*SCHOOL_PLAN["issued_on"]),
        school=school,
        summary=SCHOOL_PLAN["summary"],
        body=paragraphs(SCHOOL_PLAN["body"]),
        attachments=[("document", doc)],
    )


def _school_documents(out):
    """Schools' own work plans and systems (internal, unlisted), each with its policy kind:
    the oversight figures count them (two schools have no plan yet this year)."""
    from schools.models import School

    schools = {s.code: s for s in School.objects.all()}
    made = 0
    for kind, (title, body, codes) in SCHOOL_DOCUMENTS.items():
        for code in codes:
            school = schools.get(code)
            if school is None:
                continue
            full_title = f"{school.name}{title}"
            if XinyuDocument.objects.filter(title=full_title, school=school).exists():
                continue
            document_create(
                title=full_title,
                filename=f"{kind}-{code.lower()}.docx",
                content=docx_of(full_title, body),
                resource_type=ResourceType.POLICY,
                policy_kind=kind,
                collection=school_collection_ensure(school=school),
                school=school,
                listed=False,
                description=f"{school.name}{title}（校内文件）。",
            )
            made += 1
    out(f"  学校工作方案与制度：新增 {made} 份")


__all__ = ["Audience", "home_page_get", "load", "page_ensure", "paragraphs", "document_ensure"]
