"""Parent guides: review line, related guides, a print version that names its URL, and the
demo's guides covering the worries parents search for."""

import datetime
import re

import pytest

from demo.resources import ALL_GUIDES
from resources.vocab import GuideTopic
from tests.resources.factories import guide_index, make_guide

pytestmark = pytest.mark.django_db


def test_guide_shows_review_date_and_reviewer(client, home):
    guide = make_guide(
        guide_index(home),
        reviewed_on=datetime.date(2026, 9, 8),
        reviewer="市心理健康教育指导中心 陈慧（学前教育教研员）",
    )
    html = client.get(guide.url).content.decode()
    assert "最近审核：" in html and "2026年9月8日" in html
    assert "审核：市心理健康教育指导中心 陈慧（学前教育教研员）" in html


def test_guide_without_review_has_no_empty_review_line(client, home):
    guide = make_guide(guide_index(home))
    html = client.get(guide.url).content.decode()
    assert "最近审核" not in html and 'class="review-line"' not in html


def test_related_guides_prefer_same_topic_then_shared_tags(client, home):
    index = guide_index(home)
    guide = make_guide(index, title="孩子睡不好", topic=GuideTopic.SLEEP, stages=["primary"])
    guide.tags.add("睡眠", "作息")
    guide.save_revision().publish()
    same_topic = make_guide(index, title="大孩子总熬夜", topic=GuideTopic.SLEEP, stages=["senior"])
    shared_tag = make_guide(
        index, title="开学前调作息", topic=GuideTopic.TRANSITION, stages=["senior"]
    )
    shared_tag.tags.add("作息")
    shared_tag.save_revision().publish()
    unrelated = make_guide(index, title="早恋怎么谈", topic=GuideTopic.ROMANCE, stages=["senior"])
    html = client.get(guide.url).content.decode()
    related = html[html.index("相关文章") :]
    assert same_topic.title in related and shared_tag.title in related
    assert related.index(same_topic.title) < related.index(shared_tag.title)
    assert unrelated.title not in related
    # A guide never lists itself.
    assert related.count(guide.title) == 0


def test_related_guides_skip_unpublished(client, home):
    index = guide_index(home)
    guide = make_guide(index, topic=GuideTopic.SLEEP)
    draft = make_guide(index, title="草稿：午睡", topic=GuideTopic.SLEEP)
    draft.unpublish()
    html = client.get(guide.url).content.decode()
    assert "草稿：午睡" not in html


def test_print_version_carries_the_page_url_and_a_print_button(client, home):
    guide = make_guide(guide_index(home))
    html = client.get(guide.url).content.decode()
    assert f"本文网址：{guide.full_url}" in html
    assert "data-print" in html and "js/print.js" in html
    # No inline script: the public CSP allows scripts from our own origin only.
    assert not re.search(r"<script>(?!</script>)", html)


def test_print_stylesheet_fits_a4_and_shows_the_url():
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/content-print.css"), encoding="utf-8").read()
    assert "size: A4" in css
    assert re.search(r"\.print-url\s*\{[^}]*display:\s*block", css)


def test_demo_guides_cover_what_parents_search_for():
    assert len(ALL_GUIDES) >= 20
    titles = " ".join(g["title"] + " ".join(g["tags"]) for g in ALL_GUIDES)
    for worry in (
        "幼小衔接",
        "初升高",
        "短视频",
        "早恋",
        "二孩",
        "单亲",
        "重组",
        "撒谎",
        "胆小",
        "开学焦虑",
        "网课",
        "熬夜",
        "家校共育",
        "分离焦虑",
    ):
        assert worry in titles, worry
    topics = {choice for choice, _ in GuideTopic.choices}
    slugs = [g["slug"] for g in ALL_GUIDES]
    assert len(slugs) == len(set(slugs))
    for g in ALL_GUIDES:
        assert g["topic"] in topics, g["slug"]
        assert g["reviewed"] and g["reviewer"], g["slug"]
        assert len(g["points"]) >= 4 and len(g["body"]) >= 4, g["slug"]
        text = "".join(body for _, body in g["body"])
        assert len(text) >= 200, (g["slug"], len(text))
        assert g["seek_help"], g["slug"]
    # No two guides share a paragraph.
    paragraphs = [body for g in ALL_GUIDES for _, body in g["body"]]
    assert len(paragraphs) == len(set(paragraphs))
