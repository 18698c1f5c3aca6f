import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from oversight.models import Submission
from oversight.services import submission_save_draft, submission_start, submission_submit
from schools.models import AccessLog
from schools.vocab import Role
from tests.factories import SchoolFactory, make_member

from .test_lifecycle import _answers


def _form_data(campaign, **extra):
    q = {x.kind: x for x in campaign.questions.all()}
    data = {
        f"q_{q['text'].pk}": "开展了心理健康月活动。",
        f"q_{q['number'].pk}": "18",
        f"q_{q['yes_no'].pk}": "yes",
        f"q_{q['choice'].pk}": "家访",
        "note_psych_full_time": "另有一名教师在读心理学研究生。",
    }
    data.update(extra)
    return data


def test_school_fills_in_and_submits_through_the_back_office(client, campaign, school, leader):
    client.force_login(leader)
    url = reverse("oversight:edit", args=[campaign.pk, school.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "平台预填数据" in html and "教职工岗位" in html and "心理健康课开课班级数" in html

    file_q = campaign.questions.get(kind="file")
    data = _form_data(campaign)
    data[f"q_{file_q.pk}"] = SimpleUploadedFile("总结.pdf", b"%PDF-1.4 demo", "application/pdf")
    data["save"] = "1"
    assert client.post(url, data).status_code == 302
    sub = Submission.objects.get(campaign=campaign, school=school)
    assert sub.status == "draft"
    answer = sub.answers.get(question=file_q)
    assert answer.file_name == "总结.pdf"
    assert answer.file.name.startswith("private/oversight/")

    # The file is served through the checked view only.
    download = client.get(reverse("oversight:answer_file", args=[answer.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 demo"

    data = _form_data(campaign, submit="1")
    response = client.post(url, data)
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.status == "submitted"
    # The file kept (no new upload means no change).
    assert sub.answers.get(question=file_q).file_name == "总结.pdf"

    # Read-only after submission: the form redirects to the read-only view, posts change nothing.
    assert client.get(url).url == reverse("oversight:submission", args=[sub.pk])
    client.post(
        url, _form_data(campaign, **{f"q_{campaign.questions.get(kind='number').pk}": "99"})
    )
    assert sub.answers.get(question__kind="number").number == 18
    detail = client.get(reverse("oversight:submission", args=[sub.pk])).content.decode()
    assert "已提交" in detail and "另有一名教师在读心理学研究生。" in detail
    assert "继续填写" not in detail


def test_missing_required_answer_is_reported_and_draft_kept(client, campaign, school, leader):
    client.force_login(leader)
    url = reverse("oversight:edit", args=[campaign.pk, school.pk])
    number_q = campaign.questions.get(kind="number")
    response = client.post(
        url, _form_data(campaign, submit="1", **{f"q_{number_q.pk}": ""}), follow=True
    )
    assert "必答题“心理健康课开课班级数”尚未填写。" in response.content.decode()
    assert Submission.objects.get(campaign=campaign, school=school).status == "draft"


def test_bureau_returns_with_comment_and_school_sees_it(
    client, campaign, school, leader, bureau_admin
):
    sub = submission_start(campaign=campaign, school=school)
    submission_save_draft(submission=sub, user=leader, answers=_answers(campaign), annotations={})
    submission_submit(submission=sub, user=leader)

    client.force_login(bureau_admin)
    board = client.get(reverse("oversight:board", args=[campaign.pk])).content.decode()
    assert school.name in board and "已提交" in board
    response = client.post(
        reverse("oversight:return", args=[sub.pk]), {"comment": "请补充活动照片。"}
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.status == "returned"

    client.force_login(leader)
    page = client.get(reverse("oversight:edit", args=[campaign.pk, school.pk])).content.decode()
    assert "请补充活动照片。" in page


def test_school_cannot_return_or_see_board(client, campaign, school, leader):
    sub = submission_start(campaign=campaign, school=school)
    client.force_login(leader)
    assert client.get(reverse("oversight:board", args=[campaign.pk])).status_code == 403
    assert client.get(reverse("oversight:export", args=[campaign.pk])).status_code == 403
    assert (
        client.post(reverse("oversight:return", args=[sub.pk]), {"comment": "x"}).status_code == 403
    )


def test_other_school_submission_is_404_and_logged(client, campaign, school, leader, other_leader):
    sub = submission_start(campaign=campaign, school=school)
    submission_save_draft(submission=sub, user=leader, answers=_answers(campaign), annotations={})
    answer = sub.answers.first()
    client.force_login(other_leader)
    assert client.get(reverse("oversight:submission", args=[sub.pk])).status_code == 404
    line = AccessLog.objects.filter(allowed=False, object_type="oversight.submission").latest("at")
    assert line.user == other_leader and line.object_id == str(sub.pk)
    assert client.get(reverse("oversight:edit", args=[campaign.pk, school.pk])).status_code == 404
    assert client.get(reverse("oversight:answer_file", args=[answer.pk])).status_code == 404
    assert AccessLog.objects.filter(allowed=False, user=other_leader).count() == 3


def test_teacher_has_no_access(client, campaign, school):
    teacher = make_member(Role.TEACHER, school=school)
    client.force_login(teacher)
    assert client.get(reverse("oversight:index")).status_code in (302, 403)
    assert client.get(reverse("oversight:dashboard")).status_code in (302, 403)


def test_home_panel_lists_campaigns_to_answer(client, campaign, school, leader, home):
    client.force_login(leader)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "待填报的实施情况报告" in html and campaign.title in html


def test_export_matches_submissions(client, campaign, school, other_school, leader, bureau_admin):
    third = SchoolFactory(name="晨光小学", code="Q0003")
    sub = submission_start(campaign=campaign, school=school)
    submission_save_draft(
        submission=sub,
        user=leader,
        answers=_answers(campaign),
        annotations={"staff_count": "含外聘教师"},
    )
    submission_submit(submission=sub, user=leader)
    submission_start(campaign=campaign, school=other_school)

    client.force_login(bureau_admin)
    response = client.get(reverse("oversight:export", args=[campaign.pk]))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb["各校报告"]
    rows = list(ws.iter_rows(values_only=True))
    headers = rows[0]
    assert headers[:4] == ("学校代码", "学校名称", "乡镇（街道）", "状态")
    by_code = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[1:]}
    assert set(by_code) == {school.code, other_school.code, third.code}
    mine = by_code[school.code]
    assert mine["状态"] == "已提交"
    assert mine["心理健康课开课班级数"] == 24
    assert mine["是否建立学生心理档案"] == "是"
    assert mine["家校协同的主要方式"] == "家长学校"
    assert mine["在岗教职工（教职工岗位）"] == 1  # the leader
    assert mine["在岗教职工·学校说明"] == "含外聘教师"
    assert by_code[other_school.code]["状态"] == "填写中"
    assert by_code[other_school.code]["心理健康课开课班级数"] in (None, "")
    assert by_code[third.code]["状态"] == "未开始"


def test_export_never_turns_text_into_formula(client, campaign, school, leader, bureau_admin):
    text_q = campaign.questions.get(kind="text")
    sub = submission_start(campaign=campaign, school=school)
    submission_save_draft(
        submission=sub, user=leader, answers=_answers(campaign, {text_q.pk: "=1+1"}), annotations={}
    )
    client.force_login(bureau_admin)
    response = client.get(reverse("oversight:export", args=[campaign.pk]))
    ws = openpyxl.load_workbook(io.BytesIO(response.content))["各校报告"]
    col = [c.value for c in ws[1]].index(text_q.label) + 1
    cell = ws.cell(row=2, column=col)
    # Text, and neutralised the same way as in every export (portal.spreadsheets).
    assert cell.value == "'=1+1" and cell.data_type == "s"


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.BUREAU_AUDITOR])
def test_bureau_sees_campaign_index(client, campaign, role):
    client.force_login(make_member(role))
    html = client.get(reverse("oversight:index")).content.decode()
    assert campaign.title in html


def test_a_denied_oversight_page_is_a_logged_no_store_back_office_page(
    client, campaign, school, leader
):
    from tests.forbidden import logged_forbidden

    client.force_login(leader)
    for url in (
        reverse("oversight:board", args=[campaign.pk]),
        reverse("oversight:export", args=[campaign.pk]),
    ):
        line = logged_forbidden(client, url, user=leader)
        assert (line.action, line.object_type) == ("denied", "oversight")
