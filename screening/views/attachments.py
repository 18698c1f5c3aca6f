"""An archive attachment, downloaded through the archive's own scope (never a storage URL)."""

from django.http import FileResponse, Http404

from portal.downloads import download_name_set
from schools.backoffice import capability_view

from .. import selectors
from ..models import Attachment
from ..services.attachments import CONTENT_TYPES
from .common import _log, _scoped_get


@capability_view("screening.result.read", action="download", object_type="screening.attachment")
def attachment_download(request, pk):
    """The file, for those who may open the student's archive; every download is logged."""
    attachments = Attachment.objects.filter(
        student__in=selectors.archive_students_for(user=request.user)
    ).select_related("school")
    attachment = _scoped_get(
        request, attachments, pk, action="download", object_type="screening.attachment"
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    _log(
        request,
        "download",
        "screening.attachment",
        attachment.pk,
        attachment.school,
        student=attachment.student_id,
    )
    ext = attachment.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        handle, as_attachment=True, content_type=CONTENT_TYPES.get(ext, "application/octet-stream")
    )
    return download_name_set(response, filename=attachment.name)
