"""Learner-area views for training (/me/training/…) and the public certificate check."""

from __future__ import annotations

import datetime
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import idempotency
from portal.downloads import download_name_set
from portal.storage import UploadNotSaved, upload_writable
from schools.audit import access_log_record

from ..models import ExternalTraining, QuizAttempt, TrainingModulePage, TrainingSession
from . import selectors as sel
from . import services as svc


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _module(page_id) -> TrainingModulePage:
    return get_object_or_404(TrainingModulePage.objects.live().public(), pk=page_id)


@login_required
@never_cache
def overview(request):
    context = sel.teacher_overview(teacher=request.user)
    context.update(
        {
            "registrations": sel.registrations_of(teacher=request.user)[:10],
            "externals": sel.external_of(teacher=request.user)[:10],
            "now": timezone.now(),
        }
    )
    return render(request, "courses/training/overview.html", context)


@login_required
@never_cache
def history(request):
    entries = sel.history_for(teacher=request.user)
    return render(request, "courses/training/history.html", {"entries": entries})


@login_required
@never_cache
def module_detail(request, page_id):
    module = _module(page_id)
    progress = sel.module_progress(teacher=request.user, module=module)
    return render(request, "courses/training/module.html", {"module": module, "progress": progress})


def _section_index(module: TrainingModulePage, section_id: str) -> tuple[list, int]:
    sections = list(module.sections)
    index = next((i for i, b in enumerate(sections) if b.id == section_id), None)
    if index is None:
        raise Http404
    return sections, index


@login_required
@never_cache
def module_section(request, page_id, section_id):
    """Read one section. Reading credits nothing; 完成本节 (a POST) marks it studied."""
    module = _module(page_id)
    sections, index = _section_index(module, section_id)
    progress = sel.module_progress(teacher=request.user, module=module)
    studied = {b.id: seen for b, seen in progress.sections}
    return render(
        request,
        "courses/training/section.html",
        {
            "module": module,
            # Not "block": that name is Django's {% block %} tag's own context variable.
            "section": sections[index],
            "studied": studied.get(section_id, False),
            "number": index + 1,
            "total": len(sections),
            "previous": sections[index - 1] if index > 0 else None,
            "next": sections[index + 1] if index + 1 < len(sections) else None,
        },
    )


@login_required
@require_POST
def module_section_done(request, page_id, section_id):
    """完成本节: record the section as studied, then go on to the next step."""
    module = _module(page_id)
    sections, index = _section_index(module, section_id)
    svc.section_complete(teacher=request.user, module=module, section_id=section_id)
    messages.success(
        request, f"已记录：第 {index + 1} 节「{sections[index].value['title']}」已学完。"
    )
    if index + 1 < len(sections):
        return redirect("training:section", module.pk, sections[index + 1].id)
    progress = sel.module_progress(teacher=request.user, module=module)
    if module.is_online and len(module.quiz) and not progress.passed:
        return redirect("training:quiz", module.pk)
    return redirect("training:module", module.pk)


def _quiz_key(module) -> str:
    return f"training.quiz.{module.pk}"


def _quiz_state(request, module, *, renew: bool = False) -> dict:
    """This attempt's seed and paper id, held in the session until the attempt is submitted.

    New ones when asked for, when there are none, or when the questions changed since. The
    form carries the paper id, so a page left open from an earlier attempt (another order)
    is refused instead of being graded through the wrong order."""
    key = _quiz_key(module)
    fingerprint = sel.quiz_fingerprint(module=module)
    state = request.session.get(key)
    if renew or not isinstance(state, dict) or state.get("quiz") != fingerprint:
        state = {
            "seed": svc.quiz_seed_new(),
            "paper": secrets.token_urlsafe(9),
            "quiz": fingerprint,
        }
        request.session[key] = state
    return state


@login_required
@never_cache
def module_quiz(request, page_id):
    """The quiz: options shuffled per attempt; the browser posts shown positions only."""
    module = _module(page_id)
    if not module.is_online or not len(module.quiz):
        raise Http404
    errors, chosen, missing = [], {}, set()
    state = _quiz_state(request, module)
    paper = sel.quiz_paper(module=module, seed=state["seed"])
    if request.method == "POST":
        if request.POST.get("paper") != state["paper"]:
            # The page was rendered for another order (an earlier attempt, an expired
            # session, edited questions): its positions cannot be mapped, nothing is graded.
            errors = ["自测题已更新或页面已过期，请重新作答。"]
        else:
            chosen = {item.id: request.POST.getlist(f"q-{item.id}") for item in paper}
            answers = sel.quiz_answers_from_shown(paper=paper, posted=chosen)
            missing = {item.id for item in paper if not answers[item.id]}
            try:
                attempt = svc.quiz_submit(
                    teacher=request.user, module=module, answers=answers, seed=state["seed"]
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                _quiz_state(request, module, renew=True)  # the next attempt, another order
                return redirect("training:quiz_result", module.pk, attempt.pk)
    return render(
        request,
        "courses/training/quiz.html",
        {
            "module": module,
            "paper": paper,
            "paper_id": state["paper"],
            "errors": errors,
            "chosen": chosen,
            "missing": missing,
            "multiple_count": sum(1 for item in paper if item.multiple),
        },
        status=400 if errors else 200,
    )


@login_required
@never_cache
def quiz_result(request, page_id, attempt_id):
    """One attempt's result: score, pass mark, the questions answered wrong.

    Correct answers and explanations are shown only once the attempt passed: a failed
    attempt names the wrong questions so the teacher can go back to the sections, without
    handing over the key for the next try."""
    module = _module(page_id)
    attempt = get_object_or_404(
        QuizAttempt.objects.select_related("module"),
        pk=attempt_id,
        module=module,
        teacher=request.user,
    )
    review = sel.quiz_review(attempt=attempt)
    progress = sel.module_progress(teacher=request.user, module=module)
    return render(
        request,
        "courses/training/quiz_result.html",
        {
            "module": module,
            "attempt": attempt,
            "pass_mark": attempt.pass_mark or module.pass_mark,
            "review": review,
            "wrong": [r for r in review if not r.right],
            "progress": progress,
        },
    )


@login_required
@never_cache
def sessions(request):
    return render(
        request,
        "courses/training/sessions.html",
        {
            "sessions": sel.sessions_open_to(teacher=request.user),
            "registrations": sel.registrations_of(teacher=request.user),
        },
    )


@login_required
@require_POST
def session_register(request, session_id):
    session = get_object_or_404(TrainingSession, pk=session_id)
    try:
        if request.POST.get("action") == "cancel":
            svc.session_unregister(teacher=request.user, session=session)
            messages.success(request, "已取消报名。")
        else:
            svc.session_register(teacher=request.user, session=session)
            messages.success(request, "报名成功，可下载日历文件加入手机日程。")
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("training:sessions")


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_time(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


@login_required
def session_ics(request, session_id):
    registration = get_object_or_404(
        sel.registrations_of(teacher=request.user), session_id=session_id
    )
    session = registration.session
    host = request.get_host()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Xinyu//Training//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:training-session-{session.pk}@{host}",
        f"DTSTAMP:{_ics_time(timezone.now())}",
        f"DTSTART:{_ics_time(session.starts_at)}",
        f"DTEND:{_ics_time(session.ends_at)}",
        f"SUMMARY:{_ics_text(session.display_title)}",
        f"LOCATION:{_ics_text(session.place)}",
        f"DESCRIPTION:{_ics_text(f'主讲：{session.trainer}；认定学时：{session.module.hours}')}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    response = HttpResponse(
        "\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8"
    )
    return download_name_set(
        response,
        filename=f"培训-{session.display_title}-{timezone.localtime(session.starts_at):%Y%m%d}.ics",
    )


EXTERNAL_FORM = "training.external"


class ExternalTrainingForm(forms.Form):
    title = forms.CharField(label="培训名称", max_length=200)
    provider = forms.CharField(
        label="举办单位 / 平台", max_length=200, help_text="例如：国家智慧教育公共服务平台"
    )
    completed_on = forms.DateField(label="完成日期", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label="申请学时", max_digits=4, decimal_places=1)
    evidence = forms.FileField(label="证明材料", help_text="证书或学习记录截图，PDF 或图片。")

    ALLOWED = (".pdf", ".jpg", ".jpeg", ".png")

    def clean_evidence(self):
        upload = self.cleaned_data["evidence"]
        if not upload.name.lower().endswith(self.ALLOWED):
            raise ValidationError("证明材料只能是 PDF、JPG 或 PNG 文件。")
        if upload.size > 10 * 1024 * 1024:
            raise ValidationError("证明材料不能超过 10 MB。")
        upload_writable("training-evidence")(upload)
        return upload


@login_required
@never_cache
def external_new(request):
    if earlier := idempotency.submitted_before(request, form=EXTERNAL_FORM):
        return idempotency.submitted_response(request, earlier)
    form = ExternalTrainingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():

        def create():
            try:
                svc.external_submit(teacher=request.user, **form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errs in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errs)
                else:
                    form.add_error(None, exc)
                return None
            except UploadNotSaved as exc:
                form.add_error("evidence", str(exc))
                return None
            return reverse("training:overview"), "已提交，等待学校审核。"

        done = idempotency.submit_form_once(request, form=form, name=EXTERNAL_FORM, create=create)
        if done is not None:
            return done
    return render(request, "courses/training/external_form.html", {"form": form})


@login_required
def external_evidence(request, pk):
    """The evidence file: for its teacher and the school admins who review it."""
    submission = (
        ExternalTraining.objects.filter(pk=pk, teacher=request.user).first()
        or sel.external_for_reviewer(user=request.user).filter(pk=pk).first()
    )
    if submission is None:
        access_log_record(
            request=request,
            action="evidence-denied",
            object_type="courses.externaltraining",
            object_id=pk,
            school=None,
            allowed=False,
        )
        raise Http404
    name = submission.evidence.name.rsplit("/", 1)[-1]
    response = FileResponse(submission.evidence.open("rb"), as_attachment=True)
    return download_name_set(response, filename=name)


@login_required
@never_cache
def certificate(request, code):
    entry = sel.certificate_lookup(code=code)
    if entry is None or entry.teacher_id != request.user.pk:
        raise Http404
    return render(
        request,
        "courses/training/certificate.html",
        {"entry": entry, "cert": sel.certificate_view(entry=entry)},
    )


@never_cache
def verify(request, code=None):
    if code is None:
        typed = "".join(ch for ch in request.GET.get("code", "").upper() if ch.isalnum())
        if typed:
            return redirect(reverse("training-verify", args=[typed]))
        code = ""
    entry = sel.certificate_lookup(code=code) if code else None
    status = 200 if (entry or not code) else 404
    cert = sel.certificate_view(entry=entry) if entry is not None else None
    return render(
        request,
        "courses/training/verify.html",
        {"code": code, "entry": entry, "cert": cert},
        status=status,
    )
