"""Check an uploaded file by its content and make a clean copy of it.

One function for every upload of the site (vendor documents, attachments, evidence, images):
the type is read from the bytes, never from the name; images are checked whole by their own
structure (never by Pillow's process-wide truncation flag, which WeasyPrint turns on), sized
from the header before decoding, and re-encoded with Pillow, which drops EXIF (GPS position,
camera serial) and any payload hidden after the image; a PDF is rewritten without active
content (scripts, actions, forms, attachments: ddasum.pdf_clean) and only the clean copy is kept.
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

from .image_check import ImageDamaged, image_complete_check, image_size
from .pdf_clean import ENCRYPTED, NO_PAGES, SURVIVED, PdfUnsafe, pdf_clean

PDF, JPEG, PNG, WEBP = "pdf", "jpeg", "png", "webp"
CONTENT_TYPES = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png", WEBP: "image/webp"}
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", WEBP: "webp"}
LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", WEBP: "WebP"}
# Images over this many pixels are refused from their header, before decoding (a decompression
# bomb guard; 40 million is more than a 7000×5000 camera photo).
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
    """The PDF rewritten without active content; refused only when it cannot be cleaned."""
    try:
        clean = pdf_clean(data)
    except PdfUnsafe as exc:
        if exc.reason == ENCRYPTED:
            raise ValidationError(
                _("열람 암호가 걸린 PDF는 올릴 수 없습니다. 암호를 풀어 저장한 파일을 올려 주세요."), code="pdf_encrypted"
            ) from exc
        if exc.reason == NO_PAGES:
            raise ValidationError(_("쪽이 없는 PDF입니다."), code="pdf_empty") from exc
        if exc.reason == SURVIVED:
            raise ValidationError(
                _("PDF의 스크립트·첨부 파일 같은 실행 요소를 지울 수 없어 올릴 수 없습니다. "
                  "'PDF로 인쇄'로 다시 저장한 파일을 올려 주세요."), code="pdf_active"
            ) from exc
        raise ValidationError(_("PDF 파일을 읽을 수 없습니다. 손상되지 않은 파일인지 확인해 주세요."), code="pdf") from exc
    try:
        # What the bundles merge with: the clean copy must open there too.
        if len(PdfReader(io.BytesIO(clean)).pages) < 1:
            raise ValidationError(_("쪽이 없는 PDF입니다."), code="pdf_empty")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ValidationError(_("PDF 파일을 읽을 수 없습니다. 손상되지 않은 파일인지 확인해 주세요."), code="pdf") from exc
    return clean


def image_too_large_error(width: int, height: int) -> ValidationError:
    return ValidationError(
        _("이미지가 너무 큽니다(%(width)s×%(height)s 화소). 최대 %(limit)s 화소(예: 6,000×6,000)까지 올릴 수 있으니 "
          "크기를 줄여 다시 올려 주세요.")
        % {"width": f"{width:,}", "height": f"{height:,}", "limit": f"{MAX_IMAGE_PIXELS:,}"},
        code="pixels",
    )


def _damaged_image() -> ValidationError:
    return ValidationError(_("이미지 파일을 읽을 수 없습니다. 손상되지 않은 파일인지 확인해 주세요."), code="image")


def _reencode_image(data: bytes, kind: str) -> bytes:
    # Size from the header and the whole structure first, by our own reading: neither depends on
    # Pillow's process-wide flags (LOAD_TRUNCATED_IMAGES, MAX_IMAGE_PIXELS), which others may set.
    try:
        width, height = image_size(data, kind)
        if width * height > MAX_IMAGE_PIXELS:
            raise image_too_large_error(width, height)
        if not (width and height):
            raise ImageDamaged("empty image")
        image_complete_check(data, kind)
    except ImageDamaged as exc:
        raise _damaged_image() from exc
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.size != (width, height):
                raise _damaged_image()
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
    except Image.DecompressionBombError as exc:
        raise image_too_large_error(width, height) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _damaged_image() from exc


def image_field_clean(value, *, allowed=(JPEG, PNG, WEBP)):
    """For a form's image field: a new upload is checked and re-encoded, a kept file stays as it is."""
    from django.core.files.uploadedfile import UploadedFile

    if isinstance(value, UploadedFile):
        return upload_clean(value, allowed=allowed).content
    return value
