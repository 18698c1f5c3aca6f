"""The demo curricula as data: one module per curriculum (theme × stage), each with its
lessons written in full. ``demo.curricula`` builds them through the services; publishing a
lesson generates its package. Fictional, original text written for this project.

A lesson: title, grade, topic (courses.models.LessonTopic), minutes, summary, goals
(认知, 情感, 行为), key, hard, learners, prep (lines separated by "\\n"), steps
[(phase, title, minutes, text, 设计意图)], board (first line is the title), sheet
[(prompt, lines to write)], optional notes, safety and crisis (help box + disclosure note).
"""

import importlib

MODULES = [
    "kindergarten_life",
    "kindergarten_frustration",
    "kindergarten_mental",
    "primary_life",
    "primary_frustration",
    "primary_mental",
    "junior_life",
    "junior_frustration",
    "junior_mental",
    "senior_life",
    "senior_frustration",
    "senior_mental",
    "vocational_life",
    "vocational_frustration",
    "vocational_mental",
]

CURRICULA = [
    c for c in (importlib.import_module(f"{__name__}.{name}").CURRICULUM for name in MODULES) if c
]
