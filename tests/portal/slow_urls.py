"""The portal's URLs plus views that take too long or fail to store an upload (tests only)."""

import time

from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from portal.storage import UploadNotSaved
from portal.urls import urlpatterns as portal_urlpatterns
from schools.models import AccessLog

PROBE = "deadline-probe"


def slow(request):
    """Writes, then runs far past any deadline a test sets."""
    with transaction.atomic():
        AccessLog.objects.create(action="slow", object_type=PROBE)
        for _ in range(100):
            time.sleep(0.1)
    return HttpResponse("finished")


def quick(request):
    return HttpResponse("finished")


def upload_fails(request):
    raise UploadNotSaved()


urlpatterns = [
    path("test-slow/", slow),
    path("test-quick/", quick),
    path("test-upload-fails/", upload_fails),
    *portal_urlpatterns,
]
