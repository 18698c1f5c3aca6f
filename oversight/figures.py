"""The registry of prefilled figures: what the portal already knows about a school.

Each figure has a key, a label, the name of its source, and a way to compute it for a
period (a ``schools.calendar.Period``). ``compute_many`` answers for many schools in a constant number of queries (the
dashboard and the status board depend on it); ``compute`` answers for one school and by
default calls ``compute_many`` with that school alone.

Apps register their figures at start-up (``AppConfig.ready``)::

    register_figure(
        "training_hours",
        label="教师培训学时",
        source_label="培训记录",
        compute_many=hours_by_school,
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from schools.calendar import Period


def _plain(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    source_label: str
    compute_many: Callable[..., dict[int, Any]]
    unit: str = ""
    order: int = 100
    display: Callable[[Any], str] = field(default=_plain)

    def compute(self, *, school, period: Period):
        return self.compute_many(schools=[school], period=period).get(school.pk)

    def format(self, value) -> str:
        text = self.display(value)
        return f"{text} {self.unit}".strip() if value is not None and self.unit else text


_REGISTRY: dict[str, Figure] = {}


def register_figure(
    key: str,
    *,
    label: str,
    source_label: str,
    compute_many: Callable[..., dict[int, Any]] | None = None,
    compute: Callable[..., Any] | None = None,
    unit: str = "",
    order: int = 100,
    display: Callable[[Any], str] | None = None,
) -> Figure:
    """Register a figure. Give ``compute_many(*, schools, period) -> {school_id: value}``
    (preferred: constant queries), or only ``compute(*, school, period) -> value``.

    Values must be JSON-serialisable (they are snapshotted when a school submits).
    """
    if compute_many is None:
        if compute is None:
            raise ValueError(f"figure {key!r} needs compute_many or compute")

        def compute_many(*, schools, period, _one=compute):
            return {s.pk: _one(school=s, period=period) for s in schools}

    if key in _REGISTRY and _REGISTRY[key].compute_many is not compute_many:
        raise ValueError(f"figure {key!r} is already registered")
    figure = Figure(
        key=key,
        label=label,
        source_label=source_label,
        compute_many=compute_many,
        unit=unit,
        order=order,
        display=display or _plain,
    )
    _REGISTRY[key] = figure
    return figure


def unregister_figure(key: str) -> None:
    _REGISTRY.pop(key, None)


def figure_get(key: str) -> Figure | None:
    return _REGISTRY.get(key)


def figures_all() -> list[Figure]:
    return sorted(_REGISTRY.values(), key=lambda f: (f.order, f.key))


def figures_for(keys: Iterable[str]) -> list[Figure]:
    """The registered figures among ``keys``, in registry order (unknown keys skipped)."""
    wanted = set(keys)
    return [f for f in figures_all() if f.key in wanted]


def figure_choices() -> list[tuple[str, str]]:
    return [(f.key, f"{f.label}（{f.source_label}）") for f in figures_all()]


def figures_compute(
    *, figures: Iterable[Figure], schools, period: Period
) -> dict[str, dict[int, Any]]:
    """``{key: {school_id: value}}`` for every figure and school; one pass per figure."""
    schools = list(schools)
    return {f.key: f.compute_many(schools=schools, period=period) for f in figures}
