"""Builders for library documents and content pages used by the content tests."""

import datetime
import io
import itertools

from wagtail.models import Collection

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
from resources.services import document_create
from resources.vocab import Audience, GuideTopic, NoticeKind, ResourceType

_seq = itertools.count(1)


def docx_bytes(text="教案正文") -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("测试教案", level=1)
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_document(
    *,
    title=None,
    filename=None,
    content=None,
    resource_type=ResourceType.LESSON_PLAN,
    stages=("primary",),
    audience=Audience.PUBLIC,
    tags=(),
    **kwargs,
) -> XinyuDocument:
    n = next(_seq)
    return document_create(
        title=title or f"资料{n}",
        filename=filename or f"doc{n}.pdf",
        content=content if content is not None else PDF_BYTES,
        resource_type=resource_type,
        stages=list(stages),
        audience=audience,
        tags=list(tags),
        **kwargs,
    )


def bulk_documents(count, *, resource_type=ResourceType.WORKSHEET, tags=("情绪",)):
    """Many listed documents quickly (no files written): for query budgets."""
    root = Collection.get_first_root_node()
    docs = XinyuDocument.objects.bulk_create(
        [
            XinyuDocument(
                title=f"批量资料{i}",
                file=f"documents/bulk{i}.pdf",
                file_size=1000 + i,
                resource_type=resource_type,
                stages=["primary", "junior"],
                collection=root,
                download_count=i,
            )
            for i in range(count)
        ]
    )
    for d in docs:
        d.tags.add(*tags)
    return docs


def add(parent, page, *, revision=True):
    """Add a live page; ``revision=False`` skips the revision (fast, for bulk data)."""
    if revision:
        parent.add_child(instance=page)
        page.save_revision().publish()
    else:
        page.live = True
        parent.add_child(instance=page)
    return page


def resource_index(home, **kw):
    return add(home, ResourceIndexPage(title="资源库", slug="library", **kw))


def guide_index(home):
    return add(home, ParentGuideIndexPage(title="家长课堂", slug="parents"))


def make_guide(index, n=None, **kw):
    n = n or next(_seq)
    defaults = {
        "title": f"如何和孩子谈压力{n}",
        "slug": f"guide-{n}",
        "stages": ["primary"],
        "topic": GuideTopic.STUDY_PRESSURE,
        "summary": "孩子说压力大时，先听完再说。",
        "key_points": "先倾听\n不贴标签\n必要时求助",
        "body": [("paragraph", "<p>孩子的压力常常藏在沉默里。</p>")],
        "seek_help": "孩子连续两周情绪低落、睡不好、不愿上学时，请及时求助。",
    }
    defaults.update(kw)
    return add(index, ParentGuidePage(**defaults))


def notice_index(home):
    return add(home, NoticeIndexPage(title="通知公告", slug="notices"))


def make_notice(index, n=None, **kw):
    n = n or next(_seq)
    defaults = {
        "title": f"关于开展心理健康月活动的通知{n}",
        "slug": f"notice-{n}",
        "kind": NoticeKind.NOTICE,
        "date": datetime.date(2024, 5, 1),
        "summary": "各校于五月开展心理健康教育月活动。",
    }
    defaults.update(kw)
    return add(index, NoticePage(**defaults))


def policy_index(home):
    return add(home, PolicyIndexPage(title="政策文件", slug="policies"))


def make_policy(index, n=None, **kw):
    n = n or next(_seq)
    defaults = {
        "title": f"学生心理健康教育工作方案{n}",
        "slug": f"policy-{n}",
        "issuing_body": "临澜市教育科技局",
        "document_number": "云教〔2024〕46号",
        "issued_on": datetime.date(2024, 3, 20),
        "summary": "全市学生心理健康教育工作方案。",
    }
    defaults.update(kw)
    return add(index, PolicyPage(**defaults))
