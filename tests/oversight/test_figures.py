import datetime

from oversight.figures import figure_get, figures_all, register_figure, unregister_figure
from oversight.models import FigureValue
from oversight.services import (
    submission_figures,
    submission_save_draft,
    submission_start,
    submission_submit,
)
from schools.calendar import Period
from schools.models import Facility
from schools.vocab import PsychEmployment, Role
from tests.factories import FacilityFactory, MembershipFactory, SchoolFactory

from .test_lifecycle import _answers

PERIOD = Period(datetime.date(2025, 2, 1), datetime.date(2025, 7, 31))


def _staff(school):
    MembershipFactory(
        school=school, role=Role.PSYCH_TEACHER, psych_employment=PsychEmployment.FULL_TIME
    )
    MembershipFactory(
        school=school, role=Role.PSYCH_TEACHER, psych_employment=PsychEmployment.FULL_TIME
    )
    MembershipFactory(
        school=school, role=Role.PSYCH_TEACHER, psych_employment=PsychEmployment.PART_TIME
    )
    MembershipFactory(school=school, role=Role.TEACHER)
    # Ended before the period: not counted.
    MembershipFactory(
        school=school,
        role=Role.PSYCH_TEACHER,
        psych_employment=PsychEmployment.PART_TIME,
        active_to=datetime.date(2024, 12, 31),
    )
    FacilityFactory(school=school, kind=Facility.Kind.COUNSELLING_ROOM)
    FacilityFactory(school=school, kind=Facility.Kind.HOTLINE)
    FacilityFactory(
        school=school, kind=Facility.Kind.CATHARSIS_ROOM, status=Facility.Status.BUILDING
    )


def test_providers_equal_underlying_data(db):
    school, empty = SchoolFactory(), SchoolFactory()
    _staff(school)
    values = {f.key: f.compute_many(schools=[school, empty], period=PERIOD) for f in figures_all()}
    assert values["psych_full_time"] == {school.pk: 2, empty.pk: 0}
    assert values["psych_part_time"] == {school.pk: 1, empty.pk: 0}
    assert values["staff_count"] == {school.pk: 4, empty.pk: 0}
    assert values["facilities_in_use"] == {school.pk: 2, empty.pk: 0}
    assert values["facility_counselling_room"][school.pk] == "in_use"
    assert values["facility_catharsis_room"][school.pk] == "building"
    assert values["facility_group_room"][school.pk] is None
    fig = figure_get("facility_group_room")
    assert fig.format(None) == "未登记"
    assert figure_get("facility_catharsis_room").format("building") == "建设中"
    assert figure_get("psych_full_time").format(2) == "2 人"
    # compute() for one school agrees with compute_many().
    assert figure_get("staff_count").compute(school=school, period=PERIOD) == 4


def test_prefilled_figures_shown_with_source_and_snapshotted(campaign, school, leader):
    _staff(school)
    sub = submission_start(campaign=campaign, school=school)
    rows = {r.figure.key: r for r in submission_figures(submission=sub)}
    assert rows["psych_full_time"].value == 2
    assert rows["psych_full_time"].figure.source_label == "教职工岗位"
    assert not rows["psych_full_time"].snapshotted

    submission_save_draft(submission=sub, user=leader, answers=_answers(campaign), annotations={})
    submission_submit(submission=sub, user=leader)
    # Data change after submission: the submitted report keeps the value it was sent with.
    MembershipFactory(
        school=school, role=Role.PSYCH_TEACHER, psych_employment=PsychEmployment.FULL_TIME
    )
    sub.refresh_from_db()
    rows = {r.figure.key: r for r in submission_figures(submission=sub)}
    assert rows["psych_full_time"].value == 2 and rows["psych_full_time"].snapshotted
    assert FigureValue.objects.get(submission=sub, key="psych_full_time").value_display == "2 人"


def test_annotation_does_not_overwrite_value(campaign, school, leader):
    _staff(school)
    sub = submission_start(campaign=campaign, school=school)
    submission_save_draft(
        submission=sub,
        user=leader,
        answers=_answers(campaign),
        annotations={"psych_full_time": "其中一人自9月起调入，实为3人。", "no_such_key": "x"},
    )
    rows = {r.figure.key: r for r in submission_figures(submission=sub)}
    assert rows["psych_full_time"].value == 2
    assert rows["psych_full_time"].annotation == "其中一人自9月起调入，实为3人。"
    submission_submit(submission=sub, user=leader)
    fv = FigureValue.objects.get(submission=sub, key="psych_full_time")
    assert (fv.value, fv.annotation) == (2, "其中一人自9月起调入，实为3人。")
    assert not FigureValue.objects.filter(key="no_such_key").exists()


def test_registry_accepts_single_school_compute(db):
    school = SchoolFactory()
    register_figure(
        "test_single", label="测试", source_label="测试来源", compute=lambda *, school, period: 7
    )
    try:
        assert figure_get("test_single").compute_many(schools=[school], period=PERIOD) == {
            school.pk: 7
        }
    finally:
        unregister_figure("test_single")
