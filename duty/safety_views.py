"""Back office of safety checks beyond the viewset: a check entered as a checklist, the
list of overdue fixes (the bureau's across schools, a school's its own) and marking a fix
done. Rules in ``duty.safety``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from schools import access
from schools.backoffice import capability_view, scoped_get

from . import safety, selectors
from .models import SafetyCheckItem

ITEM_ROWS = 8


class SafetyHeadForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=None)
    date = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}))
    inspector = forms.CharField(label="检查人", max_length=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = selectors.safety_schools_managed_by(user=user)
        if not self.is_bound:
            self.fields["date"].initial = timezone.localdate()


class SafetyItemForm(forms.Form):
    item = forms.CharField(label="检查项目", max_length=100, required=False)
    ok = forms.BooleanField(label="合格", required=False, initial=True)
    problem = forms.CharField(label="存在问题", required=False)
    fix_deadline = forms.DateField(
        label="整改期限", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


SafetyItemFormSet = forms.formset_factory(SafetyItemForm, extra=ITEM_ROWS)


@capability_view("duty.safety.write", object_type="duty.safetycheck_checklist")
def safety_checklist_add(request):
    """Record a safety check item by item: each passes, or has a problem and a deadline."""
    head = SafetyHeadForm(request.POST or None, user=request.user)
    items = SafetyItemFormSet(request.POST or None, prefix="items")
    status = 200
    if request.method == "POST":
        if head.is_valid() and items.is_valid():
            lines = [f for f in items.cleaned_data if f.get("item") or f.get("problem")]
            try:
                safety.safety_check_add(by=request.user, **head.cleaned_data, items=lines)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    head.add_error(field if field in head.fields else None, errors)
            else:
                messages.success(request, "安全检查已登记。")
                return redirect("duty_admin:safety_overdue")
        status = 400
    return render(
        request,
        "duty/admin/safety_checklist.html",
        {
            "head": head,
            "items": items,
            "page_title": "逐项登记安全检查",
            "header_title": "安全检查",
        },
        status=status,
    )


@capability_view("duty.safety.read", object_type="duty.safety_overdue")
def safety_overdue(request):
    """Problems not fixed by their deadline: every school for the bureau, own school otherwise
    (the same rows the 待办 item counts)."""
    today = timezone.localdate()
    rows = list(safety.overdue_items(user=request.user, today=today))
    writable = access.school_ids_for(user=request.user, cap="duty.safety.write")
    return render(
        request,
        "duty/admin/safety_overdue.html",
        {
            "rows": [
                {
                    "item": item,
                    "days": (today - item.fix_deadline).days,
                    "may_fix": item.safety_check.school_id in writable
                    or access.bureau_covers(user=request.user, cap="duty.safety.write"),
                }
                for item in rows
            ],
            "may_add": access.can(user=request.user, cap="duty.safety.write"),
            "page_title": "安全隐患整改逾期",
            "header_title": "安全隐患整改逾期",
        },
    )


@capability_view("duty.safety.write", object_type="duty.safetycheckitem")
@require_POST
def safety_item_fixed(request, pk):
    items = access.scoped(
        SafetyCheckItem.objects.select_related("safety_check__school"),
        user=request.user,
        cap="duty.safety.write",
        school="safety_check__school",
    )
    item = scoped_get(request, items, pk, action="change", object_type="duty.safetycheckitem")
    try:
        safety.safety_item_fix(by=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已记录“{item.item}”整改完成。")
    return redirect("duty_admin:safety_overdue")
