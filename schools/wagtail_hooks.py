"""The schools back office: 学校管理 (schools, facilities, classes, staff, students, imports,
R-10 gaps, access log), each with its scoped permission policy."""

from django.template.loader import render_to_string
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.permissions import register_permission_policy

from .admin_views import SchoolsViewSetGroup, psych_gap_panel_context
from .policies import POLICIES

for _model, _policy in POLICIES.items():
    register_permission_policy(_model, _policy)


@hooks.register("register_admin_viewset")
def register_schools_viewsets():
    return SchoolsViewSetGroup()


class PsychGapPanel(Component):
    """Bureau dashboard: how many schools lack an active psychology teacher (R-10)."""

    name = "psych_gap"
    order = 90

    def __init__(self, context):
        self.context = context

    def render_html(self, parent_context=None):
        return render_to_string("schools/admin/psych_gap_panel.html", self.context)


@hooks.register("construct_homepage_panels")
def add_psych_gap_panel(request, panels):
    context = psych_gap_panel_context(request)
    if context is not None:
        panels.append(PsychGapPanel(context))


@hooks.register("register_export_kinds")
def schools_exports():
    from .exports import ACCESS_LOG

    return [ACCESS_LOG]
