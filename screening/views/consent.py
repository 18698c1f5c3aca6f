"""Guardian consent per round: the class list, one student's decision, the import."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portal import spreadsheets
from portal.idempotency import submit_once, submitted_before, submitted_response
from schools.backoffice import capability_view

from .. import selectors, services
from ..forms import (
    ConsentBulkForm,
    ConsentForm,
    ConsentImportForm,
)
from ..models import (
    GuardianConsent,
)
from .common import (
    CONSENT_FORM,
    _log,
    _scoped_get,
)

# --- guardian consent --------------------------------------------------------------------------------


def _consent_round(request, pk, action):
    return _scoped_get(
        request,
        selectors.consent_rounds_for(user=request.user),
        pk,
        action=action,
        object_type="screening.consent",
    )


@capability_view("screening.round.write", action="list", object_type="screening.consent")
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


@capability_view("screening.round.write", action="change", object_type="screening.consent")
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
            "needs_consent": student.age_on(rnd.starts_on) < selectors.CONSENT_AGE,
            "consent": consent,
            "form": form,
            "errors": errors,
        },
    )


@capability_view("screening.round.write", action="import", object_type="screening.consent")
@require_http_methods(["GET", "POST"])
def consent_import(request, pk):
    rnd = _consent_round(request, pk, "import")
    form = ConsentImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = spreadsheets.table_read(name=upload.name, data=upload)
            n = services.consents_import(
                round=rnd,
                rows=table,
                user=request.user,
                default_date=form.cleaned_data["decided_on"],
            )
        except spreadsheets.ImportRejected as exc:
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
