"""Courses: curricula and lessons (curricula.py) and teacher training (training.py)."""

from .curricula import *  # noqa: F403
from .training import *  # noqa: F403
