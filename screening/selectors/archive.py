"""What one student's archive page shows (the archive view renders it, nothing else decides)."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from schools import access

from ..models import (
    Archive,
    ArchiveEntry,
    AttentionCategory,
    CaseMember,
    CutOff,
    Referral,
    SupportPlan,
)
from .scope import (
    archive_students_for,
    may_manage_case_group,
    may_write_case,
    results_for,
    warnings_for,
)
from .timeline import student_timeline


def archive_page(*, user, student) -> dict:
    """The student's archive as ``user`` may see it: results (newest first) with each
    instrument's series and bands for the trend charts, attention categories, entries, the
    support plan, referrals with their return-to-school check-ins, warnings, the counselling
    group, and what the user may write. ``student`` comes from ``archive_students_for``."""
    results = list(
        results_for(user=user)
        .filter(student=student)
        .select_related("instrument", "round", "entered_by")
        .order_by("taken_on", "pk")
    )
    bands = defaultdict(list)
    cutoffs = CutOff.objects.filter(instrument_id__in={r.instrument_id for r in results})
    for c in cutoffs.order_by("min_score"):
        bands[c.instrument_id].append((c.min_score, c.max_score, c.label, c.level))
    series = defaultdict(list)
    for r in results:  # the trend draws the results that count (a corrected one does not)
        if r.superseded_at is None:
            series[r.instrument_id].append(r)
    trends = []
    for instrument_id, rows in series.items():
        instrument_bands = bands[instrument_id]
        trends.append(
            {
                "instrument": rows[0].instrument,
                "points": [(r.taken_on, r.total, r.band) for r in rows],
                "low": instrument_bands[0][0] if instrument_bands else 0,
                "high": instrument_bands[-1][1] if instrument_bands else max(r.total for r in rows),
                "bands": instrument_bands,
            }
        )
    archive = Archive.objects.filter(student=student).select_related("opened_by").first()
    categories, entries, plan, versions = [], [], None, []
    today = timezone.localdate()
    if archive:
        categories = list(AttentionCategory.objects.filter(archive=archive))
        entries = list(ArchiveEntry.objects.filter(archive=archive).select_related("by"))
        plan = SupportPlan.objects.filter(archive=archive).first()
        if plan is not None:
            plan.overdue = plan.review_overdue(today)
            versions = list(plan.versions.select_related("changed_by"))
    referrals = list(
        Referral.objects.filter(student=student)
        .select_related("return_plan")
        .order_by("-referred_on")
    )
    for referral in referrals:
        try:
            referral.plan_rows = referral.return_plan.checkins()
        except Referral.return_plan.RelatedObjectDoesNotExist:
            referral.plan_rows = None
    warnings = list(
        warnings_for(user=user).filter(student=student).select_related(None).select_related("owner")
    )
    group = list(
        CaseMember.objects.filter(student=student, removed_at__isnull=True).select_related("user")
    )
    return {
        "student": student,
        "archive": archive,
        "results": list(reversed(results)),
        "trends": trends,
        "categories": categories,
        "entries": entries,
        "plan": plan,
        "plan_versions": versions,
        "timeline": student_timeline(
            user=user, student=student, archive=archive, results=results, today=today
        ),
        "referrals": referrals,
        "warning_rows": warnings,
        "group": group,
        "may_write": may_write_case(user=user, student=student),
        "may_manage_group": may_manage_case_group(user=user, student=student),
    }


def archive_links(*, user, students) -> dict[int, list[tuple[str, str]]]:
    """The 心理档案 link beside each of ``students`` whose archive ``user`` may open (one
    query for the page): registered with ``schools.hooks.register_student_links``."""
    if not access.can(user=user, cap="screening.result.read"):
        return {}
    ids = archive_students_for(user=user).filter(pk__in=[s.pk for s in students])
    url = reverse("screening:archive", args=[0])[: -len("0/")]
    return {pk: [("心理档案", f"{url}{pk}/")] for pk in ids.values_list("pk", flat=True)}
