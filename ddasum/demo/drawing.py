"""The font of the demo's pictures and documents: the Nanum Gothic bundled for the PDFs."""
from functools import cache

from PIL import ImageFont

from ddasum.pdf import FONT_BOLD, FONT_REGULAR


@cache
def korean_font(size: int, *, bold: bool = False):
    """Nanum Gothic (bold or regular, the other if one is missing); otherwise Pillow's own font (Latin only)."""
    for path in ((FONT_BOLD, FONT_REGULAR) if bold else (FONT_REGULAR, FONT_BOLD)):
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def has_korean_font() -> bool:
    return FONT_BOLD.exists() or FONT_REGULAR.exists()
