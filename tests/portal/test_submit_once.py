"""A create form submitted twice stores once (``portal.idempotency``).

Each form is driven as a browser would: the page is fetched with CSRF checks on, and the
CSRF token and the one-time submit key are taken from its HTML. The second submit with the
same key is sent to the first result and writes nothing.
"""

import datetime
import threading

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import ExternalTraining, LessonRecord
from duty.models import IncidentReport
from portal import idempotency
from portal.models import SubmitToken
from schools.models import AccessLog, Membership
from schools.vocab import Grade, Role
from screening.models import ScreeningResult, ScreeningRound
from tests.csrf import hidden_fields
from tests.factories import SchoolClassFactory, SchoolFactory, StudentFactory, make_member
from tests.screening.factories import make_round, phq9

TODAY = timezone.localdate()
REPEATED = "没有重复保存"


def _browser(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _incident_data(school):
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {
        "school": school.pk,
        "category": "accident",
        "occurred_at": (now - datetime.timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"),
        "discovered_at": (now - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
        "place": "操场",
        "first_facts": "一名学生跑步时摔倒，膝盖擦伤，已送校医室处理并通知家长。",
        "student_numbers": "",
        "public_opinion_note": "",
    }


class Case:
    """One create form: who fills it, where, with what, and what it stores."""

    def __init__(self, *, user, url, data, stored, result_url=None):
        self.user, self.url, self.data, self.stored = user, url, data, stored
        self.result_url = result_url


def _lesson_case():
    school = SchoolFactory(name="青禾实验学校")
    klass = SchoolClassFactory(school=school, grade=Grade.J1, name="七年级（1）班")
    return Case(
        user=make_member(Role.TEACHER, school=school),
        url=reverse("lessons:new"),
        data=lambda: {
            "school_class": klass.pk,
            "taught_on": TODAY.isoformat(),
            "topic": "学会求助",
            "periods": "1",
        },
        stored=LessonRecord.objects.count,
        result_url=reverse("lessons:mine"),
    )


def _external_case():
    school = SchoolFactory()
    return Case(
        user=make_member(Role.TEACHER, school=school),
        url=reverse("training:external_new"),
        data=lambda: {
            "title": "中小学心理健康教育专题研修",
            "provider": "国家智慧教育公共服务平台",
            "completed_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
            "hours": "4",
            "evidence": SimpleUploadedFile("cert.pdf", b"%PDF-1.4 test", "application/pdf"),
        },
        stored=ExternalTraining.objects.count,
        result_url=reverse("training:overview"),
    )


def _my_incident_case():
    school = SchoolFactory()
    return Case(
        user=make_member(Role.TEACHER, school=school),
        url=reverse("duty:my_incident_new"),
        data=lambda: _incident_data(school),
        stored=IncidentReport.objects.count,
        result_url=reverse("duty:my_incidents"),
    )


def _admin_incident_case():
    school = SchoolFactory()
    return Case(
        user=make_member(Role.SCHOOL_LEADER, school=school),
        url=reverse("duty_admin:incident_create"),
        data=lambda: _incident_data(school),
        stored=IncidentReport.objects.count,
    )


def _result_case():
    school = SchoolFactory()
    klass = SchoolClassFactory(school=school, grade=Grade.J1)
    student = StudentFactory(school_class=klass)
    rnd = make_round(school)
    instrument = phq9()
    return Case(
        user=make_member(Role.PSYCH_TEACHER, school=school),
        url=reverse("screening:result_enter", args=[rnd.pk]),
        data=lambda: {
            "instrument": instrument.pk,
            "student_number": student.student_number,
            **{f"item_{n}": "1" for n in range(1, 10)},
        },
        stored=ScreeningResult.objects.count,
    )


def _consent_case():
    school = SchoolFactory()
    klass = SchoolClassFactory(school=school, grade=Grade.J1)
    student = StudentFactory(school_class=klass, birth_date=datetime.date(2013, 6, 1))
    rnd = make_round(school, basis=ScreeningRound.Basis.CONSENT)
    return Case(
        user=make_member(Role.PSYCH_TEACHER, school=school),
        url=reverse("screening:consent_student", args=[rnd.pk, student.pk]),
        data=lambda: {
            "status": "given",
            "decided_on": (TODAY - datetime.timedelta(days=2)).isoformat(),
            "guardian_name": "林国华",
            "relationship": "father",
            "method": "in_person",
            "note": "",
        },
        # A consent is one row per student and round: a second write would change it again
        # (and log a second "consent-record").
        stored=lambda: AccessLog.objects.filter(action="consent-record").count(),
    )


def _admin_lesson_case():
    school = SchoolFactory(name="青禾实验学校")
    klass = SchoolClassFactory(school=school, grade=Grade.J1, name="七年级（1）班")
    return Case(
        user=make_member(Role.PSYCH_TEACHER, school=school),
        url=reverse("lesson_records:add"),
        data=lambda: {
            "school_class": klass.pk,
            "taught_on": TODAY.isoformat(),
            "topic": "学会求助",
            "periods": "1",
        },
        stored=LessonRecord.objects.count,
        result_url=reverse("lesson_records:index"),
    )


def _admin_staff_case():
    school = SchoolFactory()
    return Case(
        user=make_member(Role.SCHOOL_ADMIN, school=school),
        url=reverse("schools_staff:add"),
        data=lambda: {
            "school": school.pk,
            "username": "new_teacher",
            "real_name": "新老师",
            "phone": "",
            "role": Role.TEACHER,
            "active_from": TODAY.isoformat(),
        },
        stored=lambda: Membership.objects.filter(user__username="new_teacher").count(),
    )


CASES = {
    "lesson": _lesson_case,
    "admin-lesson": _admin_lesson_case,
    "admin-staff": _admin_staff_case,
    "external-training": _external_case,
    "my-incident": _my_incident_case,
    "admin-incident": _admin_incident_case,
    "screening-result": _result_case,
    "consent": _consent_case,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(CASES))
def test_the_same_form_submitted_twice_stores_once(name):
    case = CASES[name]()
    client = _browser(case.user)
    page = client.get(case.url)
    assert page.status_code == 200
    hidden = hidden_fields(page)
    assert hidden.get("csrfmiddlewaretoken") and hidden.get(idempotency.FIELD)
    first = client.post(case.url, {**hidden, **case.data()})
    assert first.status_code == 302, first.content.decode()[:2000]
    assert case.stored() == 1
    if case.result_url:
        assert first["Location"] == case.result_url
    second = client.post(case.url, {**hidden, **case.data()})
    assert second.status_code == 302
    assert second["Location"] == first["Location"]  # the first result
    assert case.stored() == 1
    shown = client.get(second["Location"]).content.decode()
    assert REPEATED in shown
    # A new rendering of the form has a new key: the next submit is a new record.
    assert hidden_fields(client.get(case.url))[idempotency.FIELD] != hidden[idempotency.FIELD]
    assert SubmitToken.objects.count() == 1


@pytest.mark.django_db
def test_a_form_error_keeps_the_key_for_the_corrected_form():
    case = _lesson_case()
    client = _browser(case.user)
    hidden = hidden_fields(client.get(case.url))
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    refused = client.post(case.url, {**hidden, **case.data(), "taught_on": future})
    assert refused.status_code == 400
    assert "授课日期不能晚于今天" in refused.content.decode()
    assert hidden_fields(refused)[idempotency.FIELD] == hidden[idempotency.FIELD]
    assert not SubmitToken.objects.exists()
    assert client.post(case.url, {**hidden, **case.data()}).status_code == 302
    assert client.post(case.url, {**hidden, **case.data()}).status_code == 302
    assert LessonRecord.objects.count() == 1


@pytest.mark.django_db
def test_a_key_of_another_user_or_form_or_too_old_is_refused(settings):
    case = _lesson_case()
    client = _browser(case.user)
    hidden = hidden_fields(client.get(case.url))
    other = make_member(Role.TEACHER, school=case.user.memberships.get().school)
    other_client = _browser(other)
    other_hidden = hidden_fields(other_client.get(case.url))
    # Another teacher's key in this teacher's form.
    response = client.post(
        case.url, {**hidden, **case.data(), idempotency.FIELD: other_hidden[idempotency.FIELD]}
    )
    assert response.status_code == 400 and "已经失效" in response.content.decode()
    # A key rendered for another form.
    key = signing.TimestampSigner(salt=f"portal.idempotency:duty.incident:{case.user.pk}").sign(
        "abc"
    )
    response = client.post(case.url, {**hidden, **case.data(), idempotency.FIELD: key})
    assert response.status_code == 400
    assert not LessonRecord.objects.exists()
    # A key older than it may be.
    old = signing.TimestampSigner(salt=f"portal.idempotency:lessons.new:{case.user.pk}")
    with pytest.MonkeyPatch.context() as patch:
        past = timezone.now() - idempotency.KEY_MAX_AGE - datetime.timedelta(minutes=1)
        patch.setattr(signing.time, "time", lambda: past.timestamp())
        stale = old.sign("old-key")
    response = client.post(case.url, {**hidden, **case.data(), idempotency.FIELD: stale})
    assert response.status_code == 400 and "已经失效" in response.content.decode()
    fresh = hidden_fields(response)[idempotency.FIELD]
    assert fresh != stale
    assert (
        client.post(case.url, {**hidden, **case.data(), idempotency.FIELD: fresh}).status_code
        == 302
    )
    assert LessonRecord.objects.count() == 1


@pytest.mark.django_db
def test_old_claims_are_pruned(settings):
    case = _lesson_case()
    stale = SubmitToken.objects.create(key="old", form="lessons.new", url="/")
    SubmitToken.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - idempotency.KEEP - datetime.timedelta(hours=1)
    )
    client = _browser(case.user)
    hidden = hidden_fields(client.get(case.url))
    assert client.post(case.url, {**hidden, **case.data()}).status_code == 302
    assert list(SubmitToken.objects.values_list("form", flat=True)) == ["lessons.new"]
    assert not SubmitToken.objects.filter(key="old").exists()


def _race(case, *, pairs, vary):
    """``pairs`` times: fetch the form, then two submits of it at the same moment (one
    browser, same cookies, same key). Returns ``[(status, location)]`` of every submit."""
    seen = []
    for n in range(pairs):
        client = _browser(case.user)
        hidden = hidden_fields(client.get(case.url))
        data = {**hidden, **case.data(), **vary(n)}
        barrier = threading.Barrier(2)

        def submit(client=client, data=data, barrier=barrier):
            twin = Client(enforce_csrf_checks=True)
            twin.cookies = client.cookies
            try:
                barrier.wait()
                response = twin.post(case.url, data)
                seen.append((response.status_code, response.get("Location")))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return seen


RACES = {
    "lesson": lambda n: {"topic": f"学会求助（{n}）"},
    "my-incident": lambda n: {"place": f"操场{n}号区域"},
}
PAIRS = 20


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(RACES))
def test_two_submits_at_the_same_moment_store_once(name):
    if connections["default"].vendor != "postgresql":
        # The SQLite test database lives in memory with a shared cache, whose table locks
        # fail at once instead of waiting; the same path is taken one step at a time below.
        pytest.skip("real concurrency needs PostgreSQL (the SQLite test DB is in memory)")
    case = CASES[name]()
    seen = _race(case, pairs=PAIRS, vary=RACES[name])
    assert case.stored() == PAIRS
    assert len(seen) == 2 * PAIRS
    assert {status for status, _ in seen} == {302}
    assert SubmitToken.objects.count() == PAIRS


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(RACES))
def test_a_submit_arriving_while_the_first_is_writing_is_sent_to_its_result(name, monkeypatch):
    """The second submit checked before the first had committed (so found nothing), then
    its claim meets the first one's: it is sent to the first result, nothing stored."""
    case = CASES[name]()
    client = _browser(case.user)
    hidden = hidden_fields(client.get(case.url))
    first = client.post(case.url, {**hidden, **case.data()})
    assert first.status_code == 302
    monkeypatch.setattr(idempotency, "submitted_before", lambda request, form: None)
    second = client.post(case.url, {**hidden, **case.data()})
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert case.stored() == 1
    assert REPEATED in client.get(second["Location"]).content.decode()
