"""Where uploaded files live: private by default, image renditions public.

* ``PrivateStorage`` (``STORAGES["default"]``) keeps every upload — documents, original
  images, training evidence, report attachments — under ``PRIVATE_MEDIA_ROOT``
  (``var/private/``). No route serves that directory and its files have no URL: they are
  read only by the permission-checked views (Wagtail's document serve view, the evidence and
  attachment downloads).
* ``STORAGES["renditions"]`` (``MEDIA_ROOT``, ``var/media/``) holds nothing but the image
  renditions Wagtail generates; ``portal.views.media_rendition`` serves them, and only
  paths of the form ``images/<one normalised file name>``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property

#: The one public folder under MEDIA_ROOT (Wagtail writes renditions to ``images/``).
RENDITION_FOLDER = "images"
#: A rendition's file name: letters/digits (any script), ``-``, ``_`` and dots; no path
#: separator, no ``%``, no backslash; see ``rendition_name_valid``.
_RENDITION_NAME = re.compile(r"^[\w\-.]+\.(?:png|jpe?g|gif|webp|avif)$", re.IGNORECASE)


UPLOAD_FAILED = (
    "文件没有保存：服务器的文件存储目录暂时无法写入（没有写权限或磁盘已满）。"
    "本次提交没有保存任何内容，请稍后再试；如果仍然不行，请联系系统管理员。"
)


class UploadNotSaved(Exception):
    """An upload could not be written (folder not writable, disk full): nothing of it is
    left behind. Its text is the user's message (:data:`UPLOAD_FAILED`)."""

    def __init__(self, message: str = UPLOAD_FAILED):
        super().__init__(message)


class _Written:
    """A file already written to a temporary path, which Django's storage moves into place."""

    def __init__(self, path: str):
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT``, with no public URL.

    A file is written whole to a hidden temporary file beside its destination, then moved
    under its name: a write that fails half-way (disk full) leaves no partial file, and any
    failure to write becomes :class:`UploadNotSaved` with a message for the user.
    """

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        # Wagtail treats NotImplementedError as "no direct URL" and serves through its view.
        raise NotImplementedError("私有文件没有公开地址，只能经权限检查的视图下载。")

    def _save(self, name, content):
        partial = None
        try:
            if hasattr(content, "temporary_file_path"):  # a large upload, already on disk
                return super()._save(name, content)
            directory = os.path.dirname(self.path(name))
            os.makedirs(directory, exist_ok=True)
            fd, partial = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".part")
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            return super()._save(name, _Written(partial))
        except OSError as exc:
            raise UploadNotSaved() from exc
        finally:
            if partial and os.path.exists(partial):
                os.unlink(partial)


def upload_writable(folder: str = ""):
    """A form-field validator: the upload can be written to ``folder`` now."""

    def check(upload):
        from django.core.exceptions import ValidationError

        if upload and (problem := upload_problem(folder=folder)):
            raise ValidationError(problem, code="upload_unwritable")

    return check


def upload_problem(*, folder: str = "", storage=None) -> str | None:
    """The user's message when uploads cannot be written to ``folder`` now, else None.

    Upload forms ask this while validating, so an unwritable or missing media folder is a
    form error before anything is stored. A storage without local paths is not checked."""
    from django.core.files.storage import default_storage

    storage = storage or default_storage
    try:
        path = storage.path(folder)
    except NotImplementedError:
        return None
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError:
        return UPLOAD_FAILED
    return None


def rendition_name_valid(name: str) -> bool:
    """Whether ``name`` is a single, normalised rendition file name.

    Refused: anything with ``/`` or ``\\`` (after the URL was decoded once), ``%`` (an
    encoding left over from double encoding), a leading dot or ``..`` anywhere, and any
    extension that is not a raster image.
    """
    if not name or name.startswith(".") or ".." in name:
        return False
    if any(ch in name for ch in "/\\%\x00"):
        return False
    return bool(_RENDITION_NAME.match(name))


def private_files_move(*, out=None) -> int:
    """Move every file under MEDIA_ROOT except renditions into PRIVATE_MEDIA_ROOT.

    Databases keep the files' names (``documents/…``, ``original_images/…``,
    ``training-evidence/…``), which stay valid: only the root changes. Idempotent; a file
    already present at the destination is left where it is and reported. Returns the number
    of files moved.
    """
    media = Path(settings.MEDIA_ROOT)
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    if not media.is_dir():
        return 0
    moved = 0
    for path in sorted(media.rglob("*")):
        if not path.is_file() and not path.is_symlink():
            continue
        relative = path.relative_to(media)
        if relative.parts[0] == RENDITION_FOLDER:
            continue
        target = private / relative
        if target.exists():
            if out:
                out(f"已存在，未移动：{relative}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
        moved += 1
    # Remove the emptied folders (never the rendition folder or MEDIA_ROOT itself).
    for folder in sorted((p for p in media.rglob("*") if p.is_dir()), reverse=True):
        if folder.relative_to(media).parts[0] != RENDITION_FOLDER and not any(folder.iterdir()):
            folder.rmdir()
    if out and moved:
        out(f"已把 {moved} 个私有文件从 {media} 移到 {private}")
    return moved
