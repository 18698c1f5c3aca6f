"""The other apps' figures and panels in the oversight registry (issues 3, 4, 6, 7)."""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from courses.models import ExternalTraining, HoursEntry
from duty.models import EntryKind, IncidentCategory, IncidentEntry
from oversight.figures import figure_get
from oversight.panels import panels_all
from resources.models import XinyuDocument
from resources.vocab import PolicyKind, ResourceType
from schools.calendar import Period
from schools.vocab import Role
from screening.models import Archive, ScreeningResult, Warning, WarningLevel
from tests.courses.factories import set_targets
from tests.duty.factories import IncidentFactory
from tests.factories import MembershipFactory, SchoolFactory, StudentFactory, make_member
from tests.screening.factories import make_round, phq9

PERIOD = Period.school_year()


def _value(key, school, period=PERIOD):
    return figure_get(key).compute(school=school, period=period)


def test_all_seam_figures_and_panels_are_registered(db):
    for key in [
        "work_plan_uploaded",
        "systems_uploaded",
        "training_trained_staff",
        "training_hours",
        "training_hours_target",
        "screening_coverage",
        "archive_coverage",
        "incidents_period",
        "lessons_recorded",
        "curriculum_classes_covered",
        "curriculum_coverage",
    ]:
        assert figure_get(key) is not None, key
    keys = {p.key for p in panels_all()}
    assert {"training", "screening", "incidents", "curriculum"} <= keys
    # Curriculum coverage sits beside screening and archive coverage.
    order = [p.key for p in panels_all()]
    assert order.index("curriculum") == order.index("screening") - 1


def _credit(teacher, school, hours, credited_on):
    external = ExternalTraining.objects.create(
        teacher=teacher,
        school=school,
        title="校外培训",
        provider="市教科院",
        completed_on=credited_on,
        hours=Decimal(hours),
        evidence=ContentFile(b"x", name="e.pdf"),
    )
    HoursEntry.objects.create(
        teacher=teacher,
        school=school,
        hours=Decimal(hours),
        source="external",
        external=external,
        credited_on=credited_on,
    )


def test_training_figures_equal_the_ledger(db):
    school, other = SchoolFactory(), SchoolFactory()
    a = MembershipFactory(school=school, role=Role.TEACHER).user
    b = MembershipFactory(school=school, role=Role.PSYCH_TEACHER).user
    MembershipFactory(school=school, role=Role.TEACHER)  # no hours
    c = MembershipFactory(school=other, role=Role.TEACHER).user
    set_targets(year=PERIOD.start.year, teacher=10, psych_teacher=40)  # its school year
    today = timezone.localdate()
    for teacher, sch, hours in [
        (a, school, "3.5"),
        (a, school, "2"),
        (b, school, "6"),
        (c, other, "9"),
    ]:
        _credit(teacher, sch, hours, today)
    # Before the period: not counted.
    _credit(b, school, "50", PERIOD.start - datetime.timedelta(days=1))
    assert _value("training_hours", school) == 11.5
    assert _value("training_trained_staff", school) == 2
    assert _value("training_hours_target", school) == 60.0  # 10 + 40 + 10
    assert _value("training_hours", other) == 9.0


def _result(rnd, student, taken_on):
    return ScreeningResult.objects.create(
        round=rnd,
        instrument=phq9(),
        student=student,
        school=student.school,
        taken_on=taken_on,
        total=Decimal(3),
        band="轻微",
    )


def test_screening_figures_equal_the_records_and_small_schools_get_no_share(db):
    big, small = SchoolFactory(), SchoolFactory()
    students = StudentFactory.create_batch(8, school=big)
    tiny = StudentFactory.create_batch(3, school=small)
    rnd = make_round(big)
    today = timezone.localdate()
    for s in students[:6]:
        _result(rnd, s, today)
    _result(make_round(big), students[0], today)  # a second result: the student counts once
    _result(rnd, students[7], PERIOD.start - datetime.timedelta(days=1))  # before the period
    for s in students[:2] + tiny:
        Archive.objects.create(student=s, school=s.school)
    assert _value("screening_coverage", big) == 75.0  # 6 of 8
    # 2 of 8: a share of a known total would give back the small count
    assert _value("archive_coverage", big) is None
    for s in students[2:5]:
        Archive.objects.create(student=s, school=s.school)
    assert _value("archive_coverage", big) == 62.5  # 5 of 8
    assert _value("screening_coverage", small) is None
    assert _value("archive_coverage", small) is None


def test_screening_panel_suppresses_small_warning_cells(client, db):
    school = SchoolFactory(name="青禾实验学校")
    students = StudentFactory.create_batch(9, school=school)
    for s in students[:7]:
        Warning.objects.create(
            student=s,
            school=school,
            grade=s.school_class.grade,
            level=WarningLevel.GENERAL,
            source=Warning.Source.CONCERN,
        )
    for s in students[7:]:
        Warning.objects.create(
            student=s,
            school=school,
            grade=s.school_class.grade,
            level=WarningLevel.CRISIS,
            source=Warning.Source.CONCERN,
        )
    client.force_login(make_member(Role.BUREAU_ADMIN))
    html = client.get(reverse("oversight:dashboard")).content.decode()
    assert "心理测评与预警" in html
    assert "&lt;5" in html  # two crisis warnings: a small cell
    # The only other non-zero cell (7 general) is hidden too, or 9 − 7 would reveal it.
    from screening.report_figures import build_screening_panel, warnings_by_level

    values = {
        k: figure_get(k).compute_many(schools=[school], period=PERIOD)
        for k in ["screening_coverage", "archive_coverage"]
    }
    extra = warnings_by_level(user=None, schools=[school], period=PERIOD)
    content = build_screening_panel(schools=[school], values=values, period=PERIOD, extra=extra)
    [row] = content.school_rows
    # 危机 2 is a small cell; 一般关注 7, the zero beside it and the total are hidden too
    # (complementary suppression: no hidden value follows from those shown).
    assert row[4] == "未开展筛查"  # no round this period
    assert row[5:] == ["*", "*", "<5", "*"]
    assert 7 not in row[5:] and 9 not in row[5:]  # row[1] is the enrolled students


def test_incident_figures_and_clock_shares(client, db):
    school = SchoolFactory(name="远山中学")
    now = timezone.now()
    on_time = IncidentFactory(
        school=school,
        category=IncidentCategory.SELF_HARM,
        discovered_at=now - datetime.timedelta(hours=5),
    )
    late = IncidentFactory(
        school=school,
        category=IncidentCategory.SELF_HARM,
        discovered_at=now - datetime.timedelta(hours=4),
    )
    IncidentFactory(
        school=school,
        category=IncidentCategory.ACCIDENT,
        discovered_at=now - datetime.timedelta(hours=3),
    )
    IncidentFactory(school=school, discovered_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    writer = make_member(Role.SCHOOL_ADMIN, school=school)
    for incident, phone_min, written_min in [(on_time, 20, 100), (late, 45, 200)]:
        for kind, minutes in [(EntryKind.PHONE, phone_min), (EntryKind.WRITTEN, written_min)]:
            IncidentEntry.objects.create(
                incident=incident,
                kind=kind,
                entered_by=writer,
                content="报告",
                happened_at=incident.discovered_at + datetime.timedelta(minutes=minutes),
            )
    # Crises only: the two self-harm incidents; the accident is counted apart.
    assert _value("incidents_period", school) == 2
    assert _value("other_incidents_period", school) == 1
    from duty.report_figures import incidents_extra

    extra = incidents_extra(user=None, schools=[school], period=PERIOD)
    assert extra["by_category"][school.pk] == {"self_harm": 2, "accident": 1}
    # Third incident: phone and written clocks overdue with no report → due, not on time.
    assert extra["clocks"][school.pk] == {"phone": [1, 3], "written": [1, 3]}
    client.force_login(make_member(Role.BUREAU_ADMIN))
    html = client.get(reverse("oversight:dashboard")).content.decode()
    assert "心理危机事件与报告时限" in html and "1/3" in html
    panel = html.split('id="panel-incidents"', 1)[1]
    assert "<td>心理危机事件合计</td><td>2</td>" in panel
    assert "<td>（另计）意外事故</td><td>1</td>" in panel


def test_work_plan_and_systems_figures_count_by_policy_kind(db):
    school, other = SchoolFactory(), SchoolFactory()

    def doc(title, sch, kind, resource_type=ResourceType.POLICY):
        return XinyuDocument.objects.create(
            title=title,
            school=sch,
            resource_type=resource_type,
            policy_kind=kind,
            file=ContentFile(b"x", name="f.pdf"),
            listed=False,
        )

    doc("2026学年心理健康教育安排", school, PolicyKind.WORK_PLAN)  # no 方案/计划 in the title
    doc("学生身心健康教育制度", school, PolicyKind.HEALTH_SYSTEM)
    doc("心理健康状况报告制度", school, PolicyKind.REPORT_SYSTEM)
    doc("心理辅导室管理制度", school, PolicyKind.OTHER)  # a 制度, but not one R-5 asks for
    doc("工作计划（草稿）", school, "", resource_type=ResourceType.OTHER)
    doc("市局工作方案", None, PolicyKind.WORK_PLAN)  # the bureau's, no school
    doc("远山中学工作方案", other, PolicyKind.WORK_PLAN)
    old_plan = doc("上学年工作方案", other, PolicyKind.WORK_PLAN)
    XinyuDocument.objects.filter(pk=old_plan.pk).update(
        created_at=timezone.make_aware(
            datetime.datetime.combine(PERIOD.start - datetime.timedelta(days=30), datetime.time())
        )
    )
    assert _value("work_plan_uploaded", school) == 1
    assert _value("systems_uploaded", school) == 2
    assert _value("work_plan_uploaded", other) == 1  # last year's plan does not count
    assert _value("systems_uploaded", other) == 0


def test_a_report_prefills_lessons_and_curriculum_coverage_with_their_source(db):
    from courses.lessons.selectors import lessons_expected
    from courses.models import LessonRecord
    from oversight.services import submission_figures, submission_start
    from tests.factories import SchoolClassFactory

    from .factories import make_campaign

    school = SchoolFactory()
    covered, behind = SchoolClassFactory(school=school), SchoolClassFactory(school=school)
    campaign = make_campaign(period=PERIOD)
    need = lessons_expected(start=PERIOD.start, as_of=PERIOD.as_of)
    today = timezone.localdate()
    LessonRecord.objects.bulk_create(
        [
            LessonRecord(
                school=school, school_class=covered, taught_on=today, topic="甲", periods=4
            )
            for _ in range(-(-need // 4))
        ]
        + [LessonRecord(school=school, school_class=behind, taught_on=today, topic="乙")]
    )
    rows = {
        r.figure.key: r
        for r in submission_figures(submission=submission_start(campaign=campaign, school=school))
    }
    lessons = rows["lessons_recorded"]
    assert lessons.figure.label == "心理健康课已记录课时"
    assert lessons.figure.source_label == "心理健康课授课记录"
    assert lessons.value == 4 * -(-need // 4) + 1
    assert lessons.display == f"{lessons.value} 课时"
    expected_share = 100.0 if need == 1 else 50.0
    assert rows["curriculum_coverage"].value == expected_share
    assert rows["curriculum_coverage"].display == f"{expected_share:g}%"
