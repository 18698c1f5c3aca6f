import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from oversight.models import Submission
from oversight.selectors import campaign_board, submission_state
from oversight.services import (
    submission_return,
    submission_save_draft,
    submission_start,
    submission_submit,
)

from .factories import make_campaign


def _answers(campaign, over=None):
    q = {x.kind: x for x in campaign.questions.all()}
    values = {
        q["text"].pk: "开展了“阳光心灵”主题班会和心理剧展演。",
        q["number"].pk: Decimal("24"),
        q["yes_no"].pk: True,
        q["choice"].pk: "家长学校",
    }
    values.update(over or {})
    return values


def test_draft_submit_return_resubmit(campaign, school, leader, bureau_admin):
    sub = submission_start(campaign=campaign, school=school)
    assert sub.status == Submission.Status.DRAFT
    assert submission_state(submission=sub, campaign=campaign) == "drafting"

    submission_save_draft(submission=sub, user=leader, answers=_answers(campaign), annotations={})
    sub = submission_submit(submission=sub, user=leader)
    assert sub.status == Submission.Status.SUBMITTED
    assert sub.submit_count == 1 and sub.submitted_by == leader

    # Read-only once submitted.
    with pytest.raises(ValidationError):
        submission_save_draft(submission=sub, user=leader, answers={}, annotations={})
    with pytest.raises(ValidationError):
        submission_submit(submission=sub, user=leader)

    # The bureau returns it with a comment; a comment is required.
    with pytest.raises(ValidationError):
        submission_return(submission=sub, user=bureau_admin, comment="  ")
    sub = submission_return(submission=sub, user=bureau_admin, comment="请补充家校协同的具体次数。")
    assert sub.status == Submission.Status.RETURNED
    assert submission_state(submission=sub, campaign=campaign) == "returned"

    text_q = campaign.questions.get(kind="text")
    submission_save_draft(
        submission=sub, user=leader, answers={text_q.pk: "补充：家长学校四次。"}, annotations={}
    )
    sub = submission_submit(submission=sub, user=leader)
    assert sub.status == Submission.Status.SUBMITTED
    assert sub.submit_count == 2
    assert sub.answers.get(question=text_q).text == "补充：家长学校四次。"
    # Returning a draft is not possible.
    sub2 = submission_start(campaign=campaign, school=sub.school)
    assert sub2.pk == sub.pk


def test_required_questions_block_submission(campaign, school, leader):
    sub = submission_start(campaign=campaign, school=school)
    number_q = campaign.questions.get(kind="number")
    submission_save_draft(
        submission=sub, user=leader, answers=_answers(campaign, {number_q.pk: None}), annotations={}
    )
    with pytest.raises(ValidationError) as err:
        submission_submit(submission=sub, user=leader)
    assert "心理健康课开课班级数" in str(err.value)
    sub.refresh_from_db()
    assert sub.status == Submission.Status.DRAFT


def test_psych_teacher_drafts_but_cannot_submit(campaign, school, psych):
    sub = submission_start(campaign=campaign, school=school)
    submission_save_draft(submission=sub, user=psych, answers=_answers(campaign), annotations={})
    with pytest.raises(PermissionDenied):
        submission_submit(submission=sub, user=psych)
    sub.refresh_from_db()
    assert sub.status == Submission.Status.DRAFT


def test_deadline_passed_is_late(school, other_school, leader):
    campaign = make_campaign(days_left=-2)
    rows, counts = campaign_board(campaign=campaign)
    assert counts["late"] == 2 and counts["not_started"] == 0
    sub = submission_start(campaign=campaign, school=school)
    submission_save_draft(submission=sub, user=leader, answers=_answers(campaign), annotations={})
    assert submission_state(submission=sub, campaign=campaign) == "late"
    sub = submission_submit(submission=sub, user=leader)
    assert sub.was_late
    rows, counts = campaign_board(campaign=campaign)
    assert counts == {**dict.fromkeys(counts, 0), "submitted_late": 1, "late": 1}


def test_board_states(campaign, school, other_school, leader):
    rows, counts = campaign_board(campaign=campaign)
    assert counts["not_started"] == 2
    submission_start(campaign=campaign, school=school)
    rows, counts = campaign_board(campaign=campaign)
    assert counts["drafting"] == 1 and counts["not_started"] == 1


def test_campaign_for_chosen_schools_only(school, other_school):
    campaign = make_campaign(schools=[school])
    rows, _ = campaign_board(campaign=campaign)
    assert [r.school for r in rows] == [school]
    with pytest.raises(ValidationError):
        submission_start(campaign=campaign, school=other_school)


def test_campaign_not_yet_open_cannot_be_submitted(school, leader):
    now = timezone.now()
    campaign = make_campaign(opens_at=now + datetime.timedelta(days=1))
    sub = submission_start(campaign=campaign, school=school)
    submission_save_draft(submission=sub, user=leader, answers=_answers(campaign), annotations={})
    with pytest.raises(ValidationError):
        submission_submit(submission=sub, user=leader)
