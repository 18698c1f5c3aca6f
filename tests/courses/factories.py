"""Builders for courses tests: curriculum pages, and training modules, sessions, targets."""

import datetime
import itertools
import json
from decimal import Decimal

from django.utils import timezone

from courses.models import (
    ActivityIndexPage,
    ActivityPage,
    CurriculumIndexPage,
    CurriculumPage,
    HoursTarget,
    LessonPage,
    SubjectGuidePage,
    TrainingFormat,
    TrainingIndexPage,
    TrainingModulePage,
    TrainingSession,
)
from tests.resources.factories import add

_seq = itertools.count(1)


def curriculum_index(home):
    return add(home, CurriculumIndexPage(title="课程资源", slug="curricula"))


def make_curriculum(index, **kw):
    n = next(_seq)
    defaults = {
        "title": f"小学生命教育{n}",
        "slug": f"curriculum-{n}",
        "theme": "life",
        "stage": "primary",
        "grades": [13, 14],
        "summary": "认识生命、珍爱生命。",
        "aims": "<p>学生能说出生命的可贵之处。</p>",
    }
    defaults.update(kw)
    return add(index, CurriculumPage(**defaults))


def make_lesson(curriculum, *, revision=True, **kw):
    n = next(_seq)
    defaults = {
        "title": f"种子的旅行{n}",
        "slug": f"lesson-{n}",
        "grade": 13,
        "summary": "观察种子发芽，体会生命的成长。",
        "goal_cognitive": "说出种子成长需要的条件。",
        "steps": [
            (
                "step",
                {
                    "phase": "warm_up",
                    "title": "猜猜我是谁",
                    "minutes": 5,
                    "content": "<p>出示种子图片。</p>",
                },
            )
        ],
        "safety_notes": "<p>谈到死亡话题时留意学生情绪。</p>",
    }
    defaults.update(kw)
    return add(curriculum, LessonPage(**defaults), revision=revision)


def activity_index(home):
    return add(home, ActivityIndexPage(title="活动与学科渗透", slug="activities"))


def make_activity(index, **kw):
    n = next(_seq)
    defaults = {
        "title": f"五月阳光跑{n}",
        "slug": f"activity-{n}",
        "kind": "pe_monthly",
        "stages": ["primary", "junior"],
        "month": 5,
        "summary": "在运动中释放压力。",
        "aims": "<p>体验团队合作。</p>",
        "steps": [
            (
                "step",
                {
                    "phase": "activity",
                    "title": "接力跑",
                    "minutes": 20,
                    "content": "<p>分组接力。</p>",
                },
            )
        ],
    }
    defaults.update(kw)
    return add(index, ActivityPage(**defaults))


def make_subject_guide(parent, **kw):
    n = next(_seq)
    defaults = {
        "title": f"语文教学中的心理健康渗透{n}",
        "slug": f"subject-{n}",
        "subject": "chinese",
        "stages": ["primary"],
        "summary": "借助课文中的人物体会情绪。",
        "body": [("paragraph", "<p>在阅读中体会人物的情绪变化。</p>")],
    }
    defaults.update(kw)
    return add(parent, SubjectGuidePage(**defaults))


# --- training -----------------------------------------------------------------------
_counter = {"n": 0}


def training_index(home):
    existing = TrainingIndexPage.objects.first()
    if existing:
        return existing
    return home.add_child(instance=TrainingIndexPage(title="教师培训", slug="training"))


def make_module(
    home, *, fmt=TrainingFormat.ONLINE, hours="1.5", sections=3, pass_mark=60, questions=None
):
    """A module; ``questions`` (``[(text, [(option, correct), …]), …]``) replaces the default
    quiz of two single-choice questions whose first option is right."""
    _counter["n"] += 1
    n = _counter["n"]
    section_data = [
        {
            "type": "text",
            "id": f"s{n}-{i}",
            "value": {"title": f"第{i + 1}节", "body": f"<p>内容{i + 1}</p>"},
        }
        for i in range(sections)
    ]
    quiz = [
        {
            "type": "question",
            "id": f"q{n}-{i}",
            "value": {
                "question": f"问题{i + 1}",
                "choices": [
                    {"type": "item", "id": f"c{n}-{i}-a", "value": {"text": "对", "correct": True}},
                    {
                        "type": "item",
                        "id": f"c{n}-{i}-b",
                        "value": {"text": "错", "correct": False},
                    },
                ],
                "explanation": "",
            },
        }
        for i in range(2)
    ]
    if questions is not None:
        quiz = [
            {
                "type": "question",
                "id": f"q{n}-{i}",
                "value": {
                    "question": text,
                    "kind": "multiple" if sum(ok for _, ok in options) > 1 else "single",
                    "choices": [
                        {"type": "item", "id": f"c{n}-{i}-{j}", "value": {"text": t, "correct": ok}}
                        for j, (t, ok) in enumerate(options)
                    ],
                    "explanation": f"解析{i + 1}",
                },
            }
            for i, (text, options) in enumerate(questions)
        ]
    module = TrainingModulePage(
        title=f"培训模块{n}",
        slug=f"module-{n}",
        summary="简介",
        audience="all",
        format=fmt,
        hours=Decimal(hours),
        sections=json.dumps(section_data),
        quiz=json.dumps(quiz) if fmt == TrainingFormat.ONLINE else "[]",
        pass_mark=pass_mark,
    )
    training_index(home).add_child(instance=module)
    return TrainingModulePage.objects.get(pk=module.pk)


RIGHT = 0  # index of the correct choice in every factory question
WRONG = 1


def answers(module, picks):
    """Quiz answers: ``picks`` is one choice index per question."""
    return {block.id: [pick] for block, pick in zip(module.quiz, picks, strict=True)}


def quiz_form(html: str) -> dict:
    """What the quiz page shows: its CSRF token, paper id and, per question, the input type
    and the options as ``(posted value, text)`` in the order shown."""
    from bs4 import BeautifulSoup

    form = BeautifulSoup(html, "html.parser").find("form", attrs={"method": "post"})
    assert form is not None
    questions, types = {}, {}
    for fieldset in form.find_all("fieldset"):
        inputs = fieldset.find_all("input")
        qid = inputs[0]["name"].removeprefix("q-")
        types[qid] = {i["type"] for i in inputs}
        questions[qid] = [(i["value"], i.parent.get_text(strip=True)) for i in inputs]
    return {
        "token": form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"],
        "paper": form.find("input", attrs={"name": "paper"})["value"],
        "questions": questions,
        "types": types,
    }


def quiz_post_data(module, form: dict, picks) -> dict:
    """POST data choosing, per question, the options whose own indexes are in ``picks``
    (an int or a list of ints per question), found on the page by their text."""
    data = {"csrfmiddlewaretoken": form["token"], "paper": form["paper"]}
    for block, pick in zip(module.quiz, picks, strict=True):
        wanted = [
            block.value["choices"][i]["text"] for i in ([pick] if isinstance(pick, int) else pick)
        ]
        shown = dict((text, value) for value, text in form["questions"][block.id])
        data[f"q-{block.id}"] = [shown[text] for text in wanted]
    return data


def make_session(module, *, school=None, days=-1, capacity=30):
    start = timezone.now() + datetime.timedelta(days=days)
    return TrainingSession.objects.create(
        module=module,
        school=school,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        place="市教师发展中心报告厅",
        trainer="王老师",
        capacity=capacity,
    )


def set_targets(year=None, **by_role):
    """Targets of the school year ``year`` (its first calendar year; default: the current)."""
    from schools.calendar import SchoolYear

    year = year or SchoolYear.current().first_year
    for role, hours in by_role.items():
        HoursTarget.objects.update_or_create(
            year=year, role=role, defaults={"hours": Decimal(str(hours))}
        )
