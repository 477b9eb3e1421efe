"""Issue 11, items 4 and 5: the image check does not depend on Pillow's process-wide flags, and an
image too large is refused from its header with the limit named.

WeasyPrint sets `PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True` when it is imported; before issue 11 every
truncated JPEG was accepted (filled grey) once any PDF had been rendered in the process.
"""
import functools
import io
import random
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image, ImageFile

from ddasum import uploads
from ddasum.image_check import ImageDamaged, image_complete_check, image_size
from ddasum.pdf import render_pdf, weasyprint_missing
from ddasum.uploads import MAX_IMAGE_PIXELS, upload_clean
from tests.factories import MembershipFactory, VendorFactory, upload
from vendors.models import DocumentKind, VendorStatus

FORMATS = ("JPEG", "PNG", "WEBP")
DAMAGED = "이미지 파일을 읽을 수 없습니다"


@functools.cache
def _noise(size) -> bytes:
    return random.Random(7).randbytes(size[0] * size[1] * 3)


def photo(fmt: str, size=(320, 240), **save) -> bytes:
    """A photo-like image (noise, so it does not compress to nothing)."""
    img = Image.frombytes("RGB", size, _noise(size))
    out = io.BytesIO()
    img.save(out, fmt, **save)
    return out.getvalue()


def _cuts(data: bytes) -> list[int]:
    """Where to cut the file: inside the end marker/CRC, a little before, halfway, early."""
    return sorted({1, 2, 4, 8, 13, 64, len(data) // 2, len(data) - 200})


def _refused(data: bytes, name="x.img") -> str:
    with pytest.raises(ValidationError) as exc:
        upload_clean(upload(name, data), allowed=("jpeg", "png", "webp"))
    return exc.value.messages[0]


@pytest.fixture
def weasyprint_rendered():
    """A PDF rendered in this process first: what sets Pillow's flag in a worker or a web process."""
    if weasyprint_missing():
        pytest.skip(weasyprint_missing())
    assert render_pdf("pdf/procurement/bundle_cover.html", {
        "title": "표지", "number": "QT-1", "quote": {}, "request": {}, "agency": "기관", "vendor": {}, "rows": [],
        "cover_pages": 1, "missing": [], "delivery_pending": True, "made_at": ""}).startswith(b"%PDF")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # WeasyPrint set it (and it stays set)


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_images_are_refused_after_a_pdf_render(weasyprint_rendered, fmt):
    """Fails before issue 11: with the flag on, a truncated JPEG (and a PNG missing its last bytes) passed."""
    data = photo(fmt)
    for cut in _cuts(data):
        assert DAMAGED in _refused(data[:-cut]), (fmt, cut)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the check did not touch the flag


@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_check_does_not_depend_on_the_flag(monkeypatch, fmt, flag):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", flag)
    data = photo(fmt)
    for cut in _cuts(data):
        assert DAMAGED in _refused(data[:-cut]), (fmt, cut, flag)
    assert upload_clean(upload("ok.img", data), allowed=("jpeg", "png", "webp")).kind == fmt.lower()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is flag


@pytest.mark.django_db
def test_a_truncated_seal_is_refused_on_the_application_page(client, weasyprint_rendered):
    vendor = VendorFactory(status=VendorStatus.DRAFT)
    client.force_login(MembershipFactory(vendor=vendor).user)
    data = photo("JPEG")
    response = client.post(reverse("vendors:application_documents", args=[vendor.pk]),
                           {DocumentKind.SEAL: upload("도장.jpg", data[:-30], "image/jpeg")})
    assert response.status_code == 200
    assert DAMAGED in response.context["form"].errors[DocumentKind.SEAL][0]
    assert not vendor.documents.exists()


@pytest.mark.parametrize("make", [
    lambda: photo("JPEG", progressive=True),
    lambda: photo("JPEG", quality=70, optimize=True),
    lambda: photo("JPEG") + b"TRAILING-PAYLOAD",  # data after EOI: allowed, dropped on re-encoding
    lambda: photo("PNG"),
    lambda: photo("PNG", optimize=True),
    lambda: _png_interlaced(),
    lambda: _png_mode("P"), lambda: _png_mode("LA"), lambda: _png_mode("I;16"), lambda: _png_mode("1"),
    lambda: photo("WEBP", quality=80), lambda: photo("WEBP", lossless=True),
], ids=["jpeg-progressive", "jpeg-optimized", "jpeg-trailer", "png", "png-optimized", "png-interlaced",
        "png-palette", "png-grey-alpha", "png-16bit", "png-1bit", "webp-lossy", "webp-lossless"])
def test_whole_images_of_every_kind_pass(monkeypatch, make):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
    data = make()
    kind = {b"\xff\xd8": "jpeg", b"\x89P": "png", b"RI": "webp"}[data[:2]]
    image_complete_check(data, kind)
    assert upload_clean(upload("ok.img", data), allowed=("jpeg", "png", "webp")).kind == kind


def _png_interlaced() -> bytes:
    """Pillow cannot write Adam7; build it: one pass per 8×8 block size, rows filter 0."""
    width, height = 13, 9
    raw = b""
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                           (0, 1, 1, 2)):
        cols = len(range(x0, width, dx))
        for _y in range(y0, height, dy):
            if cols:
                raw += b"\x00" + bytes(range(3 * cols))
    return _png(width, height, 8, 2, zlib.compress(raw), interlace=1)


def _png_mode(mode: str) -> bytes:
    img = Image.new("RGB", (50, 40), (200, 30, 30)).convert(mode) if mode != "I;16" else Image.new("I;16", (50, 40), 300)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width, height, depth, colour, idat: bytes, interlace=0) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


# --- item 5: too large ----------------------------------------------------------------------------


def huge_png(side=20_000) -> bytes:
    """A 20000×20000 PNG as a scanner could send: a valid header and a short (bomb-like) image stream."""
    return _png(side, side, 1, 0, zlib.compress(b"\x00" * 4096))


def huge_jpeg(width=20_000, height=20_000) -> bytes:
    sof = b"\x08" + struct.pack(">HH", height, width) + b"\x03" + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9"


def huge_webp(width=20_000, height=20_000) -> bytes:
    vp8x = b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize("make, name", [(huge_png, "scan.png"), (huge_jpeg, "photo.jpg"), (huge_webp, "a.webp")])
def test_an_image_too_large_gets_the_limit_not_damaged(make, name):
    """Fails before issue 11: the 20000×20000 PNG got "damaged file"."""
    message = _refused(make(), name)
    assert "이미지가 너무 큽니다" in message, message
    assert "20,000×20,000" in message and f"최대 {MAX_IMAGE_PIXELS:,} 화소" in message, message
    assert DAMAGED not in message


def test_the_size_is_read_from_the_header_before_decoding(monkeypatch):
    def no_decoding(*args, **kwargs):
        raise AssertionError("Pillow must not open an image that is too large")

    monkeypatch.setattr(uploads.Image, "open", no_decoding)
    with pytest.raises(ValidationError) as exc:
        upload_clean(upload("scan.png", huge_png()))
    assert exc.value.error_list[0].code == "pixels"
    assert image_size(huge_png(), "png") == (20_000, 20_000)
    assert image_size(huge_jpeg(6000, 4000), "jpeg") == (6000, 4000)
    assert image_size(huge_webp(300, 200), "webp") == (300, 200)


def test_a_large_image_within_the_limit_passes_the_size_check():
    side = 6000  # 36 million pixels, under 40 million
    with pytest.raises(ImageDamaged):  # the header is fine; the stream holds no rows: damaged, not too large
        image_complete_check(huge_png(side), "png")
    assert "너무 큽니다" not in _refused(huge_png(side))


def test_header_sizes_of_real_files():
    for fmt in FORMATS:
        assert image_size(photo(fmt, size=(321, 123)), fmt.lower()) == (321, 123)
    assert image_size(photo("WEBP", size=(321, 123), lossless=True), "webp") == (321, 123)
