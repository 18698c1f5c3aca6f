"""Writes for teacher training: section views, quizzes, registrations, attendance, the ledger.

Every function validates first and writes inside a transaction: bad input raises a
``ValidationError`` with a Chinese message naming the row or field, and writes nothing.
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import spreadsheets
from schools import access
from schools.models import Membership
from schools.selectors import memberships_of, schools_managed_by

from ..models import (
    ExternalTraining,
    HoursEntry,
    HoursTarget,
    QuizAttempt,
    SectionView,
    SessionRegistration,
    TrainingModulePage,
    TrainingSession,
)
from .selectors import live_credit, module_progress, quiz_paper, quiz_passes


def _notify(*, teacher, kind: str, title: str, body: str = "", link: str = "") -> None:
    """A message in the teacher's learner area (消息), mailed too when they have an address."""
    from accounts.services import notification_send

    notification_send(recipient=teacher, kind=kind, title=title, body=body, link=link)


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def certificate_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def _school_of(*, teacher):
    for m in memberships_of(user=teacher):
        if m.school_id and m.role in access.roles_holding("courses.hours.earn"):
            return m.school
    return None


def _next_round(*, teacher, source, module=None, session=None, external=None) -> int:
    qs = HoursEntry.objects.filter(source=source, reverses__isnull=True)
    if source == HoursEntry.Source.EXTERNAL:
        qs = qs.filter(external=external)
    elif source == HoursEntry.Source.SESSION:
        qs = qs.filter(teacher=teacher, session=session)
    else:
        qs = qs.filter(teacher=teacher, module=module)
    return qs.count() + 1


def credit_check(
    *,
    teacher,
    hours,
    source,
    school=None,
    module=None,
    session=None,
    external=None,
    recorded_by=None,
    credited_on=None,
    certificate=True,
    certificate_code: str | None = None,
) -> HoursEntry:
    """The crediting rule: the unsaved ledger line, or ValidationError. Hours are positive and
    a live credit for the same module or session is refused (the database agrees)."""
    if hours is None or Decimal(hours) <= 0:
        raise ValidationError({"hours": "学时必须大于 0。"})
    if source != HoursEntry.Source.EXTERNAL:
        existing = live_credit(teacher=teacher, module=module, session=session)
        if existing is not None:
            what = session.display_title if session is not None else module.title
            raise ValidationError(
                f"{teacher.real_name or teacher.username} 已获得“{what}”的学时"
                f"（{existing.credited_on}），不能重复认定。"
            )
    return HoursEntry(
        teacher=teacher,
        school=school if school is not None else _school_of(teacher=teacher),
        hours=Decimal(hours),
        source=source,
        module=module,
        session=session,
        external=external,
        credit_round=_next_round(
            teacher=teacher, source=source, module=module, session=session, external=external
        ),
        credited_on=credited_on or timezone.localdate(),
        recorded_by=recorded_by,
        certificate_code=(certificate_code or certificate_code_new()) if certificate else None,
    )


def _credit(*, teacher, hours, source, session=None, module=None, **values) -> HoursEntry:
    """Append one credit (``credit_check``'s rule) and tell the teacher of the certificate."""
    entry = credit_check(
        teacher=teacher, hours=hours, source=source, session=session, module=module, **values
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise ValidationError(
            f"{teacher.real_name or teacher.username} 的这项学时已经登记过，不能重复认定。"
        ) from exc
    if entry.certificate_code:
        what = session.display_title if session is not None else module.title
        _notify(
            teacher=teacher,
            kind="training.certificate",
            title=f"您获得了“{what}”的培训证书",
            body=f"认定 {entry.hours} 学时（{entry.credited_on:%Y-%m-%d}）。证书可打印，"
            f"任何人可凭证书编号 {entry.certificate_code} 查验。",
            link=f"/me/training/certificates/{entry.certificate_code}/",
        )
    return entry


# --- online modules ----------------------------------------------------------------------


def section_complete(*, teacher, module: TrainingModulePage, section_id: str) -> SectionView:
    """The teacher says they have studied one section (the 完成本节 button, a POST).

    Opening a section credits nothing: only this explicit step counts towards the module.
    """
    if section_id not in {block.id for block in module.sections}:
        raise ValidationError("该小节不存在。")
    view, _ = SectionView.objects.get_or_create(
        teacher=teacher, module=module, section_id=section_id
    )
    # The quiz may have been passed before the last section was studied.
    completion_try(teacher=teacher, module=module)
    return view


def quiz_seed_new() -> int:
    """A fresh seed for one attempt's option order (kept in the session until submitted)."""
    return secrets.randbelow(2**48)


def quiz_grade(*, module: TrainingModulePage, answers: dict[str, list[int]]) -> tuple[int, int]:
    """Count questions answered exactly right (the set of chosen options = the correct set).

    ``answers`` name options by their index in the question as edited, never by where an
    attempt showed them (the view maps shown positions back with ``quiz_answers_from_shown``).
    """
    paper = quiz_paper(module=module, seed=None)
    correct = sum(1 for item in paper if {int(i) for i in answers.get(item.id, [])} == item.right)
    return correct, len(paper)


@transaction.atomic
def quiz_submit(
    *, teacher, module: TrainingModulePage, answers: dict, seed: int | None = None
) -> QuizAttempt:
    """Keep the attempt; if it passes and every section was studied, credit the module."""
    if not module.is_online or not len(module.quiz):
        raise ValidationError("该模块没有自测题。")
    paper = quiz_paper(module=module, seed=None)
    kept = {item.id: sorted({int(i) for i in answers.get(item.id) or []}) for item in paper}
    missing = [str(item.number) for item in paper if not kept[item.id]]
    if missing:
        raise ValidationError(f"第 {'、'.join(missing)} 题还没有作答。")
    several = [str(item.number) for item in paper if not item.multiple and len(kept[item.id]) > 1]
    if several:
        raise ValidationError(f"第 {'、'.join(several)} 题是单选题，只能选一个答案。")
    correct, total = quiz_grade(module=module, answers=kept)
    attempt = QuizAttempt.objects.create(
        teacher=teacher,
        module=module,
        answers=kept,
        correct=correct,
        total=total,
        # Rounded down, so the score shown never reaches the pass mark when the attempt
        # does not.
        score=100 * correct // total,
        passed=quiz_passes(correct=correct, total=total, pass_mark=module.pass_mark),
        pass_mark=module.pass_mark,
        seed=seed,
    )
    completion_try(teacher=teacher, module=module)
    return attempt


def completion_try(*, teacher, module: TrainingModulePage) -> HoursEntry | None:
    """Credit the module if it is complete and not yet credited; otherwise nothing."""
    progress = module_progress(teacher=teacher, module=module)
    if progress.completed or not (progress.all_opened and progress.passed):
        return None
    return completion_record(teacher=teacher, module=module)


@transaction.atomic
def completion_record(*, teacher, module: TrainingModulePage, recorded_by=None) -> HoursEntry:
    """Credit an online module: refused unless every section is opened and the quiz passed."""
    progress = module_progress(teacher=teacher, module=module)
    if not progress.all_opened:
        raise ValidationError(f"还有 {progress.total - progress.opened} 个小节没有学习。")
    if not progress.passed:
        raise ValidationError("自测尚未通过。")
    return _credit(
        teacher=teacher,
        hours=module.hours,
        source=HoursEntry.Source.ONLINE,
        module=module,
        recorded_by=recorded_by or teacher,
    )


# --- offline sessions -----------------------------------------------------------------------


def session_add(**values) -> TrainingSession:
    """A new offline session with the model's checks (those of the back-office form)."""
    session = TrainingSession(**values)
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def session_register(*, teacher, session: TrainingSession) -> SessionRegistration:
    if session.starts_at <= timezone.now():
        raise ValidationError("该场次已经开始或结束，不能报名。")
    school_ids = {m.school_id for m in memberships_of(user=teacher) if m.school_id}
    if session.school_id and session.school_id not in school_ids:
        raise ValidationError("该场次仅限本校教师报名。")
    if not school_ids:
        raise ValidationError("您的账户尚未关联学校岗位，不能报名。")
    if SessionRegistration.objects.filter(session=session, teacher=teacher).exists():
        raise ValidationError("您已报名该场次。")
    # Lock the session row while counting so two last-seat registrations cannot both pass.
    TrainingSession.objects.select_for_update().filter(pk=session.pk).first()
    if SessionRegistration.objects.filter(session=session).count() >= session.capacity:
        raise ValidationError("该场次名额已满。")
    registration = SessionRegistration.objects.create(session=session, teacher=teacher)
    starts = timezone.localtime(session.starts_at)
    _notify(
        teacher=teacher,
        kind="training.registration",
        title=f"报名成功：{session.display_title}",
        body=f"时间：{starts:%Y-%m-%d %H:%M}。请按时参加；不能参加时请在开始前取消报名。",
        link="/me/training/sessions/",
    )
    return registration


@transaction.atomic
def session_unregister(*, teacher, session: TrainingSession) -> None:
    if session.starts_at <= timezone.now():
        raise ValidationError("场次已经开始，不能取消报名。")
    SessionRegistration.objects.filter(session=session, teacher=teacher).delete()


def _attendance_school(*, user, session, teacher):
    """The school through which ``user`` may record ``teacher``'s attendance, or None."""
    managed = set(
        access.schools_for(user=user, cap="courses.session.write").values_list("pk", flat=True)
    )
    if session.school_id:
        managed &= {session.school_id}
    for m in (
        Membership.objects.active()
        .filter(user=teacher, school_id__in=managed)
        .filter(role__in=access.roles_holding("courses.hours.earn"))
        .select_related("school")
    ):
        return m.school
    return None


def _attendance_refusal(*, session, teacher, recorded_by):
    """``(school, None)`` when ``recorded_by`` may credit ``teacher`` for ``session`` (through
    that school), else ``(None, reason)``."""
    name = teacher.real_name or teacher.username
    school = _attendance_school(user=recorded_by, session=session, teacher=teacher)
    if school is None:
        return None, f"{name} 不是您所管理学校的在岗教职工，不能为其登记出勤。"
    if live_credit(teacher=teacher, session=session) is not None:
        return None, f"{name} 已登记过该场次的出勤，不能重复认定。"
    return school, None


NOT_STARTED = "场次尚未开始，不能登记出勤。"


def attendance_check(*, session: TrainingSession, teacher, recorded_by):
    """The school through which ``recorded_by`` may credit ``teacher``'s attendance at
    ``session``, or ValidationError (the rule of ``attendance_record``)."""
    if session.starts_at > timezone.now():
        raise ValidationError(NOT_STARTED)
    school, refusal = _attendance_refusal(session=session, teacher=teacher, recorded_by=recorded_by)
    if refusal:
        raise ValidationError(refusal)
    return school


def _attendance_credit(*, session, entries, recorded_by) -> list[HoursEntry]:
    return [
        _credit(
            teacher=teacher,
            school=school,
            hours=session.module.hours,
            source=HoursEntry.Source.SESSION,
            module=session.module,
            session=session,
            recorded_by=recorded_by,
            credited_on=timezone.localdate(session.ends_at),
        )
        for teacher, school in entries
    ]


@transaction.atomic
def attendance_record(*, session: TrainingSession, teachers, recorded_by) -> list[HoursEntry]:
    """Credit each attending teacher the module's hours; all or nothing."""
    if session.starts_at > timezone.now():
        raise ValidationError(NOT_STARTED)
    entries, errors = [], []
    for teacher in teachers:
        school, refusal = _attendance_refusal(
            session=session, teacher=teacher, recorded_by=recorded_by
        )
        if refusal:
            errors.append(refusal)
        else:
            entries.append((teacher, school))
    if errors:
        raise ValidationError(errors)
    return _attendance_credit(session=session, entries=entries, recorded_by=recorded_by)


ATTENDANCE_SCHEMA = spreadsheets.Schema([spreadsheets.Column("用户名", aliases=("账号",))])
NO_TEACHERS = "表格中没有任何教师。"


def attendance_import(*, session: TrainingSession, upload, recorded_by) -> list[HoursEntry]:
    """Attendance from a spreadsheet: a 用户名 column, one teacher a row (rows without one
    are skipped). Every row is checked, then all are credited in one transaction; any
    problem → ``spreadsheets.ImportRejected`` naming each row, and nothing is credited."""
    from accounts.models import User

    if session.starts_at > timezone.now():
        raise spreadsheets.ImportRejected(NOT_STARTED)
    table = spreadsheets.table_read(name=getattr(upload, "name", "") or "", data=upload)
    wanted = [u for u in ATTENDANCE_SCHEMA.column_texts(table, "用户名") if u]
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    seen: dict[int, int] = {}

    def check(number, row):
        username = row["用户名"]
        if not username:
            return None
        user = users.get(username)
        if user is None:
            raise spreadsheets.RowError("用户名", f"找不到用户名为“{username}”的教师。")
        if user.pk in seen:
            raise spreadsheets.RowError("用户名", f"“{username}”与第 {seen[user.pk]} 行重复。")
        seen[user.pk] = number
        school, refusal = _attendance_refusal(
            session=session, teacher=user, recorded_by=recorded_by
        )
        if refusal:
            raise spreadsheets.RowError("用户名", refusal)
        return user, school

    def credit(entries):
        if not entries:
            raise spreadsheets.ImportRejected(NO_TEACHERS)
        return _attendance_credit(session=session, entries=entries, recorded_by=recorded_by)

    with transaction.atomic():  # checked and credited in one transaction, as by hand
        return spreadsheets.rows_run(
            table, ATTENDANCE_SCHEMA, check, no_rows=NO_TEACHERS, write=credit
        )


@transaction.atomic
def credits_add_many(*, entries: list[HoursEntry]) -> int:
    """Save ledger lines already made by ``credit_check`` (a history brought in at once): all
    or none, without the one-by-one certificate messages."""
    HoursEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


# --- external training ---------------------------------------------------------------------


def _hours_value(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"hours": "学时必须是数字，例如 1.5。"}) from None
    if hours <= 0:
        raise ValidationError({"hours": "学时必须大于 0。"})
    if hours > 200:
        raise ValidationError({"hours": "单次申报学时不能超过 200。"})
    return hours


@transaction.atomic
def external_submit(
    *, teacher, title: str, provider: str, completed_on, hours, evidence
) -> ExternalTraining:
    school = _school_of(teacher=teacher)
    if school is None:
        raise ValidationError("您的账户尚未关联学校岗位，不能申报。")
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "完成日期不能晚于今天。"})
    if not evidence:
        raise ValidationError({"evidence": "请上传证明材料（证书或截图）。"})
    return ExternalTraining.objects.create(
        teacher=teacher,
        school=school,
        title=title.strip(),
        provider=provider.strip(),
        completed_on=completed_on,
        hours=_hours_value(hours),
        evidence=evidence,
    )


@transaction.atomic
def external_decide(
    *, submission: ExternalTraining, user, approve: bool, reason: str = ""
) -> ExternalTraining:
    """Approve (credits the hours) or reject (with a reason) a pending submission."""
    submission = ExternalTraining.objects.select_for_update().get(pk=submission.pk)
    if not schools_managed_by(user=user).filter(pk=submission.school_id).exists():
        raise ValidationError("您无权审核其他学校的申报。")
    if submission.status != ExternalTraining.Status.PENDING:
        raise ValidationError("该申报已经审核过。")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": "不通过时请填写原因。"})
    submission.status = (
        ExternalTraining.Status.APPROVED if approve else ExternalTraining.Status.REJECTED
    )
    submission.decided_by = user
    submission.decided_at = timezone.now()
    submission.decision_reason = reason
    submission.save()
    if approve:
        _credit(
            teacher=submission.teacher,
            school=submission.school,
            hours=submission.hours,
            source=HoursEntry.Source.EXTERNAL,
            external=submission,
            recorded_by=user,
            credited_on=submission.completed_on,
            certificate=False,
        )
        _notify(
            teacher=submission.teacher,
            kind="training.external",
            title=f"校外培训申报已通过：{submission.title}",
            body=f"已认定 {submission.hours} 学时。",
            link="/me/training/history/",
        )
    else:
        _notify(
            teacher=submission.teacher,
            kind="training.external",
            title=f"校外培训申报未通过：{submission.title}",
            body=f"原因：{reason}",
            link="/me/training/history/",
        )
    return submission


# --- the ledger ------------------------------------------------------------------------------


@transaction.atomic
def entry_reverse(*, entry: HoursEntry, user, reason: str) -> HoursEntry:
    """Append a negative entry that cancels ``entry``; the original stays as it was."""
    from .reports import ledger_reversible_by

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写冲销原因。"})
    if entry.is_reversal:
        raise ValidationError("冲销记录本身不能再冲销。")
    if not ledger_reversible_by(user=user).filter(pk=entry.pk).exists():
        raise ValidationError("您无权冲销这条记录。")
    if HoursEntry.objects.filter(reverses=entry).exists():
        raise ValidationError("这条记录已经冲销过。")
    reversal = HoursEntry(
        teacher=entry.teacher,
        school=entry.school,
        hours=-entry.hours,
        source=entry.source,
        module=entry.module,
        session=entry.session,
        external=entry.external,
        credit_round=entry.credit_round,
        # Same date as the credit: the reversal cancels it in the year it was counted.
        credited_on=entry.credited_on,
        recorded_by=user,
        reverses=entry,
        reason=reason,
    )
    try:
        with transaction.atomic():
            reversal.save()
    except IntegrityError as exc:
        raise ValidationError("这条记录已经冲销过。") from exc
    return reversal


@transaction.atomic
def target_set(*, year: int, role: str, hours) -> HoursTarget:
    hours = Decimal(str(hours))
    if hours < 0:
        raise ValidationError({"hours": "目标学时不能为负数。"})
    target, _ = HoursTarget.objects.update_or_create(
        year=year, role=role, defaults={"hours": hours}
    )
    return target
