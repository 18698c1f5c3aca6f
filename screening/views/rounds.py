"""The overview, screening rounds, results (entry, import, list, export)."""

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
    ImportForm,
    ResultCorrectForm,
)
from ..models import (
    InstrumentItem,
)
from ..selectors.warnings import result_outcome
from .common import (
    RESULT_FORM,
    _consent_url,
    _log,
    _scoped_get,
)

# --- overview ------------------------------------------------------------------------------------


def _managed_round(request, pk, *, action: str):
    """A round the user manages (results, imports, exports), or a logged 404."""
    return _scoped_get(
        request,
        selectors.rounds_managed_by(user=request.user),
        pk,
        action=action,
        object_type="screening.round",
    )


@capability_view("screening.access", action="view", object_type="screening.index")
def index(request):
    user = request.user
    context = {
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


@capability_view("screening.round.read", action="list", object_type="screening.round")
def round_list(request):
    user = request.user
    rounds = list(selectors.rounds_for(user=user).prefetch_related("instruments"))
    managed = set(selectors.rounds_managed_by(user=user).values_list("pk", flat=True))
    return render(
        request,
        "screening/admin/round_list.html",
        {
            "rounds": [(r, r.pk in managed, selectors.round_summary(round=r)) for r in rounds],
            "may_add": selectors.instrument_schools_for(user=user).exists(),
        },
    )


@capability_view("screening.round.write", action="list", object_type="screening.result")
def round_results(request, pk):
    rnd = _managed_round(request, pk, action="list")
    results = list(selectors.round_results(user=request.user, round=rnd))
    _log(request, "list-results", "screening.round", rnd.pk, rnd.school)
    return render(
        request,
        "screening/admin/round_results.html",
        {"round": rnd, "results": results, "summary": selectors.round_summary(round=rnd)},
    )


@capability_view("screening.result.write", action="import", object_type="screening.result")
@require_http_methods(["GET", "POST"])
def round_import(request, pk):
    rnd = _managed_round(request, pk, action="import")
    errors, consent_url = [], None
    form = ImportForm(request.POST or None, request.FILES or None, round=rnd)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = spreadsheets.table_read(name=upload.name, data=upload)
            created = services.results_import(
                round=rnd,
                instrument=form.cleaned_data["instrument"],
                rows=table,
                user=request.user,
                default_date=form.cleaned_data["taken_on"],
            )
        except spreadsheets.ImportRejected as exc:
            errors = exc.errors
            if exc.payload.get("consent_missing"):
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


@capability_view("screening.result.write", action="add", object_type="screening.result")
@require_http_methods(["GET", "POST"])
def result_enter(request, pk):
    rnd = _managed_round(request, pk, action="enter")
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
        student = selectors.round_target_students(round=rnd).filter(student_number=number).first()
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
                    result = services.result_save(
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
                return (
                    f"{url}?instrument={chosen.pk}&saved={result.pk}",
                    "结果已保存，并已完成计分和分级。",
                )

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
    saved = None
    if request.method == "GET" and (request.GET.get("saved") or "").isdigit():
        saved = result_outcome(user=request.user, result_id=int(request.GET["saved"]))
        if saved is not None:
            _log(request, "view", "screening.result", saved.result.student_id, rnd.school)
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
            "saved": saved,
        },
    )


@capability_view("screening.result.write", action="correct", object_type="screening.result")
@require_http_methods(["GET", "POST"])
def result_correct(request, pk):
    """Correct a mistyped result: new answers (or total) and a reason; the old result stays in
    history, superseded."""
    user = request.user
    result = _scoped_get(
        request,
        selectors.results_for(user=user).filter(
            round__in=selectors.rounds_managed_by(user=user), superseded_at__isnull=True
        ),
        pk,
        action="correct",
        object_type="screening.result",
    )
    items = list(InstrumentItem.objects.filter(instrument=result.instrument).order_by("number"))
    form = ResultCorrectForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        answers = None
        if not form.cleaned_data["total"] and items:
            answers = []
            for item in items:
                try:
                    answers.append(int(request.POST.get(f"item_{item.number}", "")))
                except ValueError:
                    errors.append(f"第{item.number}题：请选择答案。")
        if not errors:
            try:
                services.result_correct(
                    result=result,
                    reason=form.cleaned_data["reason"],
                    answers=answers,
                    total=form.cleaned_data["total"] if answers is None else None,
                    user=user,
                )
            except services.ScreeningError as exc:
                errors = exc.errors
            else:
                _log(request, "correct", "screening.result", result.student_id, result.school)
                messages.success(request, "结果已更正：原结果保留在历史中，不再计入统计。")
                return redirect("screening:round_results", pk=result.round_id)
    _log(request, "correct-form", "screening.result", result.student_id, result.school)
    previous = list(result.answers or [])
    for item in items:
        item.parsed = item.option_list()
        item.previous = previous[item.number - 1] if len(previous) >= item.number else None
    return render(
        request,
        "screening/admin/result_correct.html",
        {"result": result, "form": form, "items": items, "errors": errors},
    )


@capability_view("screening.round.write", action="export", object_type="screening.result")
def round_export(request, pk):
    rnd = _managed_round(request, pk, action="export")
    headers = ["学号", "姓名", "班级", "量表", "测评日期", "得分", "分级", "预警级别"]
    headers += ["关键题阳性", "作答"]  # current results only; corrected ones stay in history
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
            ("是" if r.critical else "否") if r.critical_checked else "未核查",
            ",".join(str(a) for a in r.answers),
        ]
        for r in selectors.round_results(user=request.user, round=rnd).filter(
            superseded_at__isnull=True
        )
    )
    data = spreadsheets.xlsx_build(spreadsheets.Sheet(title="结果", headers=headers, rows=rows))
    _log(request, "export", "screening.round", rnd.pk, rnd.school)
    return spreadsheets.xlsx_response(data, filename=f"筛查结果-{rnd.school.name}-{rnd.name}.xlsx")
