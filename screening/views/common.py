"""What the screening views share: the access-log line, scoped lookups, the school year."""

from django.urls import reverse

from schools.audit import access_log_record
from schools.backoffice import deny, scoped_get

RESULT_FORM = "screening.result"
CONSENT_FORM = "screening.consent"


def _log(request, action, object_type, object_id="", school=None, allowed=True, student=None):
    """One access-log line; ``student`` names the student the line is about (archive and
    result lines name theirs from the object id)."""
    access_log_record(
        request=request,
        action=action,
        object_type=object_type,
        object_id=object_id,
        school=school,
        student=student,
        allowed=allowed,
    )


def _scoped_get(request, queryset, pk, *, action, object_type, of_student=False):
    return scoped_get(
        request, queryset, pk, action=action, object_type=object_type, of_student=of_student
    )


def _deny(request, action, object_type, object_id="", student=None):
    deny(request, action=action, object_type=object_type, object_id=object_id, student=student)


def _consent_url(rnd, student_id=None):
    if student_id is None:
        return reverse("screening:round_consent", args=[rnd.pk])
    return reverse("screening:consent_student", args=[rnd.pk, student_id])
