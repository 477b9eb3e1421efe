"""Read an image's size from its header and check that the file is whole, without Pillow.

Pillow's decoders accept a truncated file (filling the missing part grey) when the process-wide
`ImageFile.LOAD_TRUNCATED_IMAGES` is set, and WeasyPrint sets it on import. So the upload check
does not ask Pillow whether a file is complete: it walks the format's own structure to its end.

- JPEG: every marker segment in full, the entropy-coded data of each scan, up to EOI.
- PNG: every chunk in full with its CRC, IHDR first, up to IEND; the IDAT data inflated as one
  zlib stream that ends and gives exactly the bytes the image's rows need (a full decode).
- WebP: the RIFF size within the file and every chunk within the RIFF size.

Data after the end (JPEG after EOI, PNG after IEND) is allowed: the re-encoding drops it.
`image_size` reads only the header, so an image too large to decode is refused before decoding.
"""
import struct
import zlib


class ImageDamaged(ValueError):
    """The file is not a whole image of its format."""


def _be16(data: bytes, at: int) -> int:
    return struct.unpack_from(">H", data, at)[0]


def _be32(data: bytes, at: int) -> int:
    return struct.unpack_from(">I", data, at)[0]


def _le24(data: bytes, at: int) -> int:
    return data[at] | data[at + 1] << 8 | data[at + 2] << 16


# --- JPEG ------------------------------------------------------------------------------------

# Start-of-frame markers (they carry the size); C4, C8 and CC are other segments.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_RST = frozenset(range(0xD0, 0xD8))
_EOI, _SOS = 0xD9, 0xDA


def _jpeg_walk(data: bytes, *, to_end: bool) -> tuple[int, int] | None:
    """The (width, height) of the first frame; with to_end=True, also walk to EOI or raise."""
    if not data.startswith(b"\xff\xd8"):
        raise ImageDamaged("no SOI")
    size = None
    pos, end = 2, len(data)
    while True:
        # The next marker: 0xFF (fill bytes may repeat it) and a code; stray bytes are skipped.
        pos = data.find(b"\xff", pos)
        if pos < 0:
            raise ImageDamaged("truncated before EOI")
        while pos < end and data[pos] == 0xFF:
            pos += 1
        if pos >= end:
            raise ImageDamaged("truncated in a marker")
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            if size is None:
                raise ImageDamaged("no frame")
            return size
        if marker in _RST or marker in (0x00, 0x01):
            continue
        if pos + 2 > end:
            raise ImageDamaged("truncated in a segment length")
        length = _be16(data, pos)
        if length < 2 or pos + length > end:
            raise ImageDamaged("truncated segment")
        if marker in _SOF and size is None:
            if length < 7:
                raise ImageDamaged("short frame header")
            size = (_be16(data, pos + 5), _be16(data, pos + 3))
            if not to_end:
                return size
        pos += length
        if marker == _SOS:
            if size is None:
                raise ImageDamaged("scan before frame")
            pos = _jpeg_scan_end(data, pos)


def _jpeg_scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at `pos` ends (the next marker's 0xFF)."""
    end = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= end:
            raise ImageDamaged("truncated in scan data")
        code = data[pos + 1]
        if code == 0x00 or code in _RST:  # a stuffed 0xFF, or a restart marker inside the scan
            pos += 2
        elif code == 0xFF:  # fill byte before a marker
            pos += 1
        else:
            return pos


# --- PNG -------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_INFLATE_STEP = 1 << 20


def _png_header(data: bytes) -> tuple[int, int, int, int, int]:
    """(width, height, bit depth, colour type, interlace) from IHDR."""
    if not data.startswith(_PNG_SIGNATURE) or len(data) < 33 or data[12:16] != b"IHDR" or _be32(data, 8) != 13:
        raise ImageDamaged("no IHDR")
    width, height = _be32(data, 16), _be32(data, 20)
    depth, colour, interlace = data[24], data[25], data[28]
    if colour not in _PNG_CHANNELS or depth not in (1, 2, 4, 8, 16) or interlace not in (0, 1):
        raise ImageDamaged("bad IHDR")
    return width, height, depth, colour, interlace


def _png_raw_size(width: int, height: int, depth: int, colour: int, interlace: int) -> int:
    """How many bytes the inflated IDAT data of this image holds (a filter byte and the pixels of each row)."""
    bits = _PNG_CHANNELS[colour] * depth

    def rows(w: int, h: int) -> int:
        return h * (1 + (w * bits + 7) // 8) if w and h else 0

    if not interlace:
        return rows(width, height)
    total = 0
    for x0, y0, dx, dy in _ADAM7:
        total += rows((width - x0 + dx - 1) // dx if width > x0 else 0, (height - y0 + dy - 1) // dy if height > y0 else 0)
    return total


def _png_check(data: bytes) -> None:
    header = _png_header(data)
    expected = _png_raw_size(*header)
    inflater = zlib.decompressobj()
    inflated = 0
    pos, end = 8, len(data)
    while True:
        if pos + 12 > end:
            raise ImageDamaged("truncated before IEND")
        length, kind = _be32(data, pos), data[pos + 4:pos + 8]
        body_end = pos + 8 + length
        if body_end + 4 > end:
            raise ImageDamaged(f"truncated {kind!r} chunk")
        if zlib.crc32(data[pos + 4:body_end]) != _be32(data, body_end):
            raise ImageDamaged(f"bad CRC in {kind!r}")
        if kind == b"IDAT":
            if inflater.eof and length:
                raise ImageDamaged("IDAT after the end of the image data")
            try:
                chunk = data[pos + 8:body_end]
                while chunk:
                    inflated += len(inflater.decompress(chunk, _INFLATE_STEP))
                    chunk = inflater.unconsumed_tail
                    if inflated > expected:
                        raise ImageDamaged("more image data than the rows hold")
            except zlib.error as exc:
                raise ImageDamaged(f"image data: {exc}") from exc
        elif kind == b"IEND":
            break
        pos = body_end + 4
    if not inflater.eof or inflated != expected:
        raise ImageDamaged(f"image data ends early ({inflated} of {expected} bytes)")


# --- WebP ------------------------------------------------------------------------------------


def _webp_chunks(data: bytes):
    """(fourcc, payload) of each chunk; raises when the file is shorter than its RIFF size says."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ImageDamaged("no RIFF/WEBP header")
    riff_end = 8 + struct.unpack_from("<I", data, 4)[0]
    if riff_end > len(data):
        raise ImageDamaged("truncated (RIFF size)")
    pos = 12
    while pos < riff_end:
        if pos + 8 > riff_end:
            raise ImageDamaged("truncated chunk header")
        fourcc, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if body + size > riff_end:
            raise ImageDamaged(f"truncated {fourcc!r} chunk")
        yield fourcc, data[body:body + size]
        pos = body + size + (size & 1)


def _webp_size(data: bytes) -> tuple[int, int]:
    for fourcc, payload in _webp_chunks(data):
        if fourcc == b"VP8X" and len(payload) >= 10:
            return 1 + _le24(payload, 4), 1 + _le24(payload, 7)
        if fourcc == b"VP8 " and len(payload) >= 10 and payload[3:6] == b"\x9d\x01\x2a":
            return struct.unpack_from("<H", payload, 6)[0] & 0x3FFF, struct.unpack_from("<H", payload, 8)[0] & 0x3FFF
        if fourcc == b"VP8L" and len(payload) >= 5 and payload[0] == 0x2F:
            bits = struct.unpack_from("<I", payload, 1)[0]
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        break
    raise ImageDamaged("no image header")


def _webp_check(data: bytes) -> None:
    kinds = {fourcc for fourcc, _payload in _webp_chunks(data)}
    if not kinds & {b"VP8 ", b"VP8L", b"ANMF"}:
        raise ImageDamaged("no image data")


# --- the two questions -----------------------------------------------------------------------


def image_size(data: bytes, kind: str) -> tuple[int, int]:
    """(width, height) from the header of a "jpeg", "png" or "webp" file, without decoding it."""
    try:
        if kind == "jpeg":
            return _jpeg_walk(data, to_end=False)
        if kind == "png":
            return _png_header(data)[:2]
        if kind == "webp":
            return _webp_size(data)
    except (struct.error, IndexError) as exc:
        raise ImageDamaged(str(exc)) from exc
    raise ValueError(f"not an image kind: {kind}")


def image_complete_check(data: bytes, kind: str) -> None:
    """Raise ImageDamaged unless the file holds its format's structure whole, to its end."""
    try:
        if kind == "jpeg":
            _jpeg_walk(data, to_end=True)
        elif kind == "png":
            _png_check(data)
        elif kind == "webp":
            _webp_check(data)
        else:
            raise ValueError(f"not an image kind: {kind}")
    except (struct.error, IndexError) as exc:
        raise ImageDamaged(str(exc)) from exc
