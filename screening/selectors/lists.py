"""Two lists built on the archive: support plans whose review date has passed (a 待办), and
students by attention category (e.g. every 留守儿童 of a class with their last home visit).

Each is one scoped query; the 待办 count is the length of the same list its page shows.
"""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from schools import access
from schools.models import SchoolClass

from ..models import ArchiveEntry, AttentionCategory, SupportPlan

# --- support plans due for review ----------------------------------------------------------


def plans_review_overdue(*, user, today=None) -> QuerySet[SupportPlan]:
    """Plans of students still at school whose review date has passed, among those the user
    may edit (``screening.case.write``: the school's psychology teachers, the student's
    counselling group). Oldest review first."""
    today = today or timezone.localdate()
    plans = SupportPlan.objects.filter(
        review_on__lt=today, archive__student__is_active=True
    ).select_related("archive__student__school_class", "archive__school")
    plans = access.scoped(
        plans,
        user=user,
        cap="screening.case.write",
        school="archive__school",
        student="archive__student",
    )
    return plans.order_by("review_on", "pk")


# --- students by attention category --------------------------------------------------------

ATTENTION_CAP = "screening.attention.read"
_ATTENTION_PATHS = {
    "school": "archive__school",
    "grade": "archive__student__school_class__grade",
    "head_teacher": "archive__student__school_class__head_teacher",
}


def attention_classes_for(*, user) -> QuerySet[SchoolClass]:
    """The classes whose attention lists the user may read (the filter's choices)."""
    classes = SchoolClass.objects.select_related("school").order_by("school__code", "grade", "name")
    return access.scoped(
        classes, user=user, cap=ATTENTION_CAP, grade="grade", head_teacher="head_teacher"
    )


def attention_rows(
    *, user, category: str = "", grade=None, class_id=None, today=None
) -> QuerySet[AttentionCategory]:
    """Current attention categories of students at school within the user's reach, with
    ``last_home_visit`` (the date of the student's latest 家访, or None): one query."""
    today = today or timezone.localdate()
    rows = AttentionCategory.objects.filter(
        Q(until__isnull=True) | Q(until__gte=today),
        since__lte=today,
        archive__student__is_active=True,
    )
    rows = access.scoped(rows, user=user, cap=ATTENTION_CAP, **_ATTENTION_PATHS)
    if category:
        rows = rows.filter(category=category)
    if grade:
        rows = rows.filter(archive__student__school_class__grade=grade)
    if class_id:
        rows = rows.filter(archive__student__school_class_id=class_id)
    last_visit = (
        ArchiveEntry.objects.filter(
            archive_id=OuterRef("archive_id"), kind=ArchiveEntry.Kind.HOME_VISIT
        )
        .order_by("-on")
        .values("on")[:1]
    )
    return (
        rows.annotate(last_home_visit=Subquery(last_visit))
        .select_related("archive__student__school_class", "archive__school")
        .order_by(
            "archive__school__code",
            "archive__student__school_class__grade",
            "archive__student__school_class__name",
            "archive__student__student_number",
            "category",
        )
    )
