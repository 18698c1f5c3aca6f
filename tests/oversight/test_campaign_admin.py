from django.urls import reverse

from oversight.models import Campaign
from schools.vocab import Role
from tests.factories import make_member


def _post_data(**over):
    data = {
        "title": "2026年春季学期实施情况报告",
        "plan": "",
        "intro": "请如实填报。",
        "opens_at": "2026-03-01 08:00",
        "deadline": "2026-04-20 17:00",
        "period_start": "2026-02-01",
        "period_end": "2026-07-31",
        "all_schools": "on",
        "remind_days_before": "3",
        "remind_overdue": "on",
        "figure_keys": ["psych_full_time", "facilities_in_use"],
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-label": "开设心理健康课的班级数",
        "questions-0-kind": "number",
        "questions-0-required": "on",
        "questions-0-help_text": "",
        "questions-0-choices": "",
        "questions-0-ORDER": "1",
        "questions-0-id": "",
        "questions-1-label": "家校协同方式",
        "questions-1-kind": "choice",
        "questions-1-help_text": "",
        "questions-1-choices": "家长学校\n家访",
        "questions-1-ORDER": "2",
        "questions-1-id": "",
    }
    data.update(over)
    return data


def test_bureau_admin_builds_a_campaign_with_questions(client, db):
    client.force_login(make_member(Role.BUREAU_ADMIN))
    response = client.get(reverse("oversight_campaigns:add"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "专职心理健康教育教师（教职工岗位）" in html  # the figure picker lists the registry
    response = client.post(reverse("oversight_campaigns:add"), _post_data())
    assert response.status_code == 302, response.context["form"].errors
    campaign = Campaign.objects.get()
    assert campaign.figure_keys == ["psych_full_time", "facilities_in_use"]
    assert [(q.label, q.kind, q.required) for q in campaign.questions.all()] == [
        ("开设心理健康课的班级数", "number", True),
        ("家校协同方式", "choice", False),
    ]
    assert campaign.questions.get(kind="choice").choice_list == ["家长学校", "家访"]


def test_choice_question_needs_options_and_deadline_after_opening(client, db):
    client.force_login(make_member(Role.BUREAU_ADMIN))
    response = client.post(
        reverse("oversight_campaigns:add"),
        _post_data(**{"questions-1-choices": "只有一个", "deadline": "2026-02-01 08:00"}),
    )
    assert response.status_code == 200
    assert not Campaign.objects.exists()
    html = response.content.decode()
    assert "截止时间必须晚于开始填报时间。" in html


def test_only_bureau_admin_may_create_campaigns(client, db):
    for role in (Role.BUREAU_AUDITOR, Role.SCHOOL_LEADER):
        client.force_login(make_member(role))
        client.post(reverse("oversight_campaigns:add"), _post_data())
    assert not Campaign.objects.exists()


def test_choice_question_with_one_option_is_refused(client, db):
    client.force_login(make_member(Role.BUREAU_ADMIN))
    response = client.post(
        reverse("oversight_campaigns:add"), _post_data(**{"questions-1-choices": "只有一个"})
    )
    assert response.status_code == 200
    assert "单选题至少需要两个选项，每行一个。" in response.content.decode()
    assert not Campaign.objects.exists()
