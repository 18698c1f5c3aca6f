"""Back-office views for screening records (registered under /admin/screening/).

Every view takes its scope from ``screening.selectors``. Every view, list, export or print of
student records, and every denied attempt, writes exactly one AccessLog line. Wagtail's admin
URLs add ``never_cache``; ``_no_store`` makes it explicit on each response.
"""

from collections import defaultdict
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal import spreadsheets
from portal.idempotency import submit_once, submitted_before, submitted_response
from schools.audit import access_log_record
from schools.calendar import SchoolYear
from schools.selectors import is_bureau, memberships_of
from schools.vocab import Role

from . import selectors, services
from .charts import trend_svg
from .forms import (
    AttentionForm,
    ConcernForm,
    ConsentBulkForm,
    ConsentForm,
    ConsentImportForm,
    EntryForm,
    ImportForm,
    PlanForm,
    ReferralForm,
    ReturnPlanForm,
    WarningUpdateForm,
)
from .models import (
    ArchiveEntry,
    AttentionCategory,
    CaseMember,
    CutOff,
    GuardianConsent,
    InstrumentItem,
    Referral,
    SupportPlan,
    WarningLevel,
)

#: Create forms with a one-time key (``portal.idempotency``): a double submit stores once.
RESULT_FORM = "screening.result"
CONSENT_FORM = "screening.consent"


class Denied(Exception):
    """The user has no access to this part of screening at all (logged before raising)."""


def _no_store(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Denied:
            response = render(request, "screening/admin/denied.html", status=403)
        response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response

    return wrapped


def _log(request, action, object_type, object_id="", school=None, allowed=True, student=None):
    """One access-log line; ``student`` names the student the line is about (archive and
    result lines name theirs from the object id)."""
    access_log_record(
        request=request,
        action=action,
        object_type=object_type,
        object_id=object_id,
        school=school,
        student=student,
        allowed=allowed,
    )


def _scoped_get(request, queryset, pk, *, action, object_type, of_student=False):
    """The object from the user's scope, or a logged 404 (never a 403 that confirms it exists).
    ``of_student``: ``pk`` is a student's id (the denial line names the student)."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        student = pk if of_student else None
        _log(request, f"{action}-denied", object_type, pk, allowed=False, student=student)
        raise Http404 from None


def _deny(request, action, object_type, object_id="", student=None):
    _log(request, f"{action}-denied", object_type, object_id, allowed=False, student=student)
    raise Denied


def _roles(user):
    return {m.role for m in memberships_of(user=user)}


# --- overview ------------------------------------------------------------------------------------


@_no_store
def index(request):
    user = request.user
    if not selectors.has_screening_access(user=user):
        _deny(request, "view", "screening.index")
    roles = _roles(user)
    context = {
        "is_bureau": is_bureau(user=user),
        "is_psych": Role.PSYCH_TEACHER in roles,
        "is_class_teacher": Role.CLASS_TEACHER in roles,
        "may_raise": selectors.concern_students_for(user=user).exists(),
        "sees_warnings": bool(
            roles & {Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.GRADE_LEADER, Role.CLASS_TEACHER}
        )
        or selectors.in_case_group(user=user),
        "sees_figures": selectors.figure_schools_for(user=user).exists(),
        "sees_log": is_bureau(user=user) or Role.SCHOOL_LEADER in roles,
        "rounds": selectors.rounds_for(user=user)[:20],
        "cases": list(
            selectors.archive_students_for(user=user)
            .filter(pk__in=selectors.case_memberships_of(user=user).values("student_id"))
            .order_by("school_class__name", "name")
        ),
    }
    if context["cases"]:  # names of students: a listing of records, logged
        _log(request, "list", "screening.case")
    return render(request, "screening/admin/index.html", context)


# --- rounds and results ----------------------------------------------------------------------------


@_no_store
def round_list(request):
    user = request.user
    rounds = list(selectors.rounds_for(user=user).prefetch_related("instruments"))
    if not rounds and not selectors.instrument_schools_for(user=user).exists():
        _deny(request, "list", "screening.round")
    managed = set(selectors.rounds_managed_by(user=user).values_list("pk", flat=True))
    return render(
        request,
        "screening/admin/round_list.html",
        {
            "rounds": [(r, r.pk in managed, selectors.round_summary(round=r)) for r in rounds],
            "may_add": selectors.instrument_schools_for(user=user).exists(),
        },
    )


@_no_store
def round_results(request, pk):
    rnd = _scoped_get(
        request,
        selectors.rounds_managed_by(user=request.user),
        pk,
        action="list",
        object_type="screening.round",
    )
    results = list(selectors.round_results(user=request.user, round=rnd))
    _log(request, "list-results", "screening.round", rnd.pk, rnd.school)
    return render(
        request,
        "screening/admin/round_results.html",
        {"round": rnd, "results": results, "summary": selectors.round_summary(round=rnd)},
    )


@_no_store
@require_http_methods(["GET", "POST"])
def round_import(request, pk):
    rnd = _scoped_get(
        request,
        selectors.rounds_managed_by(user=request.user),
        pk,
        action="import",
        object_type="screening.round",
    )
    errors, consent_url = [], None
    form = ImportForm(request.POST or None, request.FILES or None, round=rnd)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = services.table_read(data=upload, filename=upload.name)
            created = services.results_import(
                round=rnd,
                instrument=form.cleaned_data["instrument"],
                rows=rows,
                user=request.user,
                default_date=form.cleaned_data["taken_on"],
            )
        except services.ScreeningError as exc:
            errors = exc.errors
            if exc.consent_missing:
                consent_url = _consent_url(rnd)
            _log(request, "import-refused", "screening.round", rnd.pk, rnd.school)
        else:
            _log(request, "import", "screening.round", rnd.pk, rnd.school)
            messages.success(request, f"已导入 {len(created)} 条结果，并已完成计分和分级。")
            return redirect("screening:round_results", pk=rnd.pk)
    elif request.method == "GET":
        _log(request, "import-form", "screening.round", rnd.pk, rnd.school)
    return render(
        request,
        "screening/admin/round_import.html",
        {"round": rnd, "form": form, "errors": errors, "consent_url": consent_url},
    )


@_no_store
@require_http_methods(["GET", "POST"])
def result_enter(request, pk):
    rnd = _scoped_get(
        request,
        selectors.rounds_managed_by(user=request.user),
        pk,
        action="enter",
        object_type="screening.round",
    )
    instruments = list(rnd.instruments.all())
    chosen = next(
        (
            i
            for i in instruments
            if str(i.pk) == (request.POST.get("instrument") or request.GET.get("instrument"))
        ),
        instruments[0] if instruments else None,
    )
    items = (
        list(InstrumentItem.objects.filter(instrument=chosen).order_by("number")) if chosen else []
    )
    errors, consent_url = [], None
    if request.method == "POST" and (earlier := submitted_before(request, form=RESULT_FORM)):
        return submitted_response(request, earlier)
    if request.method == "POST" and chosen:
        number = (request.POST.get("student_number") or "").strip()
        student = services.round_target_students(round=rnd).filter(student_number=number).first()
        answers = []
        for item in items:
            try:
                answers.append(int(request.POST.get(f"item_{item.number}", "")))
            except ValueError:
                errors.append(f"第{item.number}题：请选择答案。")
        if student is None:
            errors.append(f"学号：本批次目标学生中没有学号“{number}”。")
        if not errors:
            refused = {}

            def create():
                try:
                    services.result_save(
                        round=rnd,
                        instrument=chosen,
                        student=student,
                        answers=answers,
                        user=request.user,
                    )
                except services.ScreeningError as exc:
                    refused["error"] = exc
                    return None
                _log(request, "enter", "screening.result", student.pk, rnd.school)
                url = reverse("screening:result_enter", args=[rnd.pk])
                return f"{url}?instrument={chosen.pk}", "结果已保存，并已完成计分和分级。"

            try:
                outcome = submit_once(request, form=RESULT_FORM, create=create)
            except ValidationError as exc:
                errors = exc.messages
            else:
                if outcome is not None:
                    return submitted_response(request, outcome)
                errors = refused["error"].errors
                if refused["error"].consent_missing:
                    consent_url = _consent_url(rnd, student.pk)
        _log(request, "enter-refused", "screening.round", rnd.pk, rnd.school)
    else:
        _log(request, "enter-form", "screening.round", rnd.pk, rnd.school)
    for item in items:
        item.parsed = item.option_list()
    return render(
        request,
        "screening/admin/result_enter.html",
        {
            "round": rnd,
            "instruments": instruments,
            "chosen": chosen,
            "items": items,
            "errors": errors,
            "consent_url": consent_url,
        },
    )


@_no_store
def round_export(request, pk):
    rnd = _scoped_get(
        request,
        selectors.rounds_managed_by(user=request.user),
        pk,
        action="export",
        object_type="screening.round",
    )
    headers = ["学号", "姓名", "班级", "量表", "测评日期", "得分", "分级", "预警级别"]
    headers += ["关键题阳性", "作答"]
    rows = (
        [
            r.student.student_number,
            r.student.name,
            r.student.school_class.name,
            r.instrument.code,
            r.taken_on,
            float(r.total),
            r.band,
            r.get_level_display(),
            "是" if r.critical else "否",
            ",".join(str(a) for a in r.answers),
        ]
        for r in selectors.round_results(user=request.user, round=rnd)
    )
    data = spreadsheets.xlsx_build(spreadsheets.Sheet(title="结果", headers=headers, rows=rows))
    _log(request, "export", "screening.round", rnd.pk, rnd.school)
    return spreadsheets.xlsx_response(data, filename=f"筛查结果-{rnd.school.name}-{rnd.name}.xlsx")


# --- guardian consent --------------------------------------------------------------------------------


def _consent_round(request, pk, action):
    return _scoped_get(
        request,
        selectors.consent_rounds_for(user=request.user),
        pk,
        action=action,
        object_type="screening.consent",
    )


def _consent_url(rnd, student_id=None):
    if student_id is None:
        return reverse("screening:round_consent", args=[rnd.pk])
    return reverse("screening:consent_student", args=[rnd.pk, student_id])


@_no_store
@require_http_methods(["GET", "POST"])
def round_consent(request, pk):
    """A round's target students and their guardians' consent; bulk recording per class."""
    rnd = _consent_round(request, pk, "list")
    is_consent = rnd.basis == rnd.Basis.CONSENT
    classes = list(selectors.round_target_classes(round=rnd))
    class_id = next((c.pk for c in classes if str(c.pk) == request.GET.get("class")), None)
    state = request.GET.get("state")
    if state not in ["none", *GuardianConsent.Status.values]:
        state = None
    bulk = ConsentBulkForm(request.POST or None)
    errors = []
    if request.method == "POST":
        if bulk.is_valid():
            try:
                n = services.consent_bulk(
                    round=rnd,
                    student_ids=request.POST.getlist("students"),
                    status=bulk.cleaned_data["status"],
                    decided_on=bulk.cleaned_data["decided_on"],
                    method=bulk.cleaned_data["method"],
                    user=request.user,
                )
            except services.ScreeningError as exc:
                errors = exc.errors
            else:
                _log(request, "consent-bulk", "screening.consent", rnd.pk, rnd.school)
                label = GuardianConsent.Status(bulk.cleaned_data["status"]).label
                messages.success(request, f"已将 {n} 名学生登记为“{label}”。")
                return redirect(request.get_full_path())
        else:
            errors = [
                f"{bulk.fields[f].label if f in bulk.fields else ''}：{'；'.join(e)}"
                for f, e in bulk.errors.items()
            ]
        _log(request, "consent-bulk-refused", "screening.consent", rnd.pk, rnd.school)
    else:
        _log(request, "list", "screening.consent", rnd.pk, rnd.school)
    all_rows = selectors.consent_rows(round=rnd, class_id=class_id)
    rows = [r for r in all_rows if state is None or r.state == state]
    return render(
        request,
        "screening/admin/consent_list.html",
        {
            "round": rnd,
            "is_consent": is_consent,
            "rows": rows,
            "summary": selectors.consent_summary(rows=all_rows),
            "classes": classes,
            "class_id": class_id,
            "state": state,
            "states": [("none", "未登记"), *GuardianConsent.Status.choices],
            "bulk": bulk,
            "errors": errors,
        },
    )


@_no_store
@require_http_methods(["GET", "POST"])
def consent_student(request, pk, student_id):
    """One student's guardian consent for a round: see it, record it, withdraw it."""
    rnd = _consent_round(request, pk, "view")
    student = _scoped_get(
        request,
        selectors.round_target_students(round=rnd).select_related("school_class"),
        student_id,
        action="view",
        object_type="screening.consent",
        of_student=True,
    )
    consent = (
        GuardianConsent.objects.filter(round=rnd, student=student)
        .select_related("recorded_by")
        .first()
    )
    initial = (
        {
            "status": consent.status,
            "decided_on": consent.decided_on,
            "guardian_name": consent.guardian_name,
            "relationship": consent.relationship,
            "method": consent.method,
            "note": consent.note,
        }
        if consent
        else None
    )
    form = ConsentForm(request.POST or None, initial=initial)
    errors = []
    if request.method == "POST" and (earlier := submitted_before(request, form=CONSENT_FORM)):
        return submitted_response(request, earlier)
    if request.method == "POST":
        url = reverse("screening:consent_student", args=[rnd.pk, student.pk])

        def create():
            if "withdraw" in request.POST:
                services.consent_withdraw(round=rnd, student=student, user=request.user)
                action, message = "consent-withdraw", "已登记为“已撤回同意”。"
            elif form.is_valid():
                services.consent_record(
                    round=rnd, student=student, user=request.user, **form.cleaned_data
                )
                action, message = "consent-record", "已保存监护人意见。"
            else:
                raise services.ScreeningError(
                    [
                        f"{form.fields[f].label if f in form.fields else ''}：{'；'.join(e)}"
                        for f, e in form.errors.items()
                    ]
                )
            _log(request, action, "screening.consent", student.pk, rnd.school, student=student)
            return url, message

        try:
            outcome = submit_once(request, form=CONSENT_FORM, create=create)
        except ValidationError as exc:
            errors = exc.messages
        except services.ScreeningError as exc:
            errors = exc.errors
        else:
            return submitted_response(request, outcome)
        _log(
            request, "consent-refused", "screening.consent", student.pk, rnd.school, student=student
        )
    else:
        _log(request, "view", "screening.consent", student.pk, rnd.school, student=student)
    return render(
        request,
        "screening/admin/consent_student.html",
        {
            "round": rnd,
            "is_consent": rnd.basis == rnd.Basis.CONSENT,
            "student": student,
            "needs_consent": student.age_on(rnd.starts_on) < services.CONSENT_AGE,
            "consent": consent,
            "form": form,
            "errors": errors,
        },
    )


@_no_store
@require_http_methods(["GET", "POST"])
def consent_import(request, pk):
    rnd = _consent_round(request, pk, "import")
    form = ConsentImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = services.table_read(data=upload, filename=upload.name)
            n = services.consents_import(
                round=rnd,
                rows=rows,
                user=request.user,
                default_date=form.cleaned_data["decided_on"],
            )
        except services.ScreeningError as exc:
            errors = exc.errors
            _log(request, "consent-import-refused", "screening.consent", rnd.pk, rnd.school)
        else:
            _log(request, "consent-import", "screening.consent", rnd.pk, rnd.school)
            messages.success(request, f"已导入 {n} 名学生的监护人意见。")
            return redirect("screening:round_consent", pk=rnd.pk)
    elif request.method == "POST":
        _log(request, "consent-import-refused", "screening.consent", rnd.pk, rnd.school)
    else:
        _log(request, "import-form", "screening.consent", rnd.pk, rnd.school)
    return render(
        request,
        "screening/admin/consent_import.html",
        {
            "round": rnd,
            "is_consent": rnd.basis == rnd.Basis.CONSENT,
            "form": form,
            "errors": errors,
        },
    )


# --- student archive --------------------------------------------------------------------------------


def _archive_context(request, student):
    user = request.user
    results = list(
        selectors.results_for(user=user)
        .filter(student=student)
        .select_related("instrument", "round")
        .order_by("taken_on", "pk")
    )
    instrument_ids = {r.instrument_id for r in results}
    bands = defaultdict(list)
    for c in CutOff.objects.filter(instrument_id__in=instrument_ids).order_by("min_score"):
        bands[c.instrument_id].append((c.min_score, c.max_score, c.label, c.level))
    charts = []
    by_instrument = defaultdict(list)
    for r in results:
        by_instrument[r.instrument_id].append(r)
    for instrument_id, rows in by_instrument.items():
        instrument_bands = bands[instrument_id]
        low = instrument_bands[0][0] if instrument_bands else 0
        high = instrument_bands[-1][1] if instrument_bands else max(r.total for r in rows)
        charts.append(
            {
                "instrument": rows[0].instrument,
                "svg": trend_svg(
                    title=f"{rows[0].instrument.code} 得分变化",
                    points=[(r.taken_on, r.total, r.band) for r in rows],
                    low=low,
                    high=high,
                    bands=instrument_bands,
                ),
            }
        )
    try:
        archive = student.screening_archive
    except student._meta.model.screening_archive.RelatedObjectDoesNotExist:
        archive = None
    categories, entries, plan = [], [], None
    if archive:
        categories = list(AttentionCategory.objects.filter(archive=archive))
        entries = list(ArchiveEntry.objects.filter(archive=archive).select_related("by"))
        plan = SupportPlan.objects.filter(archive=archive).first()
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
        selectors.warnings_for(user=user)
        .filter(student=student)
        .select_related(None)
        .select_related("owner")
    )
    group = list(
        CaseMember.objects.filter(student=student, removed_at__isnull=True).select_related("user")
    )
    may_write = selectors.may_write_case(user=user, student=student)
    return {
        "student": student,
        "archive": archive,
        "results": list(reversed(results)),
        "charts": charts,
        "categories": categories,
        "entries": entries,
        "plan": plan,
        "referrals": referrals,
        "warning_rows": warnings,
        "group": group,
        "may_write": may_write,
        "may_manage_group": selectors.may_manage_case_group(user=user, student=student),
        "forms": {
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
        }
        if may_write
        else {},
    }


@_no_store
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


@_no_store
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
    if what not in ARCHIVE_FORMS or not selectors.may_write_case(user=user, student=student):
        _deny(request, f"add-{what}"[:40], "screening.archive", student.pk)
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


@_no_store
def warning_list(request):
    user = request.user
    roles = _roles(user)
    in_group = selectors.in_case_group(user=user)
    if not (
        roles & {Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.GRADE_LEADER, Role.CLASS_TEACHER}
        or in_group
    ):
        _deny(request, "list", "screening.warning")
    warnings = selectors.warnings_for(user=user)
    level = request.GET.get("level")
    if level in WarningLevel.values:
        warnings = warnings.filter(level=level)
    status = request.GET.get("status", "active")
    if status == "active":
        warnings = warnings.filter(status__in=selectors.ACTIVE_WARNING)
    archive_ids = set(
        selectors.archive_students_for(user=user)
        .filter(pk__in=warnings.values("student_id"))
        .values_list("pk", flat=True)
    )
    rows = list(warnings[:500])
    _log(request, "list", "screening.warning")
    return render(
        request,
        "screening/admin/warning_list.html",
        {
            "warning_rows": rows,
            "archive_ids": archive_ids,
            "levels": WarningLevel.choices,
            "level": level,
            "status": status,
            "may_raise": selectors.concern_students_for(user=user).exists(),
        },
    )


@_no_store
@require_http_methods(["GET", "POST"])
def warning_detail(request, pk):
    user = request.user
    warning = _scoped_get(
        request,
        selectors.warnings_for(user=user),
        pk,
        action="view",
        object_type="screening.warning",
    )
    may_update = selectors.warnings_managed_by(user=user).filter(pk=warning.pk).exists()
    form = WarningUpdateForm(request.POST or None, initial={"status": warning.status})
    if request.method == "POST":
        if not may_update:
            _deny(request, "update", "screening.warning", warning.pk, student=warning.student_id)
        if form.is_valid():
            services.warning_update(
                warning=warning,
                status=form.cleaned_data["status"],
                owner=warning.owner or user,
                note=form.cleaned_data["note"],
                user=user,
            )
            _log(
                request,
                "update",
                "screening.warning",
                warning.pk,
                warning.school,
                student=warning.student_id,
            )
            messages.success(request, "预警已更新。")
            return redirect("screening:warning_detail", pk=warning.pk)
    _log(
        request,
        "view",
        "screening.warning",
        warning.pk,
        warning.school,
        student=warning.student_id,
    )
    return render(
        request,
        "screening/admin/warning_detail.html",
        {
            "warning": warning,
            "in_full": selectors.warnings_read_in_full_by(user=user).filter(pk=warning.pk).exists(),
            "form": form if may_update else None,
            "may_open_archive": selectors.archive_students_for(user=user)
            .filter(pk=warning.student_id)
            .exists(),
        },
    )


@_no_store
@require_http_methods(["GET", "POST"])
def concern_raise(request):
    user = request.user
    if not selectors.concern_students_for(user=user).exists():
        _deny(request, "raise", "screening.concern")
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


@_no_store
def my_class(request):
    user = request.user
    if Role.CLASS_TEACHER not in _roles(user):
        _deny(request, "list", "screening.flags")
    flags = selectors.followup_flags_for(user=user)
    _log(request, "list", "screening.flags")
    return render(request, "screening/admin/my_class.html", {"flags": flags})


# --- figures, de-identified export, access log ------------------------------------------------------


@_no_store
def figures(request):
    user = request.user
    if not selectors.figure_schools_for(user=user).exists():
        _deny(request, "view", "screening.figures")
    start = SchoolYear.current().start
    _log(request, "view", "screening.figures")
    return render(
        request,
        "screening/admin/figures.html",
        {
            "counts": selectors.warning_counts(user=user),
            "levels": WarningLevel.choices,
            "coverage": selectors.coverage(user=user, school_year_start=start),
            "school_year_start": start,
            "small_cell": selectors.SMALL_CELL,
            "is_bureau": is_bureau(user=user),
        },
    )


@_no_store
def figures_export(request):
    """The bureau's screening figures as .xlsx: aggregates per school × 学段, suppressed as on
    the dashboard (``selectors.bureau_aggregate``); nothing row-level leaves the school."""
    from schools.vocab import Stage

    user = request.user
    if not is_bureau(user=user):
        _deny(request, "export", "screening.figures")
    start = SchoolYear.current().start
    keys, shown = selectors.bureau_aggregate(user=user, school_year_start=start)
    columns = [*selectors.RESULT_LEVELS, "total"]
    rows = [
        [school.code, school.name, Stage(stage).label]
        + [shown[((school, stage), c)] for c in columns]
        for school, stage in keys
    ]
    rows.append(["", "合计", ""] + [shown[("total", c)] for c in columns])
    notes = [
        ["统计期", f"{start:%Y-%m-%d} 起本学年"],
        ["口径", "本学年参加测评的学生人数，按其各次测评中最高的预警级别计一次。"],
        [
            "隐藏",
            f"不足 {selectors.SMALL_CELL} 人的数字显示为“<{selectors.SMALL_CELL}”；"
            "为防止由合计相减推算，另有若干数字以“*”隐藏。不含任何学生个人信息。",
        ],
    ]
    data = spreadsheets.xlsx_build(
        spreadsheets.Sheet(
            title="测评汇总",
            headers=["学校代码", "学校", "学段", "未达预警", *WarningLevel.labels, "测评人数"],
            rows=rows,
            freeze="A2",
            autofilter=True,
        ),
        spreadsheets.Sheet(title="说明", rows=notes),
    )
    _log(request, "export-aggregate", "screening.figures")
    return spreadsheets.xlsx_response(data, filename=f"筛查汇总-{timezone.localdate():%Y%m%d}.xlsx")


@_no_store
def access_log(request):
    """Access-log lines of screening records: the bureau all, school leaders their school.

    Filtered by person, student (name or 学号), action and dates, 50 lines a page; the
    auditor exports them through the 学校管理 log viewer's export (one export, logged)."""
    from django.core.paginator import Paginator

    from schools.admin_views import AccessLogFilterSet
    from schools.models import AccessLog
    from schools.selectors import may_export_access_log

    user = request.user
    leader_schools = {
        m.school_id for m in memberships_of(user=user) if m.role == Role.SCHOOL_LEADER
    }
    if is_bureau(user=user):
        lines = AccessLog.objects.all()
    elif leader_schools:
        lines = AccessLog.objects.filter(school_id__in=leader_schools)
    else:
        _deny(request, "view", "screening.accesslog")
    lines = lines.filter(object_type__startswith="screening.").select_related("user", "school")
    filters = AccessLogFilterSet(request.GET or None, queryset=lines, request=request)
    del filters.filters["area"]  # every line here is of screening records
    page = Paginator(filters.qs.order_by("-at", "-pk"), 50).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    export_url = None
    if may_export_access_log(user=user):
        export = query.copy()
        export["area"] = "screening"
        export["export"] = "xlsx"
        export_url = f"{reverse('schools_access_log:index')}?{export.urlencode()}"
    access_log_record(
        request=request,
        action="view",
        object_type="screening.accesslog",
        count=len(page.object_list),
    )
    return render(
        request,
        "screening/admin/access_log.html",
        {
            "lines": page.object_list,
            "page": page,
            "form": filters.form,
            "query": query.urlencode(),
            "export_url": export_url,
        },
    )
