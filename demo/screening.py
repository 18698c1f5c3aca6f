"""Demo screening records at the demo school X0101: a round, results, warnings, archives, and
a spring round on guardian consent with the returned consent slips of one class.

Builds on ``demo.schools`` (school X0101 and the fixed demo accounts). Idempotent: the round
is found by name, results are only added for students who have none in it, and the
archives, concerns and referral are found before they are created. All people fictional.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from schools.calendar import SchoolYear
from schools.models import School, SchoolClass, Student
from schools.vocab import Grade
from screening.instruments import GAD7, PHQ9
from screening.models import (
    ArchiveEntry,
    AttentionCategory,
    Instrument,
    Referral,
    ScreeningResult,
    ScreeningRound,
    Warning,
)
from screening.services import (
    archive_entry_add,
    attachment_add,
    attention_add,
    builtin_instruments_ensure,
    concern_raise,
    consent_bulk,
    consent_record,
    plan_save,
    referral_record,
    result_correct,
    results_import,
    return_plan_save,
    round_add,
    warning_close,
    warning_sign_off,
    warning_update,
)

ROUND_NAME = "2026年秋季学期学生心理健康筛查"
CONSENT_ROUND_NAME = "2027年春季学期焦虑情绪复查（GAD-7）"
# Guardians who answered the consent slip themselves (name, relationship, method, status).
GUARDIANS = [
    ("宋立新", "father", "paper", "given"),
    ("蒋晓燕", "mother", "online", "given"),
    ("梁桂芬", "grandparent", "in_person", "given"),
    ("邓志强", "father", "phone", "refused"),
]
# Share of students by how they answer: most none or mild (R-13 demo).
PROFILES = [
    (0.62, (0.70, 0.24, 0.05, 0.01)),
    (0.25, (0.40, 0.42, 0.14, 0.04)),
    (0.10, (0.18, 0.40, 0.30, 0.12)),
    (0.03, (0.05, 0.25, 0.40, 0.30)),
]


def _answers(rng, n, weights, *, critical_item=None):
    answers = [rng.choices(range(4), weights=weights)[0] for _ in range(n)]
    if critical_item is not None:
        answers[critical_item - 1] = 0
    return answers


def load(*, out, rng):
    builtin_instruments_ensure()
    school = School.objects.filter(code="X0101").first()
    if school is None:
        out("  没有演示学校 X0101，跳过心理测评演示数据。")
        return
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["psych_teacher", "class_teacher"])
    }
    psych, class_teacher = users.get("psych_teacher"), users.get("class_teacher")
    classes = list(
        SchoolClass.objects.filter(school=school, grade__gte=Grade.J1, students__isnull=False)
        .distinct()
        .order_by("grade", "name")[:4]
    )
    if not classes:
        classes = list(
            SchoolClass.objects.filter(school=school, students__isnull=False).distinct()[:4]
        )
    if not classes:
        out("  X0101 没有学生，跳过心理测评演示数据。")
        return
    phq9 = Instrument.objects.get(code=PHQ9["code"], school__isnull=True)
    gad7 = Instrument.objects.get(code=GAD7["code"], school__isnull=True)
    today = datetime.date.today()
    start = datetime.date(SchoolYear.containing(today).first_year, 10, 8)
    rnd = ScreeningRound.objects.filter(school=school, name=ROUND_NAME).first()
    if rnd is None:
        rnd = round_add(
            by=psych,
            school=school,
            name=ROUND_NAME,
            instruments=[phq9, gad7],
            grades=sorted({c.grade for c in classes}),
            classes=classes,
            starts_on=start,
            ends_on=start + datetime.timedelta(days=21),
            basis=ScreeningRound.Basis.STATUTORY,
            basis_note="依据学校心理健康教育工作方案开展，已报区教育局备案",
            status=ScreeningRound.Status.CLOSED,
        )
    students = [
        s for c in classes for s in c.students.filter(is_active=True).order_by("student_number")
    ]
    done = set(ScreeningResult.objects.filter(round=rnd).values_list("student_id", "instrument_id"))
    phq_rows = [["学号", "测评日期"] + [f"第{n}题" for n in range(1, 10)]]
    gad_rows = [["学号", "测评日期"] + [f"第{n}题" for n in range(1, 8)]]
    totals_class_id = classes[-1].pk if len(classes) > 1 else None
    for index, student in enumerate(students):
        weights = rng.choices([w for _, w in PROFILES], weights=[p for p, _ in PROFILES])[0]
        day = start + datetime.timedelta(days=rng.randrange(0, 14))
        if (student.pk, phq9.pk) not in done:
            answers = _answers(rng, 9, weights, critical_item=9)
            if index == 3:
                answers[8] = 1  # one student answers item 9 above zero: a 危机 warning at once
            phq_rows.append([student.student_number, day.isoformat()] + answers)
        # The last class's GAD-7 comes as totals only (``_warnings_worked``): 关键题未核查.
        if (student.pk, gad7.pk) not in done and student.school_class_id != totals_class_id:
            gad_rows.append([student.student_number, day.isoformat()] + _answers(rng, 7, weights))
    for instrument, rows in ((phq9, phq_rows), (gad7, gad_rows)):
        if len(rows) > 1:
            results_import(round=rnd, instrument=instrument, rows=rows, user=psych)
    out(f"  筛查批次：{ROUND_NAME}，{len(students)} 名学生，结果 {rnd.results.count()} 条")

    own_class = (
        SchoolClass.objects.filter(head_teacher=class_teacher).first() if class_teacher else None
    )
    if (
        own_class
        and not Warning.objects.filter(
            source=Warning.Source.CONCERN, raised_by=class_teacher
        ).exists()
    ):
        student = own_class.students.order_by("student_number").last()
        if student:
            concern_raise(
                student=student,
                level="general",
                concern="近两周上课经常走神，作业多次未交，课间总是一个人待在座位上。",
                user=class_teacher,
            )
    warned = [
        w
        for w in (
            Warning.objects.filter(school=school, level=level)
            .select_related("student")
            .order_by("pk")
            .first()
            for level in ("crisis", "key")
        )
        if w is not None
    ]
    for warning in warned:
        student = warning.student
        if (
            not hasattr(student, "screening_archive")
            or not student.screening_archive.entries.exists()
        ):
            attention_add(
                student=student,
                category="left_behind",
                since=start - datetime.timedelta(days=400),
                note="父母在外地务工，与祖母同住",
                user=psych,
            )
            archive_entry_add(
                student=student,
                kind="talk",
                on=start + datetime.timedelta(days=16),
                summary="初次谈心。学生说最近睡不好，担心期中考试，愿意每周来心理辅导室聊一次。",
                user=psych,
            )
            archive_entry_add(
                student=student,
                kind="home_visit",
                on=start + datetime.timedelta(days=20),
                summary="与班主任一起家访，和祖母沟通了作息安排，约定每晚十点前熄灯。",
                user=psych,
            )
            plan_save(
                student=student,
                goals="一个月内恢复规律睡眠；能说出两种缓解紧张的方法。",
                actions="每周一次个别辅导；班主任每天课间留意情绪变化；每两周与家长电话沟通一次。",
                responsible="心理健康教育教师、班主任",
                review_on=start + datetime.timedelta(days=50),
                user=psych,
            )
            # A second version after the first review; its own review date has now passed.
            plan_save(
                student=student,
                goals="保持规律睡眠；能主动向老师或同学求助。",
                actions="每两周一次个别辅导；参加“情绪小管家”团体辅导；每月与家长电话沟通一次。",
                responsible="心理健康教育教师、班主任",
                review_on=min(start + datetime.timedelta(days=90), today)
                - datetime.timedelta(days=7),
                user=psych,
            )
    crisis = next((w for w in warned if w.level == "crisis"), None)
    if crisis and not Referral.objects.filter(student=crisis.student).exists():
        referral = referral_record(
            student=crisis.student,
            user=psych,
            institution="市精神卫生中心儿童青少年门诊",
            referred_on=start + datetime.timedelta(days=15),
            reason="筛查中关键题阳性，个别谈话后评估需要专业诊疗。",
            parents_agreed=True,
            task_split="医院负责诊断与治疗；家长按时陪同复诊并照看服药；学校安排心理教师每周跟进、班主任留意在校情况。",
        )
        return_plan_save(
            referral=referral,
            returned_on=start + datetime.timedelta(days=35),
            plan="复学后先减少作业量两周，心理教师每周面谈一次。",
            week_done_on=start + datetime.timedelta(days=42),
        )
        attachment_add(
            student=crisis.student,
            owner=referral,
            kind="consent",
            upload=SimpleUploadedFile("转介知情同意书.pdf", _tiny_pdf("Referral consent (demo)")),
            user=psych,
        )
        attachment_add(
            student=crisis.student,
            owner=referral.return_plan,
            kind="return",
            upload=SimpleUploadedFile("复学证明.pdf", _tiny_pdf("Return to school (demo)")),
            user=psych,
        )
    _left_behind(students=students[:40], start=start, psych=psych, out=out)
    out(
        f"  预警 {Warning.objects.filter(school=school).count()} 条，转介 {Referral.objects.filter(school=school).count()} 条"
    )
    _warnings_worked(school=school, classes=classes, rnd=rnd, phq9=phq9, gad7=gad7, out=out)
    _consent_round(school=school, school_class=classes[0], instrument=gad7, psych=psych, out=out)


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF made in memory (demo attachments; the text is plain ASCII)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


LEFT_BEHIND_NOTES = [
    "父母在外地务工，与祖父母同住",
    "父亲在外务工，母亲长期在外地照顾老人",
    "父母均在省外务工，寄住在姑姑家",
]


def _left_behind(*, students, start, psych, out) -> None:
    """A few 留守儿童 in the 关注类别名单, home visits recorded for some of them."""
    school_students = [s.pk for s in students]
    if (
        AttentionCategory.objects.filter(
            archive__student_id__in=school_students, category="left_behind"
        ).count()
        >= 4
    ):
        return
    for n, student in enumerate(students[5:11]):
        attention_add(
            student=student,
            category="left_behind",
            since=start - datetime.timedelta(days=200 + 30 * n),
            note=LEFT_BEHIND_NOTES[n % len(LEFT_BEHIND_NOTES)],
            user=psych,
        )
        if n % 2 == 0:
            archive_entry_add(
                student=student,
                kind=ArchiveEntry.Kind.HOME_VISIT,
                on=start + datetime.timedelta(days=10 + 7 * n),
                summary="班主任与心理教师家访，了解祖辈照护情况，约定每周与在外父母视频一次。",
                user=psych,
            )
    out("  关注类别：留守儿童 6 名，其中 3 名已有家访记录")


def _warnings_worked(*, school, classes, rnd, phq9, gad7, out):
    """Warnings as they are worked: a crisis followed up with notes, two overdue concerns, a
    crisis closed with a leader's sign-off, a mistyped result corrected, and a class whose
    GAD-7 was imported as totals only (关键题未核查). Idempotent: each step looks first."""
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["psych_teacher", "school_leader", "class_teacher", "grade_leader"]
        )
    }
    psych, leader = users.get("psych_teacher"), users.get("school_leader")
    grade_leader = users.get("grade_leader") or psych
    now = timezone.now()
    crisis = (
        Warning.objects.filter(school=school, level="crisis", source="critical")
        .order_by("pk")
        .first()
    )
    if crisis and not crisis.actions.filter(kind="note").exists():
        warning_update(
            warning=crisis,
            note="当天由心理教师当面评估，已告知家长并签署安全协议；班主任课间陪伴。",
            user=psych,
        )
        warning_update(
            warning=crisis, note="家长已带学生到市精神卫生中心就诊，按医嘱复诊。", user=psych
        )
    # Students with no open warning yet, for the concerns and the signed-off crisis.
    quiet = list(
        Student.objects.filter(school_class__in=classes, is_active=True)
        .exclude(screening_warnings__isnull=False)
        .order_by("student_number")[:3]
    )
    if len(quiet) == 3 and not Warning.objects.filter(school=school, signed_off_by__isnull=False):
        closing = concern_raise(
            student=quiet[0],
            level="crisis",
            concern="在周记中写到“活着没意思”，班主任当即报告。",
            user=grade_leader,
            at=now - datetime.timedelta(days=40),
        )
        warning_update(
            warning=closing,
            status="follow_up",
            note="心理教师当天约谈，评估为一过性情绪低落，已与家长沟通。",
            user=psych,
        )
        warning_close(
            warning=closing,
            outcome="连续四周跟进，情绪稳定，家长知情并同意结案；继续纳入一般关注观察。",
            user=psych,
        )
        if leader:
            warning_sign_off(warning=closing, user=leader)
        for student, days in ((quiet[1], 12), (quiet[2], 9)):
            concern_raise(
                student=student,
                level="general",
                concern="近期作业拖欠明显，上课常趴在桌上，情绪低落。",
                user=users.get("class_teacher") or psych,
                at=now - datetime.timedelta(days=days),
            )
    mistyped = (
        ScreeningResult.objects.filter(round=rnd, instrument=phq9, level="", critical=False)
        .filter(superseded_at__isnull=True, supersedes__isnull=True)
        .order_by("student__student_number")
        .first()
    )
    if mistyped and not ScreeningResult.objects.filter(round=rnd, supersedes__isnull=False):
        fixed = list(mistyped.answers)
        fixed[0] = 0 if fixed[0] else 1
        result_correct(
            result=mistyped,
            reason="第1题录入时点错了选项，按纸质答卷更正。",
            answers=fixed,
            user=psych,
        )
    totals_class = classes[-1]
    if not ScreeningResult.objects.filter(round=rnd, critical_checked=False).exists():
        done = set(
            ScreeningResult.objects.filter(round=rnd, instrument=gad7).values_list(
                "student_id", flat=True
            )
        )
        rows = [["学号", "总分"]] + [
            [s.student_number, str(3 + i % 5)]
            for i, s in enumerate(totals_class.students.filter(is_active=True))
            if s.pk not in done
        ]
        if len(rows) > 1:
            results_import(round=rnd, instrument=gad7, rows=rows, user=psych)
    out(
        f"  预警处置：未结 {Warning.objects.filter(school=school).exclude(status='closed').count()} 条，"
        f"已签字结案 {Warning.objects.filter(school=school, signed_off_by__isnull=False).count()} 条"
    )


def _consent_round(*, school, school_class, instrument, psych, out):
    """A spring re-screening of one class on guardian consent: most slips back, one refusal,
    a few still outstanding (shown on the consent screen as 未登记)."""
    today = datetime.date.today()
    spring = datetime.date(SchoolYear.containing(today).first_year + 1, 3, 2)
    if ScreeningRound.objects.filter(school=school, name=CONSENT_ROUND_NAME).exists():
        return
    rnd = round_add(
        by=psych,
        school=school,
        name=CONSENT_ROUND_NAME,
        instruments=[instrument],
        grades=[school_class.grade],
        classes=[school_class],
        starts_on=spring,
        ends_on=spring + datetime.timedelta(days=14),
        basis=ScreeningRound.Basis.CONSENT,
        basis_note="致家长的一封信及知情同意书回执，经班主任发放回收",
        status=ScreeningRound.Status.DRAFT,
    )
    students = list(school_class.students.filter(is_active=True).order_by("student_number"))
    slips_back = students[: max(0, len(students) - 3)]  # three slips not yet returned
    on = min(today, spring) - datetime.timedelta(days=3)
    for student, (name, relationship, method, status) in zip(slips_back, GUARDIANS, strict=False):
        consent_record(
            round=rnd,
            student=student,
            status=status,
            decided_on=on,
            guardian_name=name,
            relationship=relationship,
            method=method,
            user=psych,
        )
    rest = [s.pk for s in slips_back[len(GUARDIANS) :]]
    if rest:
        consent_bulk(
            round=rnd, student_ids=rest, status="given", decided_on=on, method="paper", user=psych
        )
    out(f"  知情同意批次：{CONSENT_ROUND_NAME}，{len(slips_back)} 份回执已登记")
