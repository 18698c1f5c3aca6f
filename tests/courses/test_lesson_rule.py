"""Curriculum coverage against the bureau's own rule (本局规定): a setting the bureau edits,
with 中小学 and kindergartens measured apart (the source sets no frequency)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from courses.lessons.selectors import lesson_coverage_by_school, lesson_rule, lessons_expected
from courses.lessons.services import lesson_rule_set
from courses.models import LessonRecord, LessonRule
from courses.report_figures import _coverage_extra, build_curriculum_panel
from oversight.figures import figure_get
from schools.calendar import Period
from schools.vocab import Grade, Role, SchoolKind
from tests.csrf import form_token
from tests.factories import SchoolClassFactory, SchoolFactory, make_member

START = datetime.date(2025, 9, 1)
AS_OF = datetime.date(2025, 12, 14)  # 105 term days, in the past
PERIOD = Period(START, AS_OF)


def _rule_form(**values):
    data = {
        "interval_days": 14,
        "periods": 1,
        "kindergarten_interval_days": 14,
        "kindergarten_periods": 1,
    }
    data.update(values)
    return data


def test_the_default_rule_is_one_lesson_every_two_weeks_for_both_groups(db):
    rule = lesson_rule()
    assert rule.text(kindergarten=False) == rule.text(kindergarten=True) == "每两周 1 节"
    assert lessons_expected(start=START, as_of=AS_OF) == 105 // 14 == 7


def test_bureau_admin_sets_the_rule_through_the_form(db):
    admin = make_member(Role.BUREAU_ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    page = client.get(reverse("lessons_admin:rule"))
    assert page.status_code == 200
    assert "本局规定" in page.content.decode() and "未规定开课频次" in page.content.decode()
    token = form_token(page)
    bad = client.post(
        reverse("lessons_admin:rule"), {**_rule_form(interval_days=0), "csrfmiddlewaretoken": token}
    )
    assert bad.status_code == 400 and not LessonRule.objects.exists()
    response = client.post(
        reverse("lessons_admin:rule"),
        {**_rule_form(interval_days=7, kindergarten_periods=2), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200 and "已保存" in response.content.decode()
    rule = lesson_rule()
    assert (rule.updated_by, rule.text(kindergarten=False)) == (admin, "每周 1 节")
    assert rule.text(kindergarten=True) == "每两周 2 节"
    # The rule drives the expectation: weekly → 105 // 7 = 15; kindergartens 2 × 7 = 14.
    assert lessons_expected(start=START, as_of=AS_OF) == 15
    assert lessons_expected(start=START, as_of=AS_OF, kindergarten=True) == 14


@pytest.mark.parametrize("role", [Role.SCHOOL_ADMIN, Role.PSYCH_TEACHER, Role.BUREAU_AUDITOR])
def test_only_the_bureau_admin_may_set_the_rule(db, role):
    school = SchoolFactory()
    user = make_member(role, school=None if role == Role.BUREAU_AUDITOR else school)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(reverse("lessons_admin:rule")).status_code == 403
    with pytest.raises(ValidationError):
        lesson_rule_set(
            by=user,
            interval_days=7,
            periods=1,
            kindergarten_interval_days=7,
            kindergarten_periods=1,
        )
    assert not LessonRule.objects.exists()


def _taught(klass, n):
    for i in range(n):
        LessonRecord.objects.create(
            school=klass.school,
            school_class=klass,
            taught_on=START + datetime.timedelta(days=i),
            topic=f"第{i + 1}课",
            periods=1,
        )


def test_kindergartens_are_measured_apart_from_the_schools(db):
    lesson_rule_set(
        by=make_member(Role.BUREAU_ADMIN),
        interval_days=14,
        periods=1,
        kindergarten_interval_days=21,
        kindergarten_periods=1,
    )
    junior = SchoolFactory(kind=SchoolKind.JUNIOR, name="一中")
    kg = SchoolFactory(kind=SchoolKind.KINDERGARTEN, name="一幼")
    j1 = SchoolClassFactory(school=junior, grade=Grade.J1, name="七（1）")
    j2 = SchoolClassFactory(school=junior, grade=Grade.J1, name="七（2）")
    k1 = SchoolClassFactory(school=kg, grade=Grade.K1, name="小一班")
    k2 = SchoolClassFactory(school=kg, grade=Grade.K2, name="中一班")
    # 中小学 need 105 // 14 = 7; kindergartens 105 // 21 = 5.
    _taught(j1, 7)
    _taught(j2, 5)
    _taught(k1, 5)
    _taught(k2, 4)
    coverage = lesson_coverage_by_school(school_ids=[junior.pk, kg.pk], start=START, as_of=AS_OF)
    assert (coverage[junior.pk].classes, coverage[junior.pk].covered) == (2, 1)
    assert (coverage[kg.pk].kg_classes, coverage[kg.pk].kg_covered) == (2, 1)
    schools = [junior, kg]
    values = {
        "curriculum_coverage": figure_get("curriculum_coverage").compute_many(
            schools=schools, period=PERIOD
        )
    }
    extra = _coverage_extra(user=None, schools=schools, period=PERIOD)
    panel = build_curriculum_panel(schools=schools, values=values, period=PERIOD, extra=extra)
    rows = {row[0]: row[1:] for row in panel.chart_rows}
    assert rows["中小学"] == ["每两周 1 节", 7, 2, 1, "50%"]
    assert rows["幼儿园"] == ["每三周 1 节", 5, 2, 1, "50%"]
    assert {row[0]: row[1] for row in panel.school_rows} == {"一中": "中小学", "一幼": "幼儿园"}
    assert "本局规定" in panel.note and "未规定开课频次" in panel.note
