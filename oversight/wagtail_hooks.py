"""Back office: campaign editor (bureau), reports (schools), status boards, dashboard."""

from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
)
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.permissions import register_permission_policy

from portal.todo import DUE, OVERDUE, TODO_HOOK, TodoItem
from schools.backoffice import AreaViewSet, MenuLink
from schools.viewsets import ScopedModelViewSet, ScopedPermissionPolicy

from . import selectors, urls
from .forms import CampaignForm
from .models import Campaign


def _managed(*, user):
    if selectors.may_manage_campaigns(user=user):
        return Campaign.objects.all()
    return Campaign.objects.none()


# The campaign records themselves are the bureau admin's (oversight.campaign.manage): the
# auditor follows campaigns through the reports index and their status boards.
campaign_policy = ScopedPermissionPolicy(
    Campaign,
    read=_managed,
    write=_managed,
    may_read=selectors.may_manage_campaigns,
    may_write=selectors.may_manage_campaigns,
)
register_permission_policy(Campaign, campaign_policy)


class CampaignViewSet(ScopedModelViewSet):
    model = Campaign
    icon = "clipboard-list"
    menu_label = "报告任务管理"
    add_to_admin_menu = False
    permission_policy = campaign_policy
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "title",
        "opens_at",
        "deadline",
        BooleanColumn("all_schools", label="全部学校"),
    ]
    search_fields = ["title"]
    ordering = ["-deadline"]
    edit_handler_panels = [
        FieldPanel("title"),
        PageChooserPanel("plan", page_type="resources.PolicyPage"),
        FieldPanel("intro"),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("deadline")], heading="填报时间"),
        FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")], heading="统计期"),
        MultiFieldPanel([FieldPanel("all_schools"), FieldPanel("schools")], heading="面向学校"),
        MultiFieldPanel(
            [FieldPanel("remind_days_before"), FieldPanel("remind_overdue")], heading="提醒"
        ),
        FieldPanel("figure_keys"),
        InlinePanel("questions", heading="问题", label="问题"),
    ]
    edit_handler = ObjectList(edit_handler_panels, base_form_class=CampaignForm)


campaign_viewset = CampaignViewSet("oversight_campaigns", url_prefix="oversight/manage")


@hooks.register("register_admin_viewset")
def register_campaign_viewset():
    return campaign_viewset


class OversightArea(AreaViewSet):
    """督导与报告: the school's reports, the bureau's status boards and the campaign editor."""

    name = "oversight"
    menu_label = "督导与报告"
    icon = "clipboard-list"
    menu_order = 400
    routes = urls.urlpatterns
    menu_links = (
        MenuLink("实施情况报告", route="index", icon="clipboard-list", order=100),
        MenuLink("督导看板", route="dashboard", icon="view", order=200),
        MenuLink(
            "报告任务管理",
            url_name=campaign_viewset.get_url_name("index"),
            capability="oversight.campaign.manage",
            icon="cog",
            order=300,
        ),
    )


@hooks.register("register_admin_viewset")
def register_oversight_area():
    return OversightArea()


class CampaignsToAnswerPanel(Component):
    name = "oversight_campaigns_to_answer"
    template_name = "oversight/home_panel.html"
    order = 50

    def __init__(self, tasks):
        self.tasks = tasks

    def get_context_data(self, parent_context):
        return {"tasks": self.tasks}


@hooks.register("construct_homepage_panels")
def add_campaigns_panel(request, panels):
    tasks = selectors.campaigns_to_answer(user=request.user)
    if tasks:
        panels.append(CampaignsToAnswerPanel(tasks))


@hooks.register(TODO_HOOK)
def oversight_todo(*, user):
    """Reports the user's schools still have to send (the tasks the report index lists)."""
    tasks = selectors.campaigns_to_answer(user=user)
    if not tasks:
        return []
    now = timezone.now()
    late = [t for t in tasks if t.campaign.deadline < now]
    due = [t for t in tasks if t.campaign.deadline >= now]
    url = reverse("oversight:index")
    items = [
        TodoItem(
            area="督导与报告", label="报告已逾期未提交", count=len(late), url=url, severity=OVERDUE
        )
    ]
    if due:
        first = min(t.campaign.deadline for t in due)
        items.append(
            TodoItem(
                area="督导与报告",
                label="待提交的报告",
                count=len(due),
                url=url,
                severity=DUE,
                detail=f"最近截止：{timezone.localtime(first):%Y年%-m月%-d日 %H:%M}",
            )
        )
    return items
