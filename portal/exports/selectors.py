"""Reading export jobs: a person sees only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from schools import access

from .registry import ExportKind, kinds

RECENT = 30  # jobs listed on 我的导出


def exports_of(*, user) -> QuerySet:
    """The user's own export jobs, newest first (nobody else's, whatever their role)."""
    from portal.models import ExportJob

    if not getattr(user, "is_authenticated", False):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(user=user).order_by("-created_at", "-pk")


def kinds_for(*, user) -> list[ExportKind]:
    """The kinds of export the user may start (their capability), by label."""
    return sorted(
        (k for k in kinds().values() if access.can(user=user, cap=k.capability)),
        key=lambda k: k.label,
    )
