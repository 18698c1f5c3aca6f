from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from courses.models import HoursEntry, QuizAttempt
from courses.training import selectors as sel
from courses.training import services as svc
from schools.vocab import Role
from tests.factories import make_member

from .factories import RIGHT, WRONG, answers, make_module, quiz_form, quiz_post_data

pytestmark = pytest.mark.django_db


def _open_all(teacher, module):
    for block in module.sections:
        svc.section_complete(teacher=teacher, module=module, section_id=block.id)


def test_quiz_failed_then_passed_credits_once_and_keeps_attempts(home):
    teacher = make_member(Role.TEACHER)
    module = make_module(home, hours="1.5")
    _open_all(teacher, module)

    first = svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [WRONG, WRONG]))
    assert not first.passed and first.score == 0
    assert not HoursEntry.objects.filter(teacher=teacher).exists()

    second = svc.quiz_submit(
        teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT])
    )
    assert second.passed and second.score == 100
    entry = HoursEntry.objects.get(teacher=teacher)
    assert entry.hours == Decimal("1.5") and entry.source == HoursEntry.Source.ONLINE
    assert entry.certificate_code
    assert QuizAttempt.objects.filter(teacher=teacher, module=module).count() == 2

    # A further passing attempt is kept but credits nothing more.
    svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT]))
    assert QuizAttempt.objects.filter(teacher=teacher).count() == 3
    assert HoursEntry.objects.filter(teacher=teacher).count() == 1


def test_passed_quiz_without_every_section_is_not_complete_until_last_section(home):
    teacher = make_member(Role.TEACHER)
    module = make_module(home, sections=2)
    first, last = list(module.sections)
    svc.section_complete(teacher=teacher, module=module, section_id=first.id)
    svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT]))
    assert not HoursEntry.objects.exists()
    with pytest.raises(ValidationError, match="1 个小节没有学习"):
        svc.completion_record(teacher=teacher, module=module)

    svc.section_complete(teacher=teacher, module=module, section_id=last.id)
    assert HoursEntry.objects.filter(teacher=teacher, module=module).count() == 1


def test_unanswered_question_is_refused_and_writes_nothing(home):
    teacher = make_member(Role.TEACHER)
    module = make_module(home)
    first_question = next(iter(module.quiz))
    with pytest.raises(ValidationError, match="第 2 题"):
        svc.quiz_submit(teacher=teacher, module=module, answers={first_question.id: [RIGHT]})
    assert not QuizAttempt.objects.exists()


def test_second_completion_is_refused_by_service_and_database(home):
    teacher = make_member(Role.TEACHER)
    module = make_module(home)
    _open_all(teacher, module)
    svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT]))

    with pytest.raises(ValidationError, match="不能重复认定"):
        svc.completion_record(teacher=teacher, module=module)

    entry = HoursEntry.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        HoursEntry.objects.create(
            teacher=teacher,
            hours=entry.hours,
            source=HoursEntry.Source.ONLINE,
            module=module,
            credit_round=1,
        )
    assert HoursEntry.objects.count() == 1


def test_ledger_is_append_only(home):
    teacher = make_member(Role.TEACHER)
    module = make_module(home)
    _open_all(teacher, module)
    svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT]))
    entry = HoursEntry.objects.get()
    entry.hours = Decimal("99")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        HoursEntry.objects.filter(pk=entry.pk).update(hours=5)
    with pytest.raises(TypeError):
        HoursEntry.objects.all().delete()
    assert HoursEntry.objects.get().hours == Decimal("1.5")


def test_zero_or_negative_credit_is_refused_by_database(home):
    teacher = make_member(Role.TEACHER)
    module = make_module(home)
    for hours in (Decimal("0"), Decimal("-1")):
        with pytest.raises(IntegrityError), transaction.atomic():
            HoursEntry.objects.create(
                teacher=teacher, hours=hours, source=HoursEntry.Source.ONLINE, module=module
            )


def test_reversal_then_recredit(home):
    admin = None
    teacher = make_member(Role.TEACHER)
    school = teacher.memberships.get().school
    admin = make_member(Role.SCHOOL_ADMIN, school=school)
    module = make_module(home, hours="2")
    _open_all(teacher, module)
    svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT]))
    credit = HoursEntry.objects.get()
    year = credit.credited_on.year
    assert sel.hours_of_teacher(teacher=teacher, year=year) == Decimal("2")

    with pytest.raises(ValidationError, match="冲销原因"):
        svc.entry_reverse(entry=credit, user=admin, reason="  ")
    reversal = svc.entry_reverse(entry=credit, user=admin, reason="误登记，教师未实际完成")
    assert reversal.hours == Decimal("-2") and reversal.reverses == credit
    assert sel.hours_of_teacher(teacher=teacher, year=year) == Decimal("0")
    # The original is untouched; reversing twice is refused.
    assert HoursEntry.objects.get(pk=credit.pk).hours == Decimal("2")
    with pytest.raises(ValidationError, match="已经冲销"):
        svc.entry_reverse(entry=credit, user=admin, reason="再次")
    with pytest.raises(ValidationError, match="不能再冲销"):
        svc.entry_reverse(entry=reversal, user=admin, reason="再次")

    # After the reversal the module can be completed and credited again (next round).
    recredit = svc.completion_record(teacher=teacher, module=module)
    assert recredit.credit_round == 2
    assert sel.hours_of_teacher(teacher=teacher, year=year) == Decimal("2")
    with pytest.raises(ValidationError, match="不能重复认定"):
        svc.completion_record(teacher=teacher, module=module)


def test_other_schools_admin_cannot_reverse(home):
    teacher = make_member(Role.TEACHER)
    stranger = make_member(Role.SCHOOL_ADMIN)
    module = make_module(home)
    _open_all(teacher, module)
    svc.quiz_submit(teacher=teacher, module=module, answers=answers(module, [RIGHT, RIGHT]))
    with pytest.raises(ValidationError, match="无权"):
        svc.entry_reverse(entry=HoursEntry.objects.get(), user=stranger, reason="越权")
    assert HoursEntry.objects.count() == 1


def test_learner_flow_through_pages(home):
    client = Client(enforce_csrf_checks=True)
    teacher = make_member(Role.TEACHER)
    module = make_module(home, sections=2)
    client.force_login(teacher)
    assert client.get(module.url).status_code == 200
    page = client.get(f"/me/training/modules/{module.pk}/")
    assert page.status_code == 200 and "已学 0/2 小节" in page.content.decode()
    for block in module.sections:
        url = f"/me/training/modules/{module.pk}/sections/{block.id}/"
        response = client.get(url)
        assert response.status_code == 200
        done = _done_form(response.content.decode())
        response = client.post(done["action"], {"csrfmiddlewaretoken": done["token"]})
        assert response.status_code == 302
    assert "已学 2/2 小节" in client.get(f"/me/training/modules/{module.pk}/").content.decode()
    assert client.get(f"/me/training/modules/{module.pk}/sections/nope/").status_code == 404
    url = f"/me/training/modules/{module.pk}/quiz/"
    form = quiz_form(client.get(url).content.decode())
    failed = client.post(url, quiz_post_data(module, form, [WRONG, WRONG]), follow=True)
    assert "未通过" in failed.content.decode()
    assert not HoursEntry.objects.filter(teacher=teacher).exists()
    form = quiz_form(client.get(url).content.decode())
    passed = client.post(url, quiz_post_data(module, form, [RIGHT, RIGHT]), follow=True)
    body = passed.content.decode()
    assert "恭喜完成本模块" in body
    assert HoursEntry.objects.filter(teacher=teacher).count() == 1


def _done_form(html: str) -> dict:
    """The 完成本节 form of a section page: its action and CSRF token."""
    form = BeautifulSoup(html, "html.parser").find("form", attrs={"method": "post"})
    assert form is not None and "完成本节" in form.get_text()
    token = form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
    return {"action": form["action"], "token": token}


def test_a_section_shows_its_text_not_template_internals(client, home):
    teacher = make_member(Role.TEACHER)
    module = make_module(home, sections=2)
    client.force_login(teacher)
    first = list(module.sections)[0]
    html = client.get(f"/me/training/modules/{module.pk}/sections/{first.id}/").content.decode()
    assert "<h2>第1节</h2>" in html and "内容1" in html
    assert "Block Node" not in html and "<title>第1节 · 培训模块" in html


def test_opening_sections_credits_nothing(client, home):
    """Only 完成本节 counts: a teacher who opens every section and passes the quiz without
    studying has no hours."""
    teacher = make_member(Role.TEACHER)
    module = make_module(home, sections=2)
    client.force_login(teacher)
    for block in module.sections:
        client.get(f"/me/training/modules/{module.pk}/sections/{block.id}/")
    url = f"/me/training/modules/{module.pk}/quiz/"
    form = quiz_form(client.get(url).content.decode())
    assert client.post(url, quiz_post_data(module, form, [RIGHT, RIGHT])).status_code == 302
    assert QuizAttempt.objects.get(teacher=teacher).passed
    assert not HoursEntry.objects.filter(teacher=teacher).exists()
    assert sel.module_progress(teacher=teacher, module=module).opened == 0


def test_marking_a_section_studied_needs_a_post_with_csrf(home):
    client = Client(enforce_csrf_checks=True)
    teacher = make_member(Role.TEACHER)
    module = make_module(home, sections=2)
    client.force_login(teacher)
    first, second = list(module.sections)
    done = f"/me/training/modules/{module.pk}/sections/{first.id}/done/"
    assert client.get(done).status_code == 405
    assert client.post(done).status_code == 403  # no CSRF token
    assert sel.module_progress(teacher=teacher, module=module).opened == 0
    page = client.get(f"/me/training/modules/{module.pk}/sections/{first.id}/")
    form = _done_form(page.content.decode())
    response = client.post(form["action"], {"csrfmiddlewaretoken": form["token"]})
    # On to the next section, which says the first is recorded.
    assert response["Location"] == f"/me/training/modules/{module.pk}/sections/{second.id}/"
    assert "已学完" in client.get(response["Location"]).content.decode()
    assert sel.module_progress(teacher=teacher, module=module).opened == 1
    again = client.get(f"/me/training/modules/{module.pk}/sections/{first.id}/").content.decode()
    assert "本节已记录为学完" in again and "完成本节</button>" not in again
    # The last section leads to the quiz.
    page = client.get(response["Location"])
    form = _done_form(page.content.decode())
    last = client.post(form["action"], {"csrfmiddlewaretoken": form["token"]})
    assert last["Location"] == f"/me/training/modules/{module.pk}/quiz/"
