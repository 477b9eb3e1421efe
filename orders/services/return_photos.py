"""Return photos: private files under `return-photos/<vendor_order_id>/`, named after the request's event.

A second return request after a refusal keeps its own photos; they are listed by prefix.
Photos are checked by content and re-encoded (ddasum.uploads) before any row is locked.
"""
import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ddasum.storage import private_storage
from ddasum.uploads import JPEG, PNG, WEBP, CleanUpload, upload_clean

from ..exceptions import OrderError

RETURN_PHOTOS_MAX = 3


RETURN_PHOTO_KINDS = (JPEG, PNG, WEBP)


RETURN_PHOTOS_DIR = "return-photos"


def return_photos_clean(photos) -> list[CleanUpload]:
    photos = [p for p in (photos or ()) if p]
    if len(photos) > RETURN_PHOTOS_MAX:
        raise OrderError(_("사진은 %(n)s장까지 올릴 수 있습니다.") % {"n": RETURN_PHOTOS_MAX})
    cleaned = []
    for n, photo in enumerate(photos, start=1):
        if isinstance(photo, CleanUpload):
            if photo.kind not in RETURN_PHOTO_KINDS:
                raise OrderError(_("사진 %(n)s: JPEG, PNG, WebP 파일만 올릴 수 있습니다.") % {"n": n})
            cleaned.append(photo)
            continue
        try:
            cleaned.append(upload_clean(photo, allowed=RETURN_PHOTO_KINDS))
        except ValidationError as exc:
            raise OrderError(_("사진 %(n)s: %(error)s") % {"n": n, "error": " ".join(exc.messages)}) from exc
    return cleaned


def return_photos_save(*, vendor_order_id: int, event_id: int, photos: list[CleanUpload]) -> list[str]:
    """Store a return request's cleaned photos, named after its event; all or none."""
    saved = []
    try:
        for n, photo in enumerate(photos, start=1):
            ext = photo.content.name.rsplit(".", 1)[-1]
            name = f"{RETURN_PHOTOS_DIR}/{vendor_order_id}/{event_id:010d}-{n}-{uuid.uuid4().hex[:8]}.{ext}"
            photo.content.seek(0)
            saved.append(private_storage.save(name, photo.content))
    except Exception:
        for name in saved:
            private_storage.delete(name)
        raise
    return saved


def vendor_order_return_photos(vendor_order_id: int) -> list[str]:
    """The names of a vendor order's return photos in the private storage, oldest request first."""
    prefix = f"{RETURN_PHOTOS_DIR}/{int(vendor_order_id)}"
    try:
        _dirs, files = private_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [f"{prefix}/{name}" for name in sorted(files)]


def vendor_order_return_photo_open(*, vendor_order_id: int, name: str):
    """Open one return photo of this vendor order (only a name from its own listing)."""
    if name not in vendor_order_return_photos(vendor_order_id):
        raise OrderError(_("없는 사진입니다."))
    return private_storage.open(name, "rb")
