from django.core.management import call_command

from oversight.models import Campaign, ReminderSent, Submission
from oversight.selectors import campaign_board


def test_demo_campaigns_idempotent(db):
    call_command("load_demo", verbosity=0)
    counts = (Campaign.objects.count(), Submission.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Campaign.objects.count(), Submission.objects.count()) == counts
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
