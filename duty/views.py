"""Back-office views for incidents and the roster, and the learner-area report form.

Every object is fetched through a ``duty.selectors`` scope; an id outside it is a logged 404.
Every listing, view, print and export of incidents writes an access-log line; showing,
printing or exporting the names of students involved writes one more per student.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal import idempotency, spreadsheets
from portal.exports.views import start_url
from portal.uploads import upload_limit
from schools import access
from schools.audit import access_log_record
from schools.backoffice import capability_view, deny, scoped_get

from . import exports, selectors, services
from .forms import (
    EntryForm,
    InboxFilterForm,
    IncidentEditForm,
    IncidentForm,
    RosterGenerateForm,
    RosterImportForm,
)
from .models import EntryKind, IncidentReport

INCIDENT_TYPE = "duty.incidentreport"


def _get_incident(request, pk, *, manage=False) -> IncidentReport:
    """The incident from the user's scope, or the one logged 404 (``scoped_get``)."""
    qs = (selectors.incidents_managed_by if manage else selectors.incidents_visible_to)(
        user=request.user
    )
    return scoped_get(
        request, qs, pk, action="change" if manage else "view", object_type=INCIDENT_TYPE
    )


def _log_students(request, *, incident, students, action):
    access_log_record(
        request=request,
        action=action,
        object_type=INCIDENT_TYPE,
        object_id=incident.pk,
        school=incident.school,
    )
    for student in students:
        access_log_record(
            request=request,
            action=f"incident-{action}",
            object_type="schools.student",
            object_id=student.pk,
            school=incident.school,
        )


# --- inbox ---------------------------------------------------------------------------------


def _inbox_queryset(request, now):
    form = InboxFilterForm(request.GET or None, user=request.user)
    filters = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, selectors.incident_inbox(user=request.user, now=now, **filters)


@capability_view("duty.incident.read", object_type="duty.incident_inbox")
def incident_inbox(request):
    now = timezone.now()
    form, qs = _inbox_queryset(request, now)
    page = Paginator(qs, 50).get_page(request.GET.get("p"))
    rows = [{"incident": i, "clocks": selectors.incident_clocks(incident=i, now=now)} for i in page]
    access_log_record(request=request, action="list", object_type=INCIDENT_TYPE, count=len(rows))
    query = request.GET.copy()
    query.pop("p", None)
    return render(
        request,
        "duty/admin/incident_inbox.html",
        {
            "page_title": "事件报告",
            "header_title": "事件报告",
            "form": form,
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "is_bureau": access.is_bureau(user=request.user),
            "may_report": selectors.incident_schools_reportable_by(user=request.user).exists(),
            "now": now,
        },
    )


@capability_view(exports.INCIDENTS.capability, object_type="duty.incident_export")
def incident_export(request):
    """The old CSV link: the export is a background job now (``duty.exports``); this opens
    its start form with the inbox's filters."""
    query = request.GET.copy()
    query.pop("p", None)
    if query.get("school"):
        query["schools"] = query.pop("school")[-1]
    return redirect(start_url(exports.INCIDENTS.name, query.urlencode()))


# --- one incident --------------------------------------------------------------------------


def _detail_context(request, incident, *, now):
    may_names = selectors.incident_student_names_visible(user=request.user, incident=incident)
    students = list(incident.students.select_related("school_class"))
    return {
        "incident": incident,
        "clocks": selectors.incident_clocks(incident=incident, now=now),
        "timeline": selectors.incident_timeline(incident=incident),
        "students": students if may_names else None,
        "student_count": len(students),
        "may_handle": selectors.incidents_managed_by(user=request.user)
        .filter(pk=incident.pk)
        .exists(),
        "now": now,
    }, students if may_names else []


@capability_view("duty.incident.read", object_type="duty.incident_detail")
def incident_detail(request, pk):
    incident = _get_incident(request, pk)
    now = timezone.now()
    context, shown = _detail_context(request, incident, now=now)
    _log_students(request, incident=incident, students=shown, action="view")
    entry_form = (
        EntryForm(initial={"kind": _next_kind(incident)}) if context["may_handle"] else None
    )
    return render(
        request,
        "duty/admin/incident_detail.html",
        {
            **context,
            "entry_form": entry_form,
            "page_title": str(incident),
            "header_title": "事件报告",
        },
    )


def _next_kind(incident):
    kinds = set(incident.entries.values_list("kind", flat=True))
    for kind in (EntryKind.PHONE, EntryKind.WRITTEN):
        if kind not in kinds:
            return kind
    return EntryKind.FOLLOW_UP


@capability_view("duty.incident.read", object_type="duty.incident_print")
def incident_print(request, pk):
    incident = _get_incident(request, pk)
    now = timezone.now()
    context, shown = _detail_context(request, incident, now=now)
    _log_students(request, incident=incident, students=shown, action="print")
    return render(request, "duty/admin/incident_print.html", context)


@upload_limit(services.ATTACHMENT_MAX_BYTES)
@capability_view("duty.incident.handle", object_type="duty.entry_add")
@require_POST
def entry_add(request, pk):
    incident = _get_incident(request, pk, manage=True)
    form = EntryForm(request.POST, request.FILES)
    for name in request.uploads_too_large:  # dropped while the body streamed
        form.add_error("attachment", f"“{name}”超过 20 MB，未上传。")
    if form.is_valid():
        try:
            services.incident_entry_add(incident=incident, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已登记{EntryKind(form.cleaned_data['kind']).label}。")
            return redirect("duty_admin:incident_detail", pk=incident.pk)
    now = timezone.now()
    context, shown = _detail_context(request, incident, now=now)
    _log_students(request, incident=incident, students=shown, action="view")
    return render(
        request,
        "duty/admin/incident_detail.html",
        {**context, "entry_form": form, "page_title": str(incident), "header_title": "事件报告"},
        status=400,
    )


@capability_view("duty.incident.read", object_type="duty.entry_attachment")
def entry_attachment(request, pk):
    """An entry's attachment, after the same scope check as its incident; logged. The file
    lives in private storage: this view is its only way out."""
    import os

    from portal.downloads import private_file_response

    from .models import IncidentEntry

    entries = IncidentEntry.objects.select_related("incident__school").filter(
        incident__in=selectors.incidents_visible_to(user=request.user)
    )
    entry = scoped_get(request, entries, pk, action="download", object_type="duty.incidententry")
    if not entry.attachment:
        raise Http404
    access_log_record(
        request=request,
        action="download",
        object_type="duty.incidententry",
        object_id=entry.pk,
        school=entry.incident.school,
    )
    name = entry.attachment_name or os.path.basename(entry.attachment.name)
    return private_file_response(entry.attachment, filename=name)


def _add_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


#: The incident report form (back office and learner area): one key per rendering.
SUBMIT_FORM = "duty.incident"


def _create(request, *, template, extra, success_url):
    if earlier := idempotency.submitted_before(request, form=SUBMIT_FORM):
        return idempotency.submitted_response(request, earlier)
    form = IncidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("student_numbers")

        def create():
            try:
                incident = services.incident_create(
                    user=request.user, student_numbers=form.student_number_list(), **data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
                return None
            return success_url(incident), (
                "事件已登记。请在发现后 30 分钟内电话报告市局，2 小时内提交书面报告。"
            )

        done = idempotency.submit_form_once(request, form=form, name=SUBMIT_FORM, create=create)
        if done is not None:
            return done
    return render(
        request,
        template,
        {"form": form, "submit_form": SUBMIT_FORM, **extra},
        status=400 if form.errors else 200,
    )


@capability_view("duty.incident.report", object_type="duty.incident_create")
def incident_create(request):
    return _create(
        request,
        template="duty/admin/incident_form.html",
        extra={"page_title": "登记事件", "header_title": "登记事件"},
        success_url=lambda i: reverse("duty_admin:incident_detail", args=[i.pk])
        if selectors.incidents_visible_to(user=request.user).filter(pk=i.pk).exists()
        else reverse("duty_admin:incidents"),
    )


@capability_view("duty.incident.handle", object_type="duty.incident_edit")
def incident_edit(request, pk):
    incident = _get_incident(request, pk, manage=True)
    conflict = None
    initial = {
        "category": incident.category,
        "occurred_at": timezone.localtime(incident.occurred_at),
        "discovered_at": timezone.localtime(incident.discovered_at),
        "place": incident.place,
        "first_facts": incident.first_facts,
        "student_numbers": "\n".join(incident.students.values_list("student_number", flat=True)),
        "public_opinion_note": incident.public_opinion_note,
        "parents_contacted_at": incident.parents_contacted_at
        and timezone.localtime(incident.parents_contacted_at),
        "leader_arrived_at": incident.leader_arrived_at
        and timezone.localtime(incident.leader_arrived_at),
        "police_involved": incident.police_involved,
        "police_guidance": incident.police_guidance,
        "version": incident.version,
    }
    if request.method == "POST":
        form = IncidentEditForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            data.pop("student_numbers")
            try:
                services.incident_update(
                    incident_id=incident.pk,
                    user=request.user,
                    expected_version=version,
                    data=data,
                    student_numbers=form.student_number_list(),
                )
            except services.IncidentConflict as exc:
                conflict = exc
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "报告已保存。")
                return redirect("duty_admin:incident_detail", pk=incident.pk)
    else:
        form = IncidentEditForm(initial=initial, user=request.user)
        _log_students(
            request, incident=incident, students=list(incident.students.all()), action="edit"
        )
    return render(
        request,
        "duty/admin/incident_form.html",
        {
            "form": form,
            "incident": incident,
            "conflict": conflict,
            "page_title": "修改事件报告",
            "header_title": "修改事件报告",
        },
        status=409 if conflict else (400 if form.errors else 200),
    )


# --- roster --------------------------------------------------------------------------------


def _month_arg(value):
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


@capability_view("duty.roster.read", object_type="duty.roster_calendar")
def roster_calendar(request):
    schools = list(access.schools_for(user=request.user, cap="duty.roster.read"))
    if not schools:  # no school exists yet
        deny(request, action="view", object_type="duty.roster_calendar")
    school_id = request.GET.get("school")
    school = next((s for s in schools if str(s.pk) == school_id), None)
    if school_id and school is None:
        access_log_record(
            request=request,
            action="view-denied",
            object_type="schools.school",
            object_id=school_id,
            allowed=False,
        )
        raise Http404
    school = school or schools[0]
    month = _month_arg(request.GET.get("month"))
    prev_month = (month - datetime.timedelta(days=1)).replace(day=1)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "duty/admin/roster_calendar.html",
        {
            "page_title": f"值班日历 · {school.name}",
            "header_title": "值班日历",
            "schools": schools,
            "school": school,
            "month": month,
            "prev_month": prev_month,
            "next_month": next_month,
            "weeks": selectors.roster_month(
                user=request.user, school=school, year=month.year, month=month.month
            ),
            "today": timezone.localdate(),
            "may_manage": selectors.roster_schools_managed_by(user=request.user)
            .filter(pk=school.pk)
            .exists(),
            "weekdays": ["一", "二", "三", "四", "五", "六", "日"],
        },
    )


@capability_view("duty.roster.write", object_type="duty.roster_generate")
def roster_generate(request):
    form = RosterGenerateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        school, month = form.cleaned_data["school"], form.cleaned_data["month"]
        try:
            result = services.roster_generate_month(
                school=school,
                year=month.year,
                month=month.month,
                replace=form.cleaned_data["replace"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                f"已按轮值表生成 {result['days']} 天、{result['created']} 条值班安排"
                + (f"；保留了已有安排的 {result['kept']} 天。" if result["kept"] else "。"),
            )
            return redirect(
                f"{reverse('duty_admin:roster_calendar')}?school={school.pk}&month={month:%Y-%m}"
            )
    return render(
        request,
        "duty/admin/simple_form.html",
        {
            "form": form,
            "page_title": "按轮值表生成月值班表",
            "header_title": "生成月值班表",
            "submit": "生成",
        },
        status=400 if form.errors else 200,
    )


@capability_view("duty.roster.write", object_type="duty.roster_import")
def roster_import(request):
    form = RosterImportForm(request.POST or None, request.FILES or None, user=request.user)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        school = form.cleaned_data["school"]
        try:
            count = services.roster_import(school=school, content=upload, filename=upload.name)
        except spreadsheets.ImportRejected as exc:
            errors = exc.errors
        else:
            messages.success(request, f"已导入 {count} 条值班安排。")
            return redirect(f"{reverse('duty_admin:roster_calendar')}?school={school.pk}")
    return render(
        request,
        "duty/admin/roster_import.html",
        {"form": form, "errors": errors, "page_title": "导入值班表", "header_title": "导入值班表"},
        status=400 if (errors or form.errors) else 200,
    )


@capability_view("duty.phonelist.read", object_type="duty.phone_list")
def phone_list(request):
    day = timezone.localdate()
    return render(
        request,
        "duty/admin/phone_list.html",
        {
            "page_title": f"今日值班电话 · {day:%Y年%m月%d日}",
            "header_title": "今日值班电话",
            "rows": selectors.duty_phone_list(user=request.user, day=day),
            "day": day,
        },
    )


@capability_view("portal.backoffice", object_type="duty.notices")
def notices(request):
    return render(
        request,
        "duty/admin/notices.html",
        {
            "page_title": "值班提醒",
            "header_title": "值班提醒",
            "notices": selectors.notices_for(user=request.user)[:100],
        },
    )


@capability_view("portal.backoffice", object_type="duty.notice_read")
@require_POST
def notice_read(request, pk):
    services.notice_mark_read(user=request.user, notice_id=pk)
    return redirect("duty_admin:notices")


# --- learner area: any teacher reports an incident of their school --------------------------


@login_required
@capability_view("duty.incident.report", object_type="duty.my_incident_new")
def my_incident_new(request):
    return _create(
        request,
        template="duty/my_incident_form.html",
        extra={},
        success_url=lambda i: reverse("duty:my_incidents"),
    )


@login_required
def my_incidents(request):
    now = timezone.now()
    qs = selectors.incidents_with_clocks(
        selectors.incidents_visible_to(user=request.user).filter(reporter=request.user)
    ).order_by("-discovered_at")[:50]
    rows = [{"incident": i, "clocks": selectors.incident_clocks(incident=i, now=now)} for i in qs]
    access_log_record(
        request=request, action="list-own", object_type=INCIDENT_TYPE, count=len(rows)
    )
    return render(
        request,
        "duty/my_incidents.html",
        {
            "rows": rows,
            "may_report": selectors.incident_schools_reportable_by(user=request.user).exists(),
        },
    )
