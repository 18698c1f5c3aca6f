"""Every role's reach into the schools back office: listings, single records, changes."""

import pytest
from django.urls import reverse

from schools.models import AccessLog, Facility, Membership, School, SchoolClass, Student

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    "bureau_admin",
    "bureau_auditor",
    "school_admin",
    "school_leader",
    "psych_teacher",
    "grade_leader",
    "class_teacher",
    "teacher",
]
BUREAU = {"bureau_admin", "bureau_auditor"}
SCHOOL_WIDE = {"school_admin", "school_leader", "psych_teacher"}


def _objects(w):
    """viewset name → {label: object} with labels that appear in the listing rows."""
    return {
        "schools_school": {"甲校": w.a, "乙校": w.b},
        "schools_facility": {"甲校": w.a_facility, "乙校": w.b_facility},
        "schools_class": {"甲校 七年级": w.a7, "甲校 八年级": w.a8, "乙校 七年级": w.b7},
        "schools_student": {
            "甲七学生": w.a7_student,
            "甲八学生": w.a8_student,
            "乙七学生": w.b7_student,
        },
    }


def _expected(viewset, role):
    """The labels a role reads in a viewset's listing; None means no entry at all."""
    if role == "teacher":
        return None
    everything = set(
        {
            "schools_school": ["甲校", "乙校"],
            "schools_facility": ["甲校", "乙校"],
            "schools_class": ["甲校 七年级", "甲校 八年级", "乙校 七年级"],
            "schools_student": ["甲七学生", "甲八学生", "乙七学生"],
        }[viewset]
    )
    if role in BUREAU:
        # The bureau manages schools, not children: students only as counts.
        return None if viewset == "schools_student" else everything
    if viewset in ("schools_school", "schools_facility"):
        return {"甲校"} if role in SCHOOL_WIDE else None
    if viewset == "schools_class":
        return {"甲校 七年级", "甲校 八年级"} if role in SCHOOL_WIDE else {"甲校 七年级"}
    return {"甲七学生", "甲八学生"} if role in SCHOOL_WIDE else {"甲七学生"}


def _listing_labels(viewset, content):
    if viewset == "schools_class":
        rows = [
            ("甲校 七年级", "甲校", "七年级（1）班"),
            ("甲校 八年级", "甲校", "八年级（1）班"),
            ("乙校 七年级", "乙校", "七年级（1）班"),
        ]
        seen = set()
        for label, school, name in rows:
            if school in content and name in content:
                seen.add(label)
        # 七年级（1）班 exists at both schools: tell them apart by the school column.
        if "乙校" not in content:
            seen.discard("乙校 七年级")
        if "甲校" not in content:
            seen -= {"甲校 七年级", "甲校 八年级"}
        return seen
    return {label for label in _objects_labels(viewset) if label in content}


def _objects_labels(viewset):
    return {
        "schools_school": ["甲校", "乙校"],
        "schools_facility": ["甲校", "乙校"],
        "schools_student": ["甲七学生", "甲八学生", "乙七学生"],
    }[viewset]


def _assert_denied(response):
    """A user without the action at all: a 403 page that says so, logged as denied.

    Someone with no back office at all (a plain teacher) is stopped earlier by Wagtail's own
    gate, which sends them to the admin login; the dashboard redirect is never the answer.
    """
    if response.status_code == 302:
        assert response.url.startswith(reverse("wagtailadmin_login")), response.url
        return
    assert response.status_code == 403, response.status_code
    assert "无权访问" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    line = AccessLog.objects.filter(allowed=False).latest("at")
    assert line.action.endswith("denied") and line.path == response.wsgi_request.path


VIEWSETS = ["schools_school", "schools_facility", "schools_class", "schools_student"]


@pytest.mark.parametrize("viewset", VIEWSETS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_listing_holds_only_rows_in_scope(world, login, viewset, role):
    client = login(world.users[role])
    response = client.get(reverse(f"{viewset}:index"))
    expected = _expected(viewset, role)
    if expected is None:
        _assert_denied(response)
        content = response.content.decode()
        assert "乙校" not in content and "乙七学生" not in content
        return
    assert response.status_code == 200
    assert _listing_labels(viewset, response.content.decode()) == expected


@pytest.mark.parametrize("viewset", VIEWSETS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_single_records_in_scope_open_and_others_are_logged_404s(world, login, viewset, role):
    client = login(world.users[role])
    expected = _expected(viewset, role) or set()
    for label, obj in _objects(world)[viewset].items():
        url = reverse(f"{viewset}:inspect", args=[obj.pk])
        before = AccessLog.objects.filter(allowed=False).count()
        response = client.get(url)
        if label in expected:
            assert response.status_code == 200, (label, url)
        elif role == "teacher":
            # No back office at all: sent to the login before any record is looked up.
            assert response.status_code == 302
            assert response.url.startswith(reverse("wagtailadmin_login"))
        elif _expected(viewset, role) is None:
            # No read action on this kind of record at all: the same logged 403 for every id,
            # so it tells nothing about which records exist.
            _assert_denied(response)
            _assert_denied(client.get(reverse(f"{viewset}:inspect", args=[987654])))
            assert "乙" not in response.content.decode()
        else:
            assert response.status_code == 404, (label, url)
            assert AccessLog.objects.filter(allowed=False).count() == before + 1
            line = AccessLog.objects.filter(allowed=False).latest("at")
            assert line.user == world.users[role]
            assert line.object_id == str(obj.pk)
            assert str(obj) not in response.content.decode()


def test_teacher_cannot_enter_back_office(world, login):
    client = login(world.users["teacher"])
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 302
    assert "学校管理" not in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    "viewset,getter",
    [
        ("schools_school", lambda w: w.b),
        ("schools_facility", lambda w: w.b_facility),
        ("schools_class", lambda w: w.b7),
        ("schools_student", lambda w: w.b7_student),
    ],
)
def test_school_admin_cannot_edit_or_delete_another_schools_records(world, login, viewset, getter):
    client = login(world.users["school_admin"])
    obj = getter(world)
    for action in ("edit", "delete"):
        # School admins delete no school at all (a 403); other records: not in scope (a 404).
        status = 403 if (viewset, action) == ("schools_school", "delete") else 404
        response = client.get(reverse(f"{viewset}:{action}", args=[obj.pk]))
        assert response.status_code == status
        response = client.post(reverse(f"{viewset}:{action}", args=[obj.pk]), {"name": "改名"})
        assert response.status_code == status
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert AccessLog.objects.filter(allowed=False, object_id=str(obj.pk)).count() == 4


@pytest.mark.parametrize(
    "viewset,getter",
    [
        ("schools_school", lambda w: w.a),
        ("schools_facility", lambda w: w.a_facility),
        ("schools_class", lambda w: w.a7),
        ("schools_staff", lambda w: Membership.objects.filter(school=w.a).first()),
    ],
)
def test_auditor_reads_but_cannot_change(world, login, viewset, getter):
    client = login(world.users["bureau_auditor"])
    obj = getter(world)
    assert client.get(reverse(f"{viewset}:index")).status_code == 200
    # No change action at all: a 403, logged as denied.
    for url in (
        reverse(f"{viewset}:edit", args=[obj.pk]),
        reverse(f"{viewset}:delete", args=[obj.pk]),
        reverse(f"{viewset}:add"),
    ):
        _assert_denied(client.get(url))
        _assert_denied(client.post(url, {"name": "改名"}))
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert AccessLog.objects.filter(allowed=False).count() == 6


@pytest.mark.parametrize(
    "role", ["school_leader", "psych_teacher", "grade_leader", "class_teacher"]
)
def test_readers_cannot_change_students(world, login, role):
    client = login(world.users[role])
    student = world.a7_student
    _assert_denied(client.get(reverse("schools_student:edit", args=[student.pk])))
    _assert_denied(client.get(reverse("schools_student:add")))
    _assert_denied(client.post(reverse("schools_student:delete", args=[student.pk])))
    assert Student.objects.filter(pk=student.pk).exists()


def test_school_admin_edits_own_school_contacts_but_not_its_identity(world, login):
    client = login(world.users["school_admin"])
    url = reverse("schools_school:edit", args=[world.a.pk])
    response = client.post(
        url,
        {
            "name": "改名学校",
            "code": "ZZZ",
            "kind": "senior",
            "township": "东城街道",
            "address": "人民路 1 号",
            "counselling_hotline": "0571-1234567",
            "counselling_mailbox": "信箱",
        },
    )
    assert response.status_code == 302
    world.a.refresh_from_db()
    assert world.a.address == "人民路 1 号"
    assert (world.a.name, world.a.code) == ("甲校", "A001")
    _assert_denied(client.get(reverse("schools_school:add")))
    _assert_denied(client.post(reverse("schools_school:delete", args=[world.a.pk])))
    assert School.objects.filter(pk=world.a.pk).exists()


def test_school_admin_adds_class_only_at_own_school(world, login):
    client = login(world.users["school_admin"])
    url = reverse("schools_class:add")
    form = client.get(url).content.decode()
    assert "乙校" not in form
    response = client.post(url, {"school": world.b.pk, "grade": 21, "name": "七年级（9）班"})
    assert response.status_code == 200  # the form again, with an error
    assert not SchoolClass.objects.filter(name="七年级（9）班").exists()
    response = client.post(url, {"school": world.a.pk, "grade": 21, "name": "七年级（9）班"})
    assert response.status_code == 302
    assert SchoolClass.objects.get(name="七年级（9）班").school == world.a


def test_class_form_offers_only_own_staff_as_head_teacher(world, login):
    client = login(world.users["school_admin"])
    content = client.get(reverse("schools_class:edit", args=[world.a7.pk])).content.decode()
    b_admin = world.users["b_admin"]
    assert f'value="{b_admin.pk}"' not in content
    assert f'value="{world.a_head.pk}"' in content


def test_student_form_limits_classes_and_checks_number(world, login):
    client = login(world.users["school_admin"])
    url = reverse("schools_student:add")
    data = {
        "school_class": world.b7.pk,
        "student_number": "X1",
        "name": "新生",
        "gender": "M",
        "birth_date": "2013-05-01",
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 200
    assert not Student.objects.filter(name="新生").exists()
    data["school_class"] = world.a7.pk
    data["student_number"] = world.a8_student.student_number
    response = client.post(url, data)
    assert "本校已有相同学号的学生" in response.content.decode()
    data["student_number"] = "X1"
    assert client.post(url, data).status_code == 302
    student = Student.objects.get(name="新生")
    assert student.school == world.a


def test_every_view_of_a_student_is_logged(world, login):
    client = login(world.users["psych_teacher"])
    student = world.a7_student
    client.get(reverse("schools_student:inspect", args=[student.pk]))
    line = AccessLog.objects.get(allowed=True, object_type="schools.student")
    assert (line.user, line.object_id, line.school) == (
        world.users["psych_teacher"],
        str(student.pk),
        world.a,
    )
    admin = login(world.users["school_admin"])
    admin.get(reverse("schools_student:edit", args=[student.pk]))
    assert AccessLog.objects.filter(allowed=True, object_type="schools.student").count() == 2
    assert "甲七学生" not in "".join(str(x) for x in AccessLog.objects.values_list())


def test_grade_leader_denied_listing_is_logged(world, login):
    client = login(world.users["grade_leader"])
    _assert_denied(client.get(reverse("schools_school:index")))
    assert AccessLog.objects.filter(allowed=False, object_type="schools.school").exists()


def test_facility_other_school_hidden(world, login):
    client = login(world.users["psych_teacher"])
    content = client.get(reverse("schools_facility:index")).content.decode()
    assert "乙校" not in content
    assert Facility.objects.count() == 2


# Session, user, permissions, memberships, count, classes (filter choices), students page,
# Wagtail's own lookups and the admin menu (each app's menu items check the user's roles):
# a constant, whatever the number of students (see the growth test below).
BUDGET = 23


@pytest.mark.parametrize("count", [5, 50])
def test_student_list_query_budget(world, login, django_assert_max_num_queries, count):
    from tests.factories import StudentFactory

    for _ in range(count):
        StudentFactory(school_class=world.a8)
    client = login(world.users["school_admin"])
    client.get(reverse("schools_student:index"))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(BUDGET):
        response = client.get(reverse("schools_student:index"))
    assert response.status_code == 200


def test_student_list_queries_do_not_grow_with_rows(world, login, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import StudentFactory

    client = login(world.users["school_admin"])
    url = reverse("schools_student:index")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(45):
        StudentFactory(school_class=world.a8)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_deleting_a_class_with_students_is_refused_with_a_message(world, login):
    from django.contrib.messages import get_messages

    client = login(world.users["school_admin"])
    response = client.post(reverse("schools_class:delete", args=[world.a7.pk]))
    assert response.status_code == 302
    assert SchoolClass.objects.filter(pk=world.a7.pk).exists()
    assert Student.objects.filter(pk=world.a7_student.pk).exists()
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("不能删除" in t for t in texts), texts
    empty = SchoolClass.objects.create(school=world.a, grade=21, name="七年级（8）班")
    client.post(reverse("schools_class:delete", args=[empty.pk]))
    assert not SchoolClass.objects.filter(pk=empty.pk).exists()


@pytest.mark.parametrize("view", ["edit", "delete", "history"])
def test_reader_without_the_action_gets_a_logged_403_before_any_lookup(world, login, view):
    """A psychology teacher reads students but changes none: every change view is a 403,
    the same for a student of another school, and the log line names the view and the id."""
    client = login(world.users["psych_teacher"])
    for student in (world.a7_student, world.b7_student):
        response = client.get(reverse(f"schools_student:{view}", args=[student.pk]))
        _assert_denied(response)
        assert "甲七学生" not in response.content.decode()
        assert "乙七学生" not in response.content.decode()
        line = AccessLog.objects.filter(allowed=False).latest("at")
        assert (line.object_type, line.object_id) == ("schools.student", str(student.pk))
        assert line.user == world.users["psych_teacher"]
    assert not AccessLog.objects.filter(allowed=True, object_type="schools.student").exists()


def test_wagtail_pages_keep_wagtails_own_answer(world, login, home):
    """Only the scoped back office answers 403: Wagtail's page editor keeps its behaviour
    (a redirect to the dashboard with its message) for someone without page permissions."""
    client = login(world.users["psych_teacher"])
    response = client.get(reverse("wagtailadmin_pages:edit", args=[home.pk]))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")
