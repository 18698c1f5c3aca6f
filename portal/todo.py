"""待办: what each person must do next, gathered from every app in one place.

An app contributes with a Wagtail hook::

    @hooks.register(TODO_HOOK)
    def screening_todo(*, user):
        return [TodoItem(area="心理预警", label="危机预警待处置", count=3, url=..., severity=CRITICAL)]

A provider answers for ``user`` only through the capability table and the scoping
selectors (it is the same question its list page asks: a count here equals the rows there).
``todo_for`` drops empty items and orders them by severity; within one severity, items keep
the order their provider gave (e.g. 重点关注 before 一般关注). The back-office home
page shows them as the 待办 panel.
"""

from __future__ import annotations

from dataclasses import dataclass

from wagtail import hooks

TODO_HOOK = "register_todo_items"

CRITICAL = 0  # a crisis: act now (危机预警, an incident clock about to fall due)
OVERDUE = 1  # a date has passed (check-in, plan review, fix deadline, report)
DUE = 2  # to do, not yet late


@dataclass(frozen=True)
class TodoItem:
    area: str  # the part of the back office, e.g. "心理预警", "值班与事件"
    label: str  # what is to be done, e.g. "危机预警待处置"
    count: int
    url: str  # the list that shows exactly these rows
    severity: int = DUE
    detail: str = ""  # e.g. "最早一条已逾期 2 天"

    @property
    def severity_name(self) -> str:
        return {CRITICAL: "critical", OVERDUE: "overdue"}.get(self.severity, "due")


def todo_for(*, user) -> list[TodoItem]:
    """Every non-empty to-do of ``user``, most severe first."""
    if not getattr(user, "is_authenticated", False):
        return []
    items: list[TodoItem] = []
    for provider in hooks.get_hooks(TODO_HOOK):
        items.extend(item for item in provider(user=user) or () if item.count > 0)
    return sorted(items, key=lambda i: i.severity)  # stable: a provider's own order stays
