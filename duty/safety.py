"""Safety checks (R-21): a check with its checklist (``SafetyCheckItem``), the fixes of the
problems it found, and the fixes that are overdue.

A problem is *overdue* when it is not fixed and its fix deadline has passed. The school's
people who keep safety checks (``duty.safety.write``) see them in 待办; the bureau (and each
school, for its own) on the list of overdue fixes (``duty.safety.read``). Both ask
``overdue_items``, so the count in 待办 equals the rows of the list.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from schools import access

from .models import SafetyCheck, SafetyCheckItem, SafetyCheckStatus
from .selectors import safety_schools_managed_by

# --- reads -----------------------------------------------------------------------------------


def overdue_items(*, user, cap: str = "duty.safety.read", today=None) -> QuerySet[SafetyCheckItem]:
    """Problems not fixed by their deadline, at the schools ``cap`` reaches for ``user``,
    the longest overdue first."""
    today = today or timezone.localdate()
    qs = SafetyCheckItem.objects.filter(
        ok=False, fixed_on__isnull=True, fix_deadline__lt=today
    ).select_related("safety_check__school")
    qs = access.scoped(qs, user=user, cap=cap, school="safety_check__school")
    return qs.order_by("fix_deadline", "safety_check__school__code", "pk")


def overdue_todo_count(*, user, today=None) -> int:
    """Overdue fixes at the schools where ``user`` keeps the safety checks (a school
    membership granting ``duty.safety.write``; the bureau reads its list instead)."""
    ids = access.school_ids_for(user=user, cap="duty.safety.write")
    if not ids:
        return 0
    return overdue_items(user=user, today=today).filter(safety_check__school_id__in=ids).count()


# --- writes ----------------------------------------------------------------------------------


def safety_check_check(*, date, problems_found: str, fix_deadline, status: str) -> None:
    """The rules of one safety-check record (the back-office form asks the same)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    problems = (problems_found or "").strip()
    if problems and status == SafetyCheckStatus.NO_PROBLEM:
        add("status", "已填写发现问题，状态应为“整改中”或“已整改”。")
    if problems and not fix_deadline:
        add("fix_deadline", "发现问题时必须填写整改期限。")
    if not problems and status != SafetyCheckStatus.NO_PROBLEM:
        add("problems_found", "状态为整改时，请写明发现的问题。")
    if date and fix_deadline and fix_deadline < date:
        add("fix_deadline", "整改期限不能早于检查日期。")
    if date and date > timezone.localdate():
        add("date", "检查日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)


def _item_rows(*, date, items) -> list[SafetyCheckItem]:
    """Checklist lines from ``items`` (dicts: item, ok, problem, fix_deadline), checked; the
    errors name the line and the item."""
    rows, errors = [], []
    for n, raw in enumerate(items, start=1):
        name = (raw.get("item") or "").strip()
        ok = bool(raw.get("ok", True))
        problem = (raw.get("problem") or "").strip()
        deadline = raw.get("fix_deadline")
        where = f"第 {n} 项“{name or '（未填写）'}”"
        if not name:
            errors.append(f"{where}：请填写检查项目。")
        if ok and problem:
            errors.append(f"{where}：已写明问题，不能同时勾选“合格”。")
        if not ok and not problem:
            errors.append(f"{where}：不合格时请写明存在的问题。")
        if not ok and not deadline:
            errors.append(f"{where}：不合格时必须填写整改期限。")
        if deadline and date and deadline < date:
            errors.append(f"{where}：整改期限不能早于检查日期。")
        rows.append(
            SafetyCheckItem(
                position=n,
                item=name,
                ok=ok and not problem,
                problem=problem,
                fix_deadline=deadline if not ok else None,
            )
        )
    if errors:
        raise ValidationError({"items": errors})
    return rows


def safety_check_add(
    *,
    by,
    school,
    date,
    inspector: str,
    items_checked: str = "",
    problems_found: str = "",
    fix_deadline=None,
    status: str = SafetyCheckStatus.NO_PROBLEM,
    items=None,
) -> SafetyCheck:
    """Record a safety check at a school ``by`` keeps the safety records of.

    With ``items`` (the checklist: dicts of item, ok, problem, fix_deadline) the record's
    summary fields follow from them: the items, the problems, the earliest deadline, and
    “整改中” while a problem is open. Nothing is written unless every line is valid."""
    if not safety_schools_managed_by(user=by).filter(pk=school.pk).exists():
        raise ValidationError({"school": "您不能为这所学校登记安全检查。"})
    rows = []
    if items is not None:
        rows = _item_rows(date=date, items=items)
        if not rows:
            raise ValidationError({"items": ["请至少填写一个检查项目。"]})
        problems = [r for r in rows if not r.ok]
        items_checked = "\n".join(r.item for r in rows)
        problems_found = "\n".join(f"{r.item}：{r.problem}" for r in problems)
        fix_deadline = min((r.fix_deadline for r in problems), default=None)
        status = SafetyCheckStatus.FIXING if problems else SafetyCheckStatus.NO_PROBLEM
    safety_check_check(
        date=date, problems_found=problems_found, fix_deadline=fix_deadline, status=status
    )
    check = SafetyCheck(
        school=school,
        date=date,
        inspector=inspector,
        items_checked=items_checked,
        problems_found=problems_found,
        fix_deadline=fix_deadline,
        status=status,
    )
    check.full_clean()
    with transaction.atomic():
        check.save()
        for row in rows:
            row.safety_check = check
        SafetyCheckItem.objects.bulk_create(rows)
    return check


def safety_item_fix(*, by, item: SafetyCheckItem, fixed_on: datetime.date | None = None):
    """Record that a problem was fixed (on ``fixed_on``, default today). When every problem
    of the check is fixed, the check is “已整改”."""
    fixed_on = fixed_on or timezone.localdate()
    check = item.safety_check
    if not access.can(user=by, cap="duty.safety.write", obj=check):
        raise ValidationError("您不能修改这所学校的安全检查。")
    if item.ok:
        raise ValidationError("该项检查合格，无需整改。")
    if fixed_on > timezone.localdate():
        raise ValidationError({"fixed_on": "整改完成日期不能晚于今天。"})
    if fixed_on < check.date:
        raise ValidationError({"fixed_on": "整改完成日期不能早于检查日期。"})
    with transaction.atomic():
        item.fixed_on = fixed_on
        item.save(update_fields=["fixed_on"])
        if not check.items.filter(ok=False, fixed_on__isnull=True).exists():
            SafetyCheck.objects.filter(pk=check.pk).update(status=SafetyCheckStatus.FIXED)
    return item
