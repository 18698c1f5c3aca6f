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
