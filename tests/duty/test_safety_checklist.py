"""Safety checks as a checklist: each item passes or has a problem with a fix deadline; an
overdue fix shows in 待办 for the school's safety keepers and on the bureau's list (the same
rows), until it is marked fixed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from duty.models import SafetyCheck, SafetyCheckItem, SafetyCheckStatus
from duty.safety import overdue_items, safety_check_add, safety_item_fix
from portal.todo import OVERDUE, todo_for
from schools.vocab import Role
from tests.csrf import form_token
from tests.factories import SchoolFactory, make_member

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _check(by, school, *, days_ago, deadline_in, problem="护栏松动"):
    day = TODAY - datetime.timedelta(days=days_ago)
    return safety_check_add(
        by=by,
        school=school,
        date=day,
        inspector="学校安全工作领导小组",
        items=[
            {"item": "消防器材", "ok": True},
            {
                "item": "楼道护栏",
                "ok": False,
                "problem": problem,
                "fix_deadline": TODAY + datetime.timedelta(days=deadline_in),
            },
        ],
    )


@pytest.fixture
def city():
    a, b = SchoolFactory(name="东校"), SchoolFactory(name="西校")
    return {
        "a": a,
        "b": b,
        "admin_a": make_member(Role.SCHOOL_ADMIN, school=a),
        "admin_b": make_member(Role.SCHOOL_ADMIN, school=b),
        "psych_a": make_member(Role.PSYCH_TEACHER, school=a),
        "bureau": make_member(Role.BUREAU_AUDITOR),
    }


def test_a_checklist_is_all_or_nothing_and_names_the_bad_line(city):
    with pytest.raises(ValidationError) as refused:
        safety_check_add(
            by=city["admin_a"],
            school=city["a"],
            date=TODAY,
            inspector="检查组",
            items=[
                {"item": "消防器材", "ok": True},
                {"item": "楼道护栏", "ok": False, "problem": "护栏松动"},  # no deadline
                {"item": "", "ok": True, "problem": ""},
            ],
        )
    assert refused.value.message_dict["items"] == [
        "第 2 项“楼道护栏”：不合格时必须填写整改期限。",
        "第 3 项“（未填写）”：请填写检查项目。",
    ]
    assert not SafetyCheck.objects.exists() and not SafetyCheckItem.objects.exists()
    check = _check(city["admin_a"], city["a"], days_ago=2, deadline_in=5)
    assert check.status == SafetyCheckStatus.FIXING
    assert check.items_checked == "消防器材\n楼道护栏" and "护栏松动" in check.problems_found
    assert [i.ok for i in check.items.all()] == [True, False]


def test_overdue_fixes_in_todo_and_on_the_bureau_list(city):
    late_a = _check(city["admin_a"], city["a"], days_ago=20, deadline_in=-3)
    _check(city["admin_a"], city["a"], days_ago=1, deadline_in=10)  # not yet due
    _check(city["admin_b"], city["b"], days_ago=30, deadline_in=-10, problem="灭火器过期")
    # 待办: the school's safety keepers, their own school's overdue fixes only.
    [todo] = [t for t in todo_for(user=city["admin_a"]) if t.label == "安全隐患整改逾期"]
    assert (todo.count, todo.severity) == (1, OVERDUE)
    assert not [t for t in todo_for(user=city["psych_a"]) if t.label == "安全隐患整改逾期"]
    # The list the to-do opens has exactly those rows.
    client = Client()
    client.force_login(city["admin_a"])
    page = client.get(todo.url).content.decode()
    assert page.count("<td>楼道护栏</td>") == 1 and "灭火器过期" not in page
    assert "<strong>3 天</strong>" in page
    # The bureau's list: every school, longest overdue first.
    client.force_login(city["bureau"])
    page = client.get(reverse("duty_admin:safety_overdue")).content.decode()
    assert page.index("灭火器过期") < page.index("护栏松动")
    assert "已整改</button>" not in page  # the auditor reads, does not fix
    assert [i.safety_check.school for i in overdue_items(user=city["bureau"])] == [
        city["b"],
        city["a"],
    ]
    # Marking the fix done (a browser's POST, with its token) clears it everywhere.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(city["admin_a"])
    listing = browser.get(reverse("duty_admin:safety_overdue"))
    item = late_a.items.get(ok=False)
    response = browser.post(
        reverse("duty_admin:safety_item_fixed", args=[item.pk]),
        {"csrfmiddlewaretoken": form_token(listing)},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.fixed_on == TODAY
    assert SafetyCheck.objects.get(pk=late_a.pk).status == SafetyCheckStatus.FIXED
    assert not [t for t in todo_for(user=city["admin_a"]) if t.label == "安全隐患整改逾期"]


def test_another_schools_item_cannot_be_marked_fixed(city):
    late_b = _check(city["admin_b"], city["b"], days_ago=30, deadline_in=-10)
    item = late_b.items.get(ok=False)
    client = Client()
    client.force_login(city["admin_a"])
    assert client.post(reverse("duty_admin:safety_item_fixed", args=[item.pk])).status_code == 404
    with pytest.raises(ValidationError):
        safety_item_fix(by=city["admin_a"], item=item)
    item.refresh_from_db()
    assert item.fixed_on is None


def test_the_checklist_form_records_a_check(city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city["admin_a"])
    page = client.get(reverse("duty_admin:safety_checklist"))
    assert page.status_code == 200
    data = {
        "csrfmiddlewaretoken": form_token(page),
        "school": city["a"].pk,
        "date": TODAY.isoformat(),
        "inspector": "学校安全工作领导小组",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-0-item": "消防器材",
        "items-0-ok": "on",
        "items-1-item": "楼道护栏",
        "items-1-problem": "护栏松动",
        "items-1-fix_deadline": (TODAY + datetime.timedelta(days=7)).isoformat(),
        "items-2-item": "",
    }
    assert client.post(reverse("duty_admin:safety_checklist"), data).status_code == 302
    check = SafetyCheck.objects.get()
    assert [(i.item, i.ok) for i in check.items.all()] == [("消防器材", True), ("楼道护栏", False)]
