"""Factories for training tests: an index page, modules with sections and a quiz, sessions."""

import datetime
import json
from decimal import Decimal

from django.utils import timezone

from courses.models import (
    HoursTarget,
    TrainingFormat,
    TrainingIndexPage,
    TrainingModulePage,
    TrainingSession,
)

_counter = {"n": 0}


def training_index(home):
    existing = TrainingIndexPage.objects.first()
    if existing:
        return existing
    return home.add_child(instance=TrainingIndexPage(title="教师培训", slug="training"))


def make_module(home, *, fmt=TrainingFormat.ONLINE, hours="1.5", sections=3, pass_mark=60):
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
    year = year or timezone.localdate().year
    for role, hours in by_role.items():
        HoursTarget.objects.update_or_create(
            year=year, role=role, defaults={"hours": Decimal(str(hours))}
        )
