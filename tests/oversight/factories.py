import datetime

from django.utils import timezone

from oversight.models import Question
from oversight.services import campaign_create
from schools.calendar import Period

QUESTIONS = [
    {"label": "本学期开展的心理健康主题活动", "kind": Question.Kind.TEXT},
    {"label": "心理健康课开课班级数", "kind": Question.Kind.NUMBER},
    {"label": "是否建立学生心理档案", "kind": Question.Kind.YES_NO},
    {
        "label": "家校协同的主要方式",
        "kind": Question.Kind.CHOICE,
        "choices": "家长学校\n家访\n线上讲座",
    },
    {"label": "工作总结（附件）", "kind": Question.Kind.FILE, "required": False},
]


def make_campaign(*, days_left=14, schools=None, questions=QUESTIONS, **kw):
    now = timezone.now()
    deadline = now + datetime.timedelta(days=days_left)
    return campaign_create(
        title=kw.pop("title", "2025年春季心理健康教育实施情况报告"),
        period=kw.pop("period", Period(datetime.date(2025, 2, 1), datetime.date(2025, 7, 31))),
        opens_at=kw.pop("opens_at", min(now, deadline) - datetime.timedelta(days=20)),
        deadline=deadline,
        questions=[dict(q) for q in questions],
        schools=schools,
        **kw,
    )
