"""Courses: curricula and lessons (curricula.py), lessons taught (lessons.py) and teacher
training (training.py)."""

from .curricula import *  # noqa: F403
from .lessons import *  # noqa: F403
from .training import *  # noqa: F403
