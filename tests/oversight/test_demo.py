from oversight.models import Campaign, ReminderSent
from oversight.selectors import campaign_board


def test_demo_campaigns(demo_city):
    """The demo's report campaigns (idempotency: ``tests/schools/test_demo``)."""
    assert ReminderSent.objects.count() == 0
    current, last = Campaign.objects.order_by("-deadline")
    _, now_counts = campaign_board(campaign=current)
    assert now_counts["submitted"] >= 3
    assert now_counts["drafting"] >= 2
    assert now_counts["returned"] == 1
    assert now_counts["not_started"] >= 1
    _, old_counts = campaign_board(campaign=last)
    assert old_counts["late"] == 2 and old_counts["submitted_late"] == 1
    # The demo school's leader has this term's report to finish.
    draft = current.submissions.get(school__code="X0101")
    assert draft.status == "draft" and draft.answers.exists()


def test_demo_lessons_and_school_documents_vary_across_schools(demo_city):
    from courses.models import LessonRecord
    from oversight.figures import figure_get
    from schools.calendar import Period
    from schools.models import School

    assert LessonRecord.objects.count() > 0
    schools = list(School.objects.order_by("code"))
    period = Period.school_year()
    coverage = figure_get("curriculum_coverage").compute_many(schools=schools, period=period)
    shares = [coverage[s.pk] for s in schools]
    assert sum(1 for v in shares if v == 100) >= 6  # most schools up to date
    assert sum(1 for v in shares if v is not None and v < 60) >= 2  # a couple behind
    plans = figure_get("work_plan_uploaded").compute_many(schools=schools, period=period)
    systems = figure_get("systems_uploaded").compute_many(schools=schools, period=period)
    assert 0 < sum(1 for s in schools if plans[s.pk]) < len(schools)
    assert systems[schools[0].pk] == 2  # X0101: both systems
