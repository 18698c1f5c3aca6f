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

import re
import shutil
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


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT``, with no public URL."""

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
