"""The warning list as worked (severity, then overdue, then age; filters), return-to-school
check-ins that fall due, and what a saved result did. The 待办 counts ask these same
selectors, so a count equals the rows of the list it links to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from schools.vocab import Grade

from ..models import Referral, ReturnPlan, ScreeningResult, Warning, WarningAction, WarningLevel
from .scope import ACTIVE_WARNING, referrals_for, warnings_for

STATUS_FILTERS = [("active", "未结案"), ("all", "全部状态"), *Warning.Status.choices]


class WarningFilter(forms.Form):
    """The list's GET parameters; a value that is not one of the choices is refused."""

    level = forms.ChoiceField(
        label="级别", required=False, choices=[("", "全部"), *WarningLevel.choices]
    )
    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_FILTERS)
    owner = forms.CharField(label="负责人", required=False)  # "me", "none" or a user id
    grade = forms.TypedChoiceField(
        label="年级",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "全部"), *Grade.choices],
    )
    overdue = forms.BooleanField(label="只看逾期", required=False)

    def clean_owner(self):
        value = (self.cleaned_data.get("owner") or "").strip()
        if value in ("", "me", "none") or value.isdigit():
            return value
        raise forms.ValidationError("负责人：无效的筛选条件。")


def overdue_q(now=None) -> Q:
    """A warning past its due time and not closed: the one definition (list, filter, 待办)."""
    return Q(due_at__lt=now or timezone.now()) & ~Q(status=Warning.Status.CLOSED)


def _severity(qs: QuerySet[Warning]) -> QuerySet[Warning]:
    now = timezone.now()
    return qs.annotate(
        severity=Case(
            When(level=WarningLevel.CRISIS, then=Value(3)),
            When(level=WarningLevel.KEY, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        overdue=Case(
            When(overdue_q(now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def warning_rows(*, user, filters: dict | None = None) -> QuerySet[Warning]:
    """The warnings the user may list, filtered (``WarningFilter.cleaned_data``) and sorted by
    severity (危机 > 重点关注 > 一般关注), then overdue first, then age (oldest first)."""
    filters = filters or {}
    qs = _severity(warnings_for(user=user))
    if filters.get("level"):
        qs = qs.filter(level=filters["level"])
    status = filters.get("status") or "active"
    if status == "active":
        qs = qs.filter(status__in=ACTIVE_WARNING)
    elif status != "all":
        qs = qs.filter(status=status)
    owner = filters.get("owner") or ""
    if owner == "me":
        qs = qs.filter(owner=user)
    elif owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif owner:
        qs = qs.filter(owner_id=int(owner))
    if filters.get("grade"):
        qs = qs.filter(grade=filters["grade"])
    if filters.get("overdue"):
        qs = qs.filter(overdue=True)
    return qs.order_by("-severity", "-overdue", "raised_at", "pk")


# --- return-to-school check-ins ------------------------------------------------------------------


@dataclass
class CheckinDue:
    referral: Referral
    label: str  # 一周 / 一个月 / 三个月
    due: datetime.date
    state: str  # 待回访 / 已逾期

    @property
    def overdue(self) -> bool:
        return self.state == "已逾期"


def checkins_due(*, user, today: datetime.date | None = None) -> list[CheckinDue]:
    """Return-to-school check-ins (week, month, quarter) of the user's cases that fall due
    (from three days before) or are overdue, not yet done; most overdue first. Two queries."""
    today = today or timezone.localdate()
    plans = (
        referrals_for(user=user)
        .filter(return_plan__isnull=False)
        .filter(
            Q(return_plan__week_done_on__isnull=True)
            | Q(return_plan__month_done_on__isnull=True)
            | Q(return_plan__quarter_done_on__isnull=True)
        )
        .select_related("student__school_class", "return_plan")
    )
    rows = []
    for referral in plans:
        plan: ReturnPlan = referral.return_plan
        for label, due, done, state in plan.checkins(today=today):
            if not done and state in ("待回访", "已逾期"):
                rows.append(CheckinDue(referral=referral, label=label, due=due, state=state))
    return sorted(rows, key=lambda r: (r.due, r.referral.pk))


# --- what a saved result did ---------------------------------------------------------------------


@dataclass
class ResultOutcome:
    result: ScreeningResult
    warning: Warning | None
    notified: str  # "已通知：心理教师 张三、校长 李四（站内消息）"


def result_outcome(*, user, result_id) -> ResultOutcome | None:
    """A result the user may read, the warning it opened or fed (if the user may read it) and
    who was told of it (the "notified" action recorded after it)."""
    from .scope import results_for

    result = results_for(user=user).filter(pk=result_id).first()
    if result is None:
        return None
    warning = (
        warnings_for(user=user)
        .filter(Q(result=result) | Q(actions__result=result))
        .distinct()
        .first()
    )
    notified = ""
    if warning is not None and result.level == WarningLevel.CRISIS:
        action = (
            WarningAction.objects.filter(
                warning=warning, kind=WarningAction.Kind.NOTIFIED, at__gte=result.entered_at
            )
            .order_by("at", "pk")
            .first()
        )
        notified = action.text if action else ""
    return ResultOutcome(result=result, warning=warning, notified=notified)


def warning_owner_choices(*, warning: Warning) -> list:
    """Staff of the warning's school who may be its owner: those who may work warnings."""
    from django.contrib.auth import get_user_model

    from schools import access
    from schools.models import Membership

    ids = (
        Membership.objects.active()
        .filter(
            school_id=warning.school_id,
            role__in=access.roles_holding("screening.warning.write"),
        )
        .values("user_id")
    )
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username"))
