"""Lists built on the archives: plans overdue for review, students by attention category."""

from django.shortcuts import render

from schools.audit import access_log_record
from schools.backoffice import capability_view
from schools.vocab import Grade

from .. import selectors
from ..models import AttentionCategory


@capability_view("screening.case.write", action="list", object_type="screening.plan")
def plans_overdue(request):
    """支持计划复评逾期: exactly the plans the 待办 counts."""
    plans = list(selectors.plans_review_overdue(user=request.user))
    access_log_record(
        request=request, action="list", object_type="screening.plan", count=len(plans)
    )
    return render(request, "screening/admin/plans_overdue.html", {"plans": plans})


@capability_view(selectors.ATTENTION_CAP, action="list", object_type="screening.attention")
def attention_list(request):
    """关注类别名单: students of a category (and grade, class) with their last home visit."""
    user = request.user
    classes = list(selectors.attention_classes_for(user=user))
    category = request.GET.get("category", "")
    if category not in AttentionCategory.Category.values:
        category = ""
    grades = sorted({c.grade for c in classes})
    grade = request.GET.get("grade", "")
    grade = int(grade) if grade.isdigit() and int(grade) in grades else None
    class_id = request.GET.get("class", "")
    class_id = (
        int(class_id) if class_id.isdigit() and int(class_id) in {c.pk for c in classes} else None
    )
    rows = list(
        selectors.attention_rows(user=user, category=category, grade=grade, class_id=class_id)[
            :2000
        ]
    )
    archive_ids = set(
        selectors.archive_students_for(user=user)
        .filter(pk__in={r.archive.student_id for r in rows})
        .values_list("pk", flat=True)
    )
    access_log_record(
        request=request, action="list", object_type="screening.attention", count=len(rows)
    )
    grade_labels = dict(Grade.choices)
    return render(
        request,
        "screening/admin/attention_list.html",
        {
            "rows": rows,
            "archive_ids": archive_ids,
            "categories": AttentionCategory.Category.choices,
            "category": category,
            "grades": [(g, grade_labels.get(g, str(g))) for g in grades],
            "grade": grade,
            "classes": classes,
            "class_id": class_id,
        },
    )
