"""R-10: 中小学 without an active psychology teacher — the list and the dashboard panel.

The source asks for a psychology teacher in 每所中小学: kindergartens are listed apart (with
whether they have one), never counted as gaps."""

from django.urls import path, reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from .. import access, selectors
from ..backoffice import CapabilityMenuItem, CapabilityRequiredMixin


class PsychGapView(CapabilityRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "schools/admin/psych_gap.html"
    page_title = "未配备心理教师的中小学"
    header_icon = "warning"
    capability = "schools.psychgap.read"
    denied_object_type = "schools.psych_gap"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        schools = selectors.schools_without_psych_teacher(user=self.request.user)
        context["schools"] = list(schools.order_by("township", "code"))
        context["total"] = selectors.primary_secondary_schools_for(user=self.request.user).count()
        context["kindergartens"] = list(
            selectors.kindergartens_psych_staffing(user=self.request.user).order_by(
                "township", "code"
            )
        )
        return context


class PsychGapViewSet(ViewSet):
    name = "schools_psych_gap"
    url_prefix = "schools/psych-gap"
    menu_label = "心理教师配备缺口"
    icon = "warning"

    def get_urlpatterns(self):
        return [path("", PsychGapView.as_view(), name="index")]

    def get_menu_item(self, order=None):
        return CapabilityMenuItem(
            label=self.menu_label,
            url=reverse("schools_psych_gap:index"),
            name="psych-gap",
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
            capability=PsychGapView.capability,
        )


def psych_gap_panel_context(request) -> dict | None:
    """Figures for the bureau's dashboard panel; None for everyone else."""
    if not access.can(user=request.user, cap=PsychGapView.capability):
        return None
    return {
        "missing": selectors.schools_without_psych_teacher(user=request.user).count(),
        "total": selectors.primary_secondary_schools_for(user=request.user).count(),
        "url": reverse("schools_psych_gap:index"),
    }
