"""An archive attachment, downloaded through the archive's own scope (never a storage URL)."""

from portal.downloads import private_file_response
from schools.backoffice import capability_view

from .. import selectors
from ..models import Attachment
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
    _log(
        request,
        "download",
        "screening.attachment",
        attachment.pk,
        attachment.school,
        student=attachment.student_id,
    )
    return private_file_response(attachment.file, filename=attachment.name)
