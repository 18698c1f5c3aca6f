"""Builders for curriculum pages used by the courses tests."""

import itertools

from courses.models import (
    ActivityIndexPage,
    ActivityPage,
    CurriculumIndexPage,
    CurriculumPage,
    LessonPage,
    SubjectGuidePage,
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
        "objectives": "<p>说出种子成长需要的条件。</p>",
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
