"""Figures kept computed for a province (R-26, issue 20).

At a thousand schools a few bureau figures still cost a second or more of database time
each, however they are written (coverage reads every student, the training hours every
ledger line of the year). Where a page asks for one of them over at least
``XINYU_FIGURE_SNAPSHOT_MIN_SCHOOLS`` schools (default 200), the answer comes from a
``FigureSnapshot``: the per-school values computed for *every* school by a task —
after a results or student import, nightly (``manage.py figures_refresh``) and, the first
time a page needs one that does not exist yet, in the background while that page computes
live. The page says when the numbers were computed (``snapshot_time``).

A city of a few dozen schools never reads a snapshot: its figures are computed live on
every request, by the same functions.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction

_SNAPSHOTTED: dict[str, tuple[Callable, Callable, Callable]] = {}
_seen: ContextVar[list | None] = ContextVar("xinyu_snapshot_times", default=None)


def min_schools() -> int:
    return getattr(settings, "XINYU_FIGURE_SNAPSHOT_MIN_SCHOOLS", 200)


def _key(params: dict) -> str:
    def text(value):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)

    return ";".join(f"{k}={text(v)}" for k, v in sorted(params.items()))


def _params_from(key: str) -> dict:
    out = {}
    for part in key.split(";"):
        name, _, value = part.partition("=")
        out[name] = datetime.date.fromisoformat(value)
    return out


def snapshotted(name: str, *, encode: Callable, decode: Callable):
    """Serve ``fn(*, school_ids, **dates) -> {school_id: value}`` from a snapshot when asked
    for many schools. ``encode``/``decode`` turn one school's value into JSON and back.
    Every keyword but ``school_ids`` must be a date (the snapshot's key)."""

    def wrap(fn):
        @functools.wraps(fn)
        def wrapper(*, school_ids, **params):
            school_ids = list(school_ids)
            if len(school_ids) < min_schools():
                return fn(school_ids=school_ids, **params)
            from .models import FigureSnapshot

            snap = FigureSnapshot.objects.filter(name=name, params=_key(params)).first()
            if snap is None:
                snapshot_refresh_later(name=name, params=params)
                return fn(school_ids=school_ids, **params)
            seen = _seen.get()
            if seen is not None:
                seen.append(snap.computed_at)
            data = snap.data
            return {pk: decode(data[str(pk)]) for pk in school_ids if str(pk) in data}

        wrapper.live = fn
        _SNAPSHOTTED[name] = (wrapper, fn, encode)
        return wrapper

    return wrap


def snapshot_refresh(*, name: str, params: dict) -> None:
    """Compute ``name`` for every school over ``params`` and keep it (one row per figure
    and period, replaced)."""
    from django.utils import timezone

    from schools.models import School

    from .models import FigureSnapshot

    _wrapper, fn, encode = _SNAPSHOTTED[name]
    ids = list(School.objects.values_list("pk", flat=True))
    values = fn(school_ids=ids, **params)
    FigureSnapshot.objects.update_or_create(
        name=name,
        params=_key(params),
        defaults={
            "computed_at": timezone.now(),
            "data": {str(pk): encode(v) for pk, v in values.items()},
        },
    )


def snapshot_refresh_later(*, name: str, params: dict) -> None:
    from .tasks import figure_snapshot_refresh

    key = _key(params)
    transaction.on_commit(lambda: figure_snapshot_refresh.enqueue(name=name, params=key))


def snapshots_refresh_all() -> int:
    """Refresh every kept snapshot (nightly, and after imports); snapshots of periods that
    ended over a year ago are dropped. Nothing to do for a city under the threshold."""
    from schools.models import School

    from .models import FigureSnapshot

    if School.objects.count() < min_schools():
        return 0
    cutoff = datetime.date.today() - datetime.timedelta(days=400)
    done = 0
    for snap in FigureSnapshot.objects.all():
        params = _params_from(snap.params)
        if max(params.values(), default=cutoff) < cutoff or snap.name not in _SNAPSHOTTED:
            snap.delete()
            continue
        today = datetime.date.today()
        if "on" in params and params["on"] != today:
            # Staff "on" a day: the next reading day is today (the old day's row goes).
            snap.delete()
            params["on"] = today
        snapshot_refresh(name=snap.name, params=params)
        done += 1
    return done


def snapshots_refresh_later() -> None:
    """After an import: refresh the kept figures once the import's transaction commits."""
    from .tasks import figure_snapshots_refresh_all

    transaction.on_commit(lambda: figure_snapshots_refresh_all.enqueue())


def refresh_after_enrolment(*, students, by=None) -> None:
    """``schools.hooks.register_students_enrolled``: an import or a new student changes the
    enrolled counts behind coverage."""
    if students:
        snapshots_refresh_later()


class snapshot_times:  # noqa: N801 - used as a context manager, like a function
    """Collect the computation times of the snapshots read inside the block; ``.oldest``
    is what the page shows ("统计数据计算于 …"), ``None`` when everything was live."""

    def __enter__(self):
        self.times: list = []
        self._token = _seen.set(self.times)
        return self

    def __exit__(self, *exc):
        _seen.reset(self._token)
        return False

    @property
    def oldest(self):
        return min(self.times) if self.times else None
