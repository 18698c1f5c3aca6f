"""Work computed once per request: a scope in which a function's answer is kept by its arguments.

A page that shows the same figures in several places (the bureau dashboard asks for the
coverage counts for its two coverage figures and again for its screening panel) opens a
scope around the work; inside it a ``@memoized`` function runs once per distinct
arguments and hands the same answer to every later caller. Outside a scope nothing is kept:
a test, a task or a view that writes and then reads again always gets fresh figures.

The scope is a context variable, so it belongs to one request (one thread, one task) and
ends with the ``with`` block; nothing is stored between requests and nothing student-level
is ever kept (memoized functions return counts).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict | None] = ContextVar("xinyu_memo", default=None)


@contextmanager
def memo_scope():
    """Keep memoized answers until the block ends (a nested scope shares the outer one)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _frozen(value: Any):
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def memoized(fn: Callable) -> Callable:
    """Keep ``fn``'s answer by its (keyword) arguments while a ``memo_scope`` is open."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        memo = _memo.get()
        if memo is None:
            return fn(*args, **kwargs)
        key = (fn.__module__, fn.__qualname__, _frozen(args), _frozen(kwargs))
        try:
            return memo[key]
        except KeyError:
            memo[key] = answer = fn(*args, **kwargs)
            return answer
        except TypeError:  # an argument that cannot be a key: compute, keep nothing
            return fn(*args, **kwargs)

    return wrapper


def in_memo_scope(fn: Callable) -> Callable:
    """Run ``fn`` (a read-only page or report builder) inside a ``memo_scope``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with memo_scope():
            return fn(*args, **kwargs)

    return wrapper
