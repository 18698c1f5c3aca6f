"""A hard limit on uploaded files, enforced while the request body is read.

``upload_limit(max_bytes)`` decorates a view: a file part larger than ``max_bytes`` is dropped
as soon as its bytes pass the limit (no more of it is kept in memory or on disk), the rest of
the form is still read, and the view finds the names of the dropped files in
``request.uploads_too_large`` to tell the user. A form's own size check after the fact stays
as a second guard.

Upload handlers can only change before the body is read, and the CSRF middleware reads it;
so the decorated view is exempt from the middleware and checks the token itself
(``csrf_protect``) once the handler is in place: the protection is the same.
"""

from __future__ import annotations

from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.views.decorators.csrf import csrf_exempt, csrf_protect


class LimitedUploadHandler(FileUploadHandler):
    """Counts each file's bytes as they arrive; past the limit, the file is skipped."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            dropped = getattr(self.request, "uploads_too_large", [])
            dropped.append(self.file_name)
            self.request.uploads_too_large = dropped
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_limit(max_bytes: int):
    """View decorator: files over ``max_bytes`` are dropped while streaming (see above)."""

    def decorate(view):
        protected = csrf_protect(view)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            request.uploads_too_large = []
            request.upload_handlers.insert(0, LimitedUploadHandler(request, max_bytes))
            return protected(request, *args, **kwargs)

        return csrf_exempt(wrapped)

    return decorate
