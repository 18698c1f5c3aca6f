"""The student list's class filter at province size (R-26): a user whose classes lie in
several schools first chooses the school (grouped by township), then that school's classes;
a class outside the user's classes, or of another school than the chosen one, is refused."""

import re

import pytest
from django.urls import reverse

from schools.admin_views.filters import StudentFilterSet
from schools.models import Student
from schools.vocab import Role
from tests.factories import SchoolClassFactory, SchoolFactory, StudentFactory, make_member

URL = "schools_student:index"


def _select(html: str, name: str) -> str:
    found = re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S)
    assert found, name
    return found.group(0)


def _options(select: str) -> list[str]:
    return re.findall(r'<option value="(\d+)"', select)


@pytest.fixture
def two_schools(world):
    """School A's psychology teacher also teaches at school B (another township)."""
    world.psych = world.users["psych_teacher"]
    make_member(Role.PSYCH_TEACHER, world.b, user=world.psych)
    return world


def test_one_school_sees_its_classes_directly(client, world):
    client.force_login(world.users["school_admin"])
    html = client.get(reverse(URL)).content.decode()
    assert 'name="school"' not in html
    classes = _options(_select(html, "school_class"))
    assert set(classes) == {str(c.pk) for c in (world.a7, world.a8)}
    assert ">七年级（1）班</option>" in html  # the school's name is not repeated


def test_several_schools_choose_the_school_first(client, two_schools):
    w = two_schools
    client.force_login(w.psych)
    html = client.get(reverse(URL)).content.decode()
    klass = _select(html, "school_class")
    assert "disabled" in klass and "先选择学校" in klass and _options(klass) == []
    school = _select(html, "school")
    assert '<optgroup label="东城街道">' in school and '<optgroup label="西山镇">' in school
    assert set(_options(school)) == {str(w.a.pk), str(w.b.pk)}
    assert "onchange" in school  # choosing a school reloads the form with its classes

    html = client.get(reverse(URL), {"school": w.b.pk}).content.decode()
    assert _options(_select(html, "school_class")) == [str(w.b7.pk)]
    assert w.b7_student.name in html and w.a7_student.name not in html


def test_a_class_of_another_school_is_refused(client, two_schools):
    w = two_schools
    client.force_login(w.psych)
    response = client.get(reverse(URL), {"school": w.a.pk, "school_class": w.b7.pk})
    assert response.status_code == 200
    html = response.content.decode()
    klass = _select(html, "school_class")
    assert str(w.b7.pk) not in _options(klass) and "selected" not in klass
    assert "选择一个有效的选项" in html  # the field says why
    # A class named alone brings its school (an old link), if it is one of the user's.
    html = client.get(reverse(URL), {"school_class": w.b7.pk}).content.decode()
    assert f'<option value="{w.b7.pk}" selected' in html
    assert w.b7_student.name in html and w.a7_student.name not in html


def test_a_class_outside_the_scope_is_refused_not_an_error(client, world):
    elsewhere = SchoolClassFactory(school=SchoolFactory())
    StudentFactory(school_class=elsewhere, name="外校学生")
    client.force_login(world.users["school_admin"])
    response = client.get(reverse(URL), {"school_class": world.b7.pk})
    assert response.status_code == 200
    assert world.b7_student.name not in response.content.decode()
    response = client.get(reverse(URL), {"school_class": elsewhere.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "外校学生" not in html and str(elsewhere.pk) not in _options(
        _select(html, "school_class")
    )
    assert "选择一个有效的选项" in html
    response = client.get(reverse(URL), {"school_class": "x"})
    assert response.status_code == 200


def test_bureau_chooses_among_schools_grouped_by_township(rf, world):
    """The bureau reads the classes of every school: a thousand schools become a select
    grouped by township, and no class is offered before a school is chosen."""
    for n in range(6):
        school = SchoolFactory(township=f"第{n % 3 + 1}镇")
        SchoolClassFactory.create_batch(4, school=school)
    request = rf.get("/")
    request.user = world.users["bureau_admin"]
    form = StudentFilterSet(request.GET, queryset=Student.objects.none(), request=request).form
    html = str(form["school"]) + str(form["school_class"])
    assert html.count("<optgroup") == 5  # 东城街道, 西山镇 and 第1–3镇
    assert len(_options(str(form["school"]))) == 8
    assert _options(str(form["school_class"])) == [] and "先选择学校" in html
    request = rf.get("/", {"school": school.pk})
    request.user = world.users["bureau_admin"]
    form = StudentFilterSet(request.GET, queryset=Student.objects.none(), request=request).form
    assert len(_options(str(form["school_class"]))) == 4
