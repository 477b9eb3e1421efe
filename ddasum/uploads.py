"""Check an uploaded file by its content and make a clean copy of it.

One function for every upload of the site (vendor documents now, product images later):
the type is read from the bytes, never from the name; images are re-encoded with Pillow,
which drops EXIF (GPS position, camera serial) and any payload hidden after the image;
a PDF must parse and must not be encrypted.
"""
import hashlib
import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

PDF, JPEG, PNG, WEBP = "pdf", "jpeg", "png", "webp"
CONTENT_TYPES = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png", WEBP: "image/webp"}
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", WEBP: "webp"}
LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", WEBP: "WebP"}
# Pillow refuses images over this many pixels (a decompression bomb guard).
MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class CleanUpload:
    content: ContentFile
    kind: str
    content_type: str
    original_name: str
    size: int
    sha256: str


def sniff_kind(head: bytes) -> str | None:
    """Name the file type from its first bytes, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def upload_clean(upload, *, allowed=(PDF, JPEG, PNG), max_bytes: int | None = None) -> CleanUpload:
    """Return a clean copy of `upload` or raise ValidationError with a Korean message."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    original_name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("파일이 너무 큽니다. %(limit)s까지 올릴 수 있습니다.") % {"limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("파일이 너무 큽니다. %(limit)s까지 올릴 수 있습니다.") % {"limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("빈 파일입니다."), code="empty")
    kind = sniff_kind(data[:16])
    if kind not in allowed:
        names = ", ".join(LABELS[k] for k in allowed)
        raise ValidationError(
            _("%(names)s 파일만 올릴 수 있습니다. 파일 내용을 확인해 주세요.") % {"names": names},
            code="type",
        )
    if kind == PDF:
        clean = _check_pdf(data)
    else:
        clean = _reencode_image(data, kind)
    name = f"{uuid.uuid4().hex}.{EXTENSIONS[kind]}"
    return CleanUpload(
        content=ContentFile(clean, name=name),
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        original_name=original_name,
        size=len(clean),
        sha256=hashlib.sha256(clean).hexdigest(),
    )


def _check_pdf(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("암호가 걸린 PDF는 올릴 수 없습니다."), code="pdf_encrypted")
        if len(reader.pages) < 1:
            raise ValidationError(_("쪽이 없는 PDF입니다."), code="pdf_empty")
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ValidationError(_("PDF 파일을 읽을 수 없습니다. 손상되지 않은 파일인지 확인해 주세요."), code="pdf") from exc
    return data


def _reencode_image(data: bytes, kind: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("이미지가 너무 큽니다. 가로세로 크기를 줄여 주세요."), code="pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            out = io.BytesIO()
            if kind == JPEG:
                img.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
            elif kind == PNG:
                if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    img = img.convert("RGBA")
                img.save(out, "PNG", optimize=True)
            else:
                img.save(out, "WEBP", quality=90)
            return out.getvalue()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("이미지 파일을 읽을 수 없습니다. 손상되지 않은 파일인지 확인해 주세요."), code="image") from exc


def image_field_clean(value, *, allowed=(JPEG, PNG, WEBP)):
    """For a form's image field: a new upload is checked and re-encoded, a kept file stays as it is."""
    from django.core.files.uploadedfile import UploadedFile

    if isinstance(value, UploadedFile):
        return upload_clean(value, allowed=allowed).content
    return value
