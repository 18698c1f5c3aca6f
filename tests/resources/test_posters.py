"""Notice-board posters: A4/A3 PDFs and the page's picture, made from the notice itself."""

import io
import urllib.parse

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.test import Client
from wagtail.models import PageViewRestriction

from demo.resources_content import NOTICES
from resources import posters
from resources.models import NoticePage
from resources.posters import PosterContent, poster_layout, poster_pdf
from resources.services import notice_poster_file
from tests.resources.factories import make_notice, notice_index

POINTS = [
    "每个班级开一次心理健康主题班会，说说心里话。",
    "心理辅导室午休和放学后开放，欢迎来坐坐。",
    "先听孩子把话说完，再一起想办法。",
    "心情不好不丢人，愿意求助是勇敢的表现。",
]


def _content(**kw) -> PosterContent:
    data = {
        "headline": "5・25心理健康教育宣传月",
        "messages": ("阳光心灵，快乐成长",),
        "points": tuple(POINTS),
        "help_lines": (
            "心理咨询热线：0000-8602120（工作日 8:30–17:30）",
            "全国心理援助热线：12356",
        ),
        "organisation": "临澜市教育局",
        "portal_name": "心育平台",
        "url": "http://testserver/notices/month/",
    }
    data.update(kw)
    return PosterContent(**data)


def _pdf_text(data: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return reader, text.replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("size, points", [("a4", (595, 842)), ("a3", (842, 1191))])
def test_the_pdf_is_one_page_of_the_paper_size_and_carries_the_text(size, points):
    content = _content()
    layout = poster_layout(content, size=size)
    assert layout.fits and layout.scale > 1.0  # a short poster is set large
    reader, text = _pdf_text(poster_pdf(layout, title=content.headline))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points
    # The CID font's text is extractable: the headline, a point and the hotline are there.
    for expected in ("5・25心理健康教育宣传月", "阳光心灵，快乐成长", POINTS[1], "0000-8602120"):
        assert expected in text
    assert reader.metadata.title == content.headline
    # The font is the built-in CID font, not a file shipped with the project.
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any(f.get_object()["/BaseFont"] == "/STSong-Light" for f in fonts.values())


def test_a3_is_a4_scaled_line_for_line():
    a4, a3 = poster_layout(_content(), size="a4"), poster_layout(_content(), size="a3")
    assert a4.texts() == a3.texts()


def _inside(layout, margin=20):
    for left, top, right, bottom in layout.text_boxes():
        assert left >= margin and right <= layout.width - margin, (left, right)
        assert top >= 0 and bottom <= layout.height, (top, bottom)


def test_lines_break_by_chinese_rules_and_stay_on_the_page():
    layout = poster_layout(_content(headline="关于开展2024年“5・25”心理健康教育宣传月活动的通知"))
    assert layout.fits
    _inside(layout)
    for line in layout.texts():
        assert line[0] not in "，。、；：！？）》”", line
        assert line[-1] not in "（《“", line
    # The headline's lines share the text: no line of one lonely character.
    head = [t for t in layout.items if isinstance(t, posters.Text) and t.size > 30]
    assert len(head) >= 2 and min(len(t.text) for t in head) >= 4


def test_long_text_is_set_smaller_and_too_long_text_is_refused():
    long_points = tuple(
        f"第{n}条：放学后和家人一起散步二十分钟，聊聊今天最开心和最烦恼的事情，"
        "听的人先不急着给建议。"
        for n in range(1, 7)
    )
    smaller = poster_layout(_content(points=long_points))
    assert smaller.fits and smaller.scale < 1.0
    _inside(smaller)
    # The body ends above the help box: nothing is drawn over anything else.
    boxes = smaller.text_boxes()
    help_top = next(
        item.y for item in smaller.items if isinstance(item, posters.Box) and item.radius
    )
    body = [b for b, t in zip(boxes, smaller.texts(), strict=True) if t in "".join(long_points)]
    assert body and max(b[3] for b in body) < help_top

    too_long = poster_layout(_content(points=tuple(p * 3 for p in long_points)))
    assert not too_long.fits and too_long.items == []
    assert "海报内容太多" in too_long.problem and too_long.problem_field == "poster_points"
    headline = poster_layout(_content(headline="心理健康" * 20))
    assert not headline.fits and headline.problem_field == "poster_headline"


def test_the_svg_picture_has_the_same_lines():
    layout = poster_layout(_content())
    svg = posters.poster_svg(layout, title="海报").decode()
    assert svg.startswith("<svg") and "<script" not in svg
    for line in layout.texts():
        assert f">{line}</text>" in svg


# --- the notice page ---------------------------------------------------------------------


def _poster_notice(home, index=None, **kw):
    fields = {
        "title": "关于开展心理健康教育宣传月活动的通知",
        "poster_headline": "",
        "poster_message": "阳光心灵，快乐成长",
        "poster_points": "\n".join(POINTS),
        "poster_colour": "blue",
    }
    fields.update(kw)
    return make_notice(index or notice_index(home), **fields)


def test_the_page_shows_the_picture_and_both_downloads(client, home):
    notice = _poster_notice(home)
    html = client.get(notice.url).content.decode()
    preview, a4, a3 = (notice.url + p for p in ("poster/preview/", "poster/a4/", "poster/a3/"))
    assert f'src="{preview}"' in html
    assert f'href="{a4}"' in html and "下载 A4 PDF" in html
    assert f'href="{a3}"' in html and "下载 A3 PDF" in html
    assert "阳光心灵，快乐成长" in html  # in the picture's alt text

    picture = client.get(preview)
    assert picture.status_code == 200
    assert picture["Content-Type"] in ("image/png", "image/svg+xml")
    assert picture["Content-Disposition"].startswith("inline;")
    for url, size in ((a4, "A4"), (a3, "A3")):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        name = urllib.parse.unquote(disposition.split("filename*=UTF-8''")[1])
        assert name == f"海报-关于开展心理健康教育宣传月活动的通知-{size}.pdf"
        _, text = _pdf_text(response.content)
        assert "关于开展心理健康教育宣传月活动的通知" in text
        assert notice.get_full_url() in text  # the page's address beside the QR code
    assert client.get(notice.url + "poster/a5/").status_code == 404


def test_a_notice_without_points_has_no_poster(client, home):
    notice = make_notice(notice_index(home))
    html = client.get(notice.url).content.decode()
    assert "poster/a4/" not in html and "下载 A4 PDF" not in html
    assert client.get(notice.url + "poster/a4/").status_code == 404
    assert client.get(notice.url + "poster/preview/").status_code == 404


def test_the_picture_is_svg_when_the_machine_has_no_chinese_font(client, home, settings):
    settings.POSTER_PREVIEW_FONT = "/nonexistent/font.ttc"
    notice = _poster_notice(home)
    response = client.get(notice.url + "poster/preview/")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "阳光心灵，快乐成长" in response.content.decode()


def test_unpublished_and_private_posters_are_not_served_to_anonymous(client, home):
    notice = _poster_notice(home)
    a4 = notice.url + "poster/a4/"
    assert client.get(a4).status_code == 200
    notice.unpublish()
    assert client.get(a4).status_code == 404
    assert client.get(notice.url + "poster/preview/").status_code == 404

    private = _poster_notice(
        home, index=notice.get_parent(), title="内部通知", slug="private-notice"
    )
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(private.url + "poster/a3/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_draft_poster_is_not_served(client, home):
    index = notice_index(home)
    draft = NoticePage(
        title="草稿通知",
        slug="draft",
        kind="notice",
        summary="草稿。",
        poster_points="\n".join(POINTS),
        live=False,
    )
    index.add_child(instance=draft)
    draft.save_revision()
    assert client.get(f"{index.url}draft/poster/a4/").status_code == 404


def _stored(notice) -> list[str]:
    try:
        return sorted(default_storage.listdir(f"posters/notice-{notice.pk}")[1])
    except FileNotFoundError:
        return []


def test_publishing_a_changed_title_regenerates_the_files(client, home):
    notice = _poster_notice(home)
    first = _stored(notice)
    assert len(first) == 3  # A4, A3 and the picture, made on publish
    assert (
        "关于开展心理健康教育宣传月活动的通知"
        in _pdf_text(client.get(notice.url + "poster/a4/").content)[1]
    )

    notice = NoticePage.objects.get(pk=notice.pk)
    notice.title = "关于开展心理健康宣传周活动的通知"
    notice.save_revision().publish()
    second = _stored(notice)
    assert len(second) == 3 and not set(first) & set(second)  # the old files are gone
    for kind in ("a4", "a3"):
        _, text = _pdf_text(client.get(notice.url + f"poster/{kind}/").content)
        assert "关于开展心理健康宣传周活动的通知" in text and "宣传月" not in text

    # A draft changes nothing that is served.
    notice.poster_message = "草稿里的新标语"
    notice.save_revision()
    data, _ = notice_poster_file(page=NoticePage.objects.get(pk=notice.pk), kind="a4")
    assert "草稿里的新标语" not in _pdf_text(data)[1]
    assert _stored(notice) == second


def test_a_new_hotline_in_the_site_settings_reaches_the_served_files(client, home):
    from wagtail.models import Site

    from portal.models import PortalSettings

    notice = _poster_notice(home)
    made_on_publish = _stored(notice)
    portal = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    portal.counselling_hotline = "0000-1234567"
    portal.save()
    _, text = _pdf_text(client.get(notice.url + "poster/a4/").content)
    assert "0000-1234567" in text
    # Made on request under the new content's name; the A4 of the old content is gone.
    now = _stored(notice)
    assert len([n for n in now if n.endswith("-a4.pdf")]) == 1
    assert [n for n in now if n.endswith("-a4.pdf")] != [
        n for n in made_on_publish if n.endswith("-a4.pdf")
    ]


# --- the editor ----------------------------------------------------------------------------


@pytest.fixture
def editor(django_user_model):
    admin = django_user_model.objects.create_superuser("editor", "e@example.com", "pw-12345678")
    client = Client()
    client.force_login(admin)
    return client


def _edit(editor, notice, **changes):
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    data = {
        "title": notice.title,
        "slug": notice.slug,
        "kind": notice.kind,
        "date": notice.date.isoformat(),
        "summary": notice.summary,
        "body": streamfield([]),
        "attachments": streamfield([]),
        "poster_headline": notice.poster_headline,
        "poster_message": notice.poster_message,
        "poster_points": notice.poster_points,
        "poster_colour": notice.poster_colour,
        "action-publish": "publish",
    }
    data.update(changes)
    return editor.post(f"/admin/pages/{notice.pk}/edit/", nested_form_data(data))


def test_the_editor_refuses_a_poster_that_does_not_fit(home, editor):
    notice = _poster_notice(home)
    too_long = "\n".join(
        f"第{n}条：放学后和家人一起散步二十分钟，聊聊今天最开心和最烦恼的事情。" * 4
        for n in range(1, 7)
    )
    response = _edit(editor, notice, poster_points=too_long)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "海报内容太多" in errors["poster_points"][0]

    response = _edit(editor, notice, poster_points="只有一条要点")
    assert "海报要点需要3～6条" in response.context["form"].errors["poster_points"][0]
    response = _edit(editor, notice, poster_message="开心😊")
    assert "😊" in response.context["form"].errors["poster_message"][0]

    response = _edit(editor, notice, poster_headline="心理健康宣传周")
    assert response.status_code == 302
    assert NoticePage.objects.get(pk=notice.pk).poster_headline == "心理健康宣传周"


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_has_at_least_four_posters_that_fit(db):
    from resources.selectors import notice_poster_problem

    with_posters = [n for n in NOTICES if n["poster"]]
    assert len(with_posters) >= 4
    for n in with_posters:
        p = n["poster"]
        page = NoticePage(
            title=n["title"],
            poster_headline=p["headline"],
            poster_message=p["message"],
            poster_points="\n".join(p["points"]),
            poster_colour=p["colour"],
        )
        assert notice_poster_problem(page=page) is None, n["slug"]
        assert 3 <= len(p["points"]) <= 6


def test_the_preview_shows_the_drafts_poster_inline(home, editor):
    import base64
    import re

    from wagtail.test.utils.form_data import nested_form_data, streamfield

    notice = _poster_notice(home)
    data = {
        "title": notice.title,
        "slug": notice.slug,
        "kind": notice.kind,
        "date": notice.date.isoformat(),
        "summary": notice.summary,
        "body": streamfield([]),
        "attachments": streamfield([]),
        "poster_headline": "预览里的新标题",
        "poster_message": notice.poster_message,
        "poster_points": notice.poster_points,
        "poster_colour": "green",
    }
    url = f"/admin/pages/{notice.pk}/edit/preview/"
    assert editor.post(url, nested_form_data(data)).json()["is_valid"]
    html = editor.get(url).content.decode()
    inline = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert inline and "预览里的新标题" in base64.b64decode(inline.group(1)).decode()
    assert "poster/a4/" not in html  # no downloads of the draft
