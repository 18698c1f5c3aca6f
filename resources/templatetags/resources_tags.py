"""How a page links to a downloadable file, asked of the one download rule."""

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils.http import urlencode

from resources.selectors import document_may_download

register = template.Library()


@dataclass(frozen=True)
class DownloadLink:
    href: str
    direct: bool  # the file itself: the link may carry the ``download`` attribute
    needs_login: bool  # anonymous visitor of a teachers-only file: log in, then come back
    refused: bool  # logged in without the right membership


@register.simple_tag(takes_context=True)
def download_link(context, document) -> DownloadLink:
    """``{% download_link doc as link %}``: where the download button of ``doc`` goes.

    Anonymous visitors of a teachers-only file go to the login page and come back to the
    page they were reading (a ``download`` attribute on a redirecting link would save the
    login page as a file).
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    # One answer per collection for the whole request (included templates included).
    memo = vars(request).setdefault("_download_link_collections", {}) if request else {}
    allowed = document_may_download(document=document, user=user, memo=memo)
    if allowed is None:
        back = request.get_full_path() if request else "/"
        href = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}"
        return DownloadLink(href=href, direct=False, needs_login=True, refused=False)
    return DownloadLink(
        href=document.url, direct=bool(allowed), needs_login=False, refused=not allowed
    )
