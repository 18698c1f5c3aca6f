"""The document download view: Wagtail's serve view (privacy, teachers-only hook, count),
then the file is named by its title through the one download-naming helper."""

from wagtail.documents import get_document_model
from wagtail.documents.views.serve import serve

from portal.downloads import download_name_set


def document_serve(request, document_id, document_filename):
    response = serve(request, document_id, document_filename)
    if response.status_code == 200 and response.has_header("Content-Disposition"):
        doc = get_document_model().objects.only("title", "file").get(pk=document_id)
        download_name_set(response, filename=doc.download_name)
    return response


def notice_poster_serve(request, *, page, kind: str):
    """One of a live notice's poster files (Wagtail's page routing has already turned away
    drafts and pages the visitor may not see). The PDFs are downloads named after the
    poster; the picture is shown inline."""
    from django.http import Http404, HttpResponse

    from portal.downloads import content_disposition

    from .services import POSTER_KINDS, notice_poster_file

    if kind not in POSTER_KINDS:
        raise Http404
    try:
        made = notice_poster_file(page=page, kind=kind)
    except ValueError:  # published before the editor checked the fit: no poster to give
        made = None
    if made is None:
        raise Http404
    data, content_type = made
    headline = (page.poster_headline or page.title).strip()
    response = HttpResponse(data, content_type=content_type)
    if kind in ("a4", "a3"):
        filename = f"海报-{headline}-{kind.upper()}.pdf"
        response["Content-Disposition"] = content_disposition(filename)
    else:
        filename = f"海报-{headline}.{kind}"
        response["Content-Disposition"] = content_disposition(filename, inline=True)
        if kind == "svg":
            response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
