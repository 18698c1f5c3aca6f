"""Demo: screening rounds at a few more schools, so that the 三个全覆盖 figures read as they
would in a real city — some schools screened part of their students, the rest held no round
yet (0 %, flagged 未开展筛查). Built through the screening services; idempotent.

Kept apart from ``demo.screening`` (the demo school's round, warnings and cases)."""

from __future__ import annotations

import datetime

from schools.calendar import SchoolYear
from schools.models import Membership, School, SchoolClass
from screening.instruments import PHQ9
from screening.models import Instrument, ScreeningRound
from screening.services import results_import, round_add

#: (school code, how many classes are screened): a grade or two, not the whole school.
SCREENED = [("X0103", 2), ("X0108", 1)]
ROUND_NAME = "秋季学期心理健康筛查（PHQ-9）"


def load(*, out, rng):
    from schools import access

    phq9 = Instrument.objects.filter(code=PHQ9["code"], school__isnull=True).first()
    if phq9 is None:
        out("  没有内置量表，跳过其他学校的筛查批次。")
        return
    start = datetime.date(SchoolYear.current().first_year, 10, 15)
    if start > datetime.date.today():
        start = SchoolYear.current().start
    writers = access.roles_holding("screening.round.write")
    for code, n_classes in SCREENED:
        school = School.objects.filter(code=code).first()
        if school is None or ScreeningRound.objects.filter(school=school, name=ROUND_NAME).exists():
            continue
        member = (
            Membership.objects.active()
            .filter(school=school, role__in=writers)
            .select_related("user")
            .first()
        )
        classes = list(
            SchoolClass.objects.filter(school=school, students__isnull=False)
            .distinct()
            .order_by("grade", "name")[:n_classes]
        )
        if member is None or not classes:
            continue
        end = min(start + datetime.timedelta(days=14), datetime.date.today())
        rnd = round_add(
            by=member.user,
            school=school,
            name=ROUND_NAME,
            instruments=[phq9],
            grades=sorted({c.grade for c in classes}),
            classes=classes,
            starts_on=start,
            ends_on=end,
            basis=ScreeningRound.Basis.STATUTORY,
            basis_note="依据学校心理健康教育工作方案开展",
            status=ScreeningRound.Status.CLOSED,
        )
        rows = [["学号", "测评日期"] + [f"第{i}题" for i in range(1, 10)]]
        for klass in classes:
            for student in klass.students.filter(is_active=True).order_by("student_number"):
                day = start + datetime.timedelta(days=rng.randrange(0, (end - start).days + 1))
                answers = [rng.choice([0, 0, 0, 1]) for _ in range(8)] + [0]
                rows.append([student.student_number, day.isoformat(), *answers])
        results_import(round=rnd, instrument=phq9, rows=rows, user=member.user)
        out(f"  {school.name}：筛查批次 {len(classes)} 个班，{len(rows) - 1} 名学生")
