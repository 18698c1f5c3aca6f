"""Subject-infusion guides (学科渗透, issue 18 item 3): one written guide for every subject,
each in four parts; the split subject vocabulary and its data migration; the pages and the
listing by subject and stage; search on the demo."""

import importlib
import re

import pytest
from django.apps import apps as django_apps

from courses.models import Subject, SubjectGuidePage
from demo.curricula import GUIDE_SECTIONS, subject_guide_body
from demo.subject_guides import SUBJECT_GUIDES
from schools.vocab import Stage
from tests.courses.factories import activity_index, curriculum_index, make_subject_guide

MIN_CHARS = 1200  # the written body (headings, paragraphs, the teacher's words), 字数
MIN_MOMENTS = 4

split = importlib.import_module("courses.migrations.0005_subject_split")


def _text(body) -> str:
    parts = []
    for kind, value in body:
        parts.append(
            value["text"] if kind in ("heading", "quote") else re.sub("<[^>]+>", "", value)
        )
    return "".join(parts)


def _paragraphs(body) -> list[str]:
    """Every paragraph and list item of a body, as plain text."""
    found = []
    for kind, value in body:
        if kind == "quote":
            found.append(value["text"])
        elif kind == "paragraph":
            found += [re.sub("<[^>]+>", "", p) for p in re.split(r"</(?:p|li)>", value)]
    return [p.strip() for p in found if p.strip()]


# --- the written content -----------------------------------------------------------------------


def test_every_subject_has_a_guide():
    subjects = [g["subject"] for g in SUBJECT_GUIDES]
    assert sorted(subjects) == sorted(Subject.values)  # one each, none missing
    assert len(SUBJECT_GUIDES) >= 16
    assert len({g["slug"] for g in SUBJECT_GUIDES}) == len(SUBJECT_GUIDES)
    assert len({g["title"] for g in SUBJECT_GUIDES}) == len(SUBJECT_GUIDES)


@pytest.mark.parametrize("guide", SUBJECT_GUIDES, ids=lambda g: g["subject"])
def test_guide_has_the_four_parts_and_enough_substance(guide):
    body = subject_guide_body(guide)
    h2 = [v["text"] for kind, v in body if kind == "heading" and v["level"] == "h2"]
    assert len(h2) == 4
    for heading, expected in zip(h2, GUIDE_SECTIONS, strict=True):
        assert heading.startswith(expected), (heading, expected)
    # The textbook moments: named by stage and kind of unit, each with real guidance.
    assert len(guide["moments"]) >= MIN_MOMENTS
    stage_words = ("小学", "初中", "高中", "中职", "各学段", "各年级", "年级")
    for heading, text in guide["moments"]:
        assert any(w in heading for w in stage_words), heading
        assert len(text) >= 50, heading
    activity = guide["activity"]
    assert len(activity["steps"]) >= 3 and activity["say"] and activity["close"]
    assert "分钟" in activity["when"]
    assert len(guide["watch"]) >= 4
    assert len(_text(body)) >= MIN_CHARS, len(_text(body))
    # What to watch for names where a student is referred.
    assert "心理教师" in "".join(guide["watch"])


def test_no_two_guides_share_text():
    seen: dict[str, str] = {}
    for guide in SUBJECT_GUIDES:
        for text in _paragraphs(subject_guide_body(guide)) + [guide["summary"]]:
            if len(text) < 20:
                continue  # "适用：…" labels and the like
            assert text not in seen, f"{guide['subject']} repeats {seen[text]}: {text[:30]}"
            seen[text] = guide["subject"]


def test_stages_fit_the_subject():
    stages = {g["subject"]: set(g["stages"]) for g in SUBJECT_GUIDES}
    assert all(s and s <= set(Stage.values) - {"kindergarten"} for s in stages.values())
    assert stages["science"] == {"primary"}
    assert stages["physics"] == stages["chemistry"] == {"junior", "senior"}
    assert stages["biology"] == {"junior", "senior"}
    assert stages["morality"] == {"primary", "junior"}
    assert stages["politics"] == {"senior", "vocational"}
    assert stages["vocational"] == {"vocational"}
    assert "primary" not in stages["history"] | stages["geography"]


# --- the data migration ----------------------------------------------------------------------


def test_old_merged_subjects_map_to_the_split_ones():
    assert split.subject_split("science", "在物理实验中面对失败", ",junior,") == "physics"
    assert split.subject_split("science", "化学实验安全与情绪", ["senior"]) == "chemistry"
    assert split.subject_split("science", "生物课上的生命教育", ",junior,senior,") == "biology"
    assert split.subject_split("science", "科学课上的探究精神", ",junior,") == "science"
    # Primary-only science stays 科学 even when it names a discipline.
    assert split.subject_split("science", "小学科学中的生物观察", ",primary,") == "science"
    assert split.subject_split("history_geo", "历史人物的逆境选择", "") == "history"
    assert split.subject_split("history_geo", "地理课上的防灾教育", "") == "geography"
    assert split.subject_split("history_geo", "历史与地理中的家国情怀", "") == "history"
    assert split.subject_split("arts", "音乐欣赏与情绪", "") == "music"
    assert split.subject_split("arts", "美术课上的自我表达", "") == "art"
    assert split.subject_split("arts", "艺术活动与心理健康", "") == "art"
    assert split.subject_split("chinese", "语文", "") == "chinese"  # kept keys stay
    for old in split.SPLITS:
        for word in ("", "物理", "地理", "音乐"):
            assert split.subject_split(old, word, "") in Subject.values


@pytest.mark.django_db
def test_data_migration_leaves_no_invalid_subject(home):
    from wagtail.models import Revision

    index = activity_index(home)
    old = {
        "science": ("物理实验中的挫折教育", ["junior"]),
        "history_geo": ("地理课上的防灾教育", ["junior"]),
        "arts": ("音乐课上的情绪体验", ["primary"]),
    }
    pages = {}
    for value, (title, stages) in old.items():
        # Pages and revisions as 0001's vocabulary left them (a page is cleaned on save).
        page = make_subject_guide(index, title=title, stages=stages)
        SubjectGuidePage.objects.filter(pk=page.pk).update(subject=value)
        for revision in Revision.objects.filter(object_id=str(page.pk)):
            revision.content["subject"] = value
            revision.save(update_fields=["content"])
        pages[value] = page
    split.forwards(django_apps, None)
    assert {k: SubjectGuidePage.objects.get(pk=p.pk).subject for k, p in pages.items()} == {
        "science": "physics",
        "history_geo": "geography",
        "arts": "music",
    }
    assert set(SubjectGuidePage.objects.values_list("subject", flat=True)) <= set(Subject.values)
    # Old revisions stay restorable: their stored subject was mapped too.
    for page in pages.values():
        for revision in Revision.objects.filter(object_id=str(page.pk)):
            assert revision.content["subject"] in Subject.values


# --- pages and listing -------------------------------------------------------------------------


@pytest.mark.django_db
def test_guide_page_renders_its_four_parts(client, home):
    data = next(g for g in SUBJECT_GUIDES if g["subject"] == "physics")
    guide = make_subject_guide(
        activity_index(home),
        title=data["title"],
        subject="physics",
        stages=data["stages"],
        summary=data["summary"],
        body=subject_guide_body(data),
    )
    response = client.get(guide.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "学科渗透 · 物理 · 初中、高中" in html
    for heading in GUIDE_SECTIONS:
        assert f"<h2>{heading}" in html
    assert html.count("<h3>") >= MIN_MOMENTS
    assert "教师可以这样说" in html
    assert "seek-help" not in html  # physics does not touch crisis


@pytest.mark.django_db
def test_crisis_guide_shows_disclosure_steps_and_help(client, home):
    data = next(g for g in SUBJECT_GUIDES if g["subject"] == "biology")
    assert data["crisis"]
    guide = make_subject_guide(
        activity_index(home),
        subject="biology",
        stages=data["stages"],
        body=subject_guide_body(data),
        touches_crisis=True,
    )
    html = client.get(guide.url).content.decode()
    assert "学生倾诉时怎么做" in html and "seek-help" in html
    assert 'href="tel:120"' in html  # the emergency number from the site settings


@pytest.mark.django_db
def test_guide_links_related_lessons_of_its_stages(client, home):
    from tests.courses.factories import make_curriculum, make_lesson

    index = curriculum_index(home)
    junior = make_curriculum(index, stage="junior", theme="frustration")
    primary = make_curriculum(index, stage="primary", theme="frustration")
    make_lesson(junior, title="实验失败以后", topic="frustration")
    make_lesson(junior, title="交个新朋友", topic="relations")
    make_lesson(primary, title="小学的挫折课", topic="frustration")
    guide = make_subject_guide(index, subject="physics", stages=["junior", "senior"])
    html = client.get(guide.url).content.decode()
    assert "可以配合使用的心理健康课例" in html
    assert "实验失败以后" in html
    assert "交个新朋友" not in html and "小学的挫折课" not in html


@pytest.mark.django_db
def test_listing_shows_every_subject_and_filters_by_stage(client, home):
    index = activity_index(home)
    for data in SUBJECT_GUIDES:
        make_subject_guide(
            index, title=data["title"], subject=data["subject"], stages=data["stages"]
        )
    html = client.get(index.url).content.decode()
    for _, label in Subject.choices:
        assert f">{label}</a></li>" in html, label  # a chip per subject, one click away
    for data in SUBJECT_GUIDES:
        assert data["title"] in html
    # In subject order: 语文 before 数学 before … 职业院校专业课.
    positions = [html.index(f">{label}</a></li>") for _, label in Subject.choices]
    assert positions == sorted(positions)
    html = client.get(index.url, {"stage": "primary"}).content.decode()
    assert "在小学科学教学中渗透心理健康教育" in html
    assert "在物理教学中渗透心理健康教育" not in html
    assert "下面只列出适用于小学的学科" in html
    # The curricula index lists them too, so 课程资源 leads to one's subject as well.
    html = client.get(curriculum_index(home).url).content.decode()
    assert 'class="subject-chip"' in html and "在化学教学中渗透心理健康教育" in html


# --- the demo ----------------------------------------------------------------------------------


def test_demo_has_a_guide_for_every_subject_and_search_finds_them(demo_city, client):
    from django.contrib.auth.models import AnonymousUser

    from courses.models import ActivityIndexPage
    from search.selectors import search_run

    guides = SubjectGuidePage.objects.live()
    assert set(guides.values_list("subject", flat=True)) == set(Subject.values)
    for guide in guides:
        headings = [b.value["text"] for b in guide.body if b.block_type == "heading"]
        assert all(any(h.startswith(s) for h in headings) for s in GUIDE_SECTIONS), guide.title
    for subject in ("chinese", "physics", "vocational"):
        guide = guides.get(subject=subject)
        response = client.get(guide.url)
        assert response.status_code == 200
        assert "教材中的渗透时机" in response.content.decode()
    html = client.get(ActivityIndexPage.objects.live().first().url).content.decode()
    assert all(f">{label}</a></li>" in html for _, label in Subject.choices)

    def top3(query):
        outcome = search_run(query=query, user=AnonymousUser())
        return [hit.plain_title for hit in outcome.hits[:3]]

    assert "在物理教学中渗透心理健康教育" in top3("物理 挫折")
    assert "在语文教学中渗透心理健康教育" in top3("语文 亲情")
    assert "在信息科技教学中渗透心理健康教育" in top3("信息科技 网络欺凌")
