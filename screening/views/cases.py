"""A student's archive, concerns and the class teacher's follow-up flags (warnings: ``warnings``)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portal.uploads import upload_limit
from schools.audit import access_log_record
from schools.backoffice import capability_view

from .. import selectors, services
from ..charts import trend_svg
from ..forms import (
    AttachmentForm,
    AttentionForm,
    ConcernForm,
    EntryForm,
    PlanForm,
    ReferralForm,
    ReturnPlanForm,
)
from ..models import (
    ArchiveEntry,
    Referral,
    ReturnPlan,
)
from .common import (
    _deny,
    _log,
    _scoped_get,
)

# --- student archive --------------------------------------------------------------------------------


def _archive_context(request, student):
    """The archive page: the selector's records, the trend charts drawn, the forms."""
    page = selectors.archive_page(user=request.user, student=student)
    page["charts"] = [
        {
            "instrument": t["instrument"],
            "svg": trend_svg(
                title=f"{t['instrument'].code} 得分变化",
                points=t["points"],
                low=t["low"],
                high=t["high"],
                bands=t["bands"],
            ),
        }
        for t in page["trends"]
    ]
    plan = page["plan"]
    page["forms"] = (
        {
            "entry": EntryForm(),
            "attention": AttentionForm(),
            "plan": PlanForm(
                initial={
                    "goals": plan.goals,
                    "actions": plan.actions,
                    "responsible": plan.responsible,
                    "review_on": plan.review_on,
                }
                if plan
                else None
            ),
            "referral": ReferralForm(),
            "return": ReturnPlanForm(),
            "attachment": AttachmentForm(),
        }
        if page["may_write"]
        else {}
    )
    return page


@capability_view("screening.result.read", action="view", object_type="screening.archive")
def archive(request, student_id):
    student = _scoped_get(
        request,
        selectors.archive_students_for(user=request.user),
        student_id,
        action="view",
        object_type="screening.archive",
    )
    _log(request, "view", "screening.archive", student.pk, student.school)
    return render(request, "screening/admin/archive.html", _archive_context(request, student))


ARCHIVE_FORMS = {
    "entry": EntryForm,
    "attention": AttentionForm,
    "plan": PlanForm,
    "referral": ReferralForm,
    "return": ReturnPlanForm,
}


def _attach(request, student):
    """Attach an uploaded file to one of the student's entries, referrals or return plans."""
    user = request.user
    form = AttachmentForm(request.POST, request.FILES)
    for name in request.uploads_too_large:
        limit = services.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        messages.error(request, f"附件：“{name}”超过 {limit} MB 的上限，没有保存。")
    if request.uploads_too_large:
        return
    if not form.is_valid():
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label or '附件'}：{'；'.join(errs)}")
        return
    kind, pk = form.cleaned_data["owner"].split(":")
    owners = {
        "entry": ArchiveEntry.objects.filter(archive__student=student),
        "referral": Referral.objects.filter(student=student),
        "return": ReturnPlan.objects.filter(referral__student=student),
    }
    owner = owners[kind].filter(pk=pk).first()
    if owner is None:
        raise services.ScreeningError(["附件：要附加到的记录不存在。"])
    attachment = services.attachment_add(
        student=student,
        owner=owner,
        kind=form.cleaned_data["kind"],
        upload=form.cleaned_data["file"],
        user=user,
    )
    messages.success(request, f"已上传附件“{attachment.name}”。")


@upload_limit(services.ATTACHMENT_MAX_BYTES)
@capability_view("screening.result.read", action="add", object_type="screening.archive")
@require_http_methods(["POST"])
def archive_add(request, student_id, what):
    user = request.user
    student = _scoped_get(
        request,
        selectors.archive_students_for(user=user),
        student_id,
        action=f"add-{what}"[:40],
        object_type="screening.archive",
    )
    if what == "member" or what == "member-remove":
        if not selectors.may_manage_case_group(user=user, student=student):
            _deny(request, f"add-{what}", "screening.archive", student.pk)
        from django.contrib.auth import get_user_model

        member = (
            get_user_model()
            .objects.filter(
                username=(request.POST.get("username") or "").strip(),
                memberships__school_id=student.school_id,
            )
            .first()
        )
        if member is None:
            messages.error(request, "用户名：本校没有这位教职工。")
        elif what == "member":
            try:
                services.case_member_add(student=student, member=member, user=user)
            except services.ScreeningError as exc:
                for message in exc.errors:
                    messages.error(request, message)
        else:
            services.case_member_remove(student=student, member=member)
        _log(request, what, "screening.archive", student.pk, student.school)
        return redirect("screening:archive", student_id=student.pk)
    if what not in {*ARCHIVE_FORMS, "attach"} or not selectors.may_write_case(
        user=user, student=student
    ):
        _deny(request, f"add-{what}"[:40], "screening.archive", student.pk)
    if what == "attach":
        try:
            _attach(request, student)
        except services.ScreeningError as exc:
            for message in exc.errors:
                messages.error(request, message)
        _log(request, "add-attachment", "screening.archive", student.pk, student.school)
        return redirect("screening:archive", student_id=student.pk)
    form = ARCHIVE_FORMS[what](request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errs)}")
        _log(request, f"add-{what}-refused", "screening.archive", student.pk, student.school)
        return redirect("screening:archive", student_id=student.pk)
    data = form.cleaned_data
    try:
        if what == "entry":
            services.archive_entry_add(student=student, user=user, **data)
        elif what == "attention":
            services.attention_add(student=student, user=user, **data)
        elif what == "plan":
            services.plan_save(student=student, user=user, **data)
        elif what == "referral":
            services.referral_record(student=student, user=user, **data)
        elif what == "return":
            referral = Referral.objects.filter(
                student=student, pk=request.POST.get("referral")
            ).first()
            if referral is None:
                raise services.ScreeningError(["转介记录：请选择要登记复学的转介。"])
            services.return_plan_save(referral=referral, **data)
    except services.ScreeningError as exc:
        for message in exc.errors:
            messages.error(request, message)
    else:
        messages.success(request, "已保存。")
    _log(request, f"add-{what}", "screening.archive", student.pk, student.school)
    return redirect("screening:archive", student_id=student.pk)


# --- warnings and concerns -----------------------------------------------------------------------


@capability_view("screening.concern.raise", action="raise", object_type="screening.concern")
@require_http_methods(["GET", "POST"])
def concern_raise(request):
    user = request.user
    form = ConcernForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        student = form.cleaned_data["student"]
        warning = services.concern_raise(
            student=student,
            level=form.cleaned_data["level"],
            concern=form.cleaned_data["concern"],
            user=user,
        )
        _log(request, "raise", "screening.concern", warning.pk, student.school, student=student)
        messages.success(request, "已提交关注，心理健康教育教师和年级组长会跟进。")
        return redirect("screening:warnings")
    # The form lists the names of the students one may raise a concern about: a listing.
    access_log_record(
        request=request,
        action="list",
        object_type="screening.concern",
        count=form.fields["student"].queryset.count(),
    )
    return render(request, "screening/admin/concern.html", {"form": form})


@capability_view("screening.flags.read", action="list", object_type="screening.flags")
def my_class(request):
    user = request.user
    flags = selectors.followup_flags_for(user=user)
    _log(request, "list", "screening.flags")
    return render(request, "screening/admin/my_class.html", {"flags": flags})
