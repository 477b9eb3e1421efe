"""PDFs from Django templates with WeasyPrint, in the bundled Korean font.

One `FontConfiguration` (and the base stylesheet registered in it) is made per process, on
the first render, and shared by every render after it: loading the fonts is most of the
first render's time. Render in Celery workers, never inside a web request.

WeasyPrint is imported on first use, so the site starts (and the tests that do not make a
PDF run) on a machine without Pango; `weasyprint_missing()` says why it cannot render.
"""
import atexit
import logging
import shutil
import threading
from functools import cache

from django.conf import settings
from django.template.loader import render_to_string

# Nanum Gothic (OFL, from Debian's fonts-nanum), kept in the repository so PDFs render the
# same on every machine; static/fonts/OFL.txt is its licence.
FONT_DIR = settings.BASE_DIR / "static" / "fonts"
FONT_REGULAR = FONT_DIR / "NanumGothic.ttf"
FONT_BOLD = FONT_DIR / "NanumGothicBold.ttf"
# A family name of our own, so the bundled files are used rather than whatever the system has.
FONT_FAMILY = "Ddasum Nanum Gothic"

# WeasyPrint logs every step of every render at INFO (some at import); keep its warnings only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

_lock = threading.Lock()  # Pango and Fontconfig are not thread-safe; renders take turns.


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the system libraries it loads) cannot be imported here."""


@cache
def weasyprint_missing() -> str:
    """Why WeasyPrint cannot be imported, or "" when it can."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def base_css_text() -> str:
    return f"""
@font-face {{
  font-family: "{FONT_FAMILY}";
  src: url("{FONT_REGULAR.as_uri()}");
  font-weight: normal;
}}
@font-face {{
  font-family: "{FONT_FAMILY}";
  src: url("{FONT_BOLD.as_uri()}");
  font-weight: bold;
}}
@page {{ size: A4; margin: 14mm 12mm 16mm; }}
html {{ font-family: "{FONT_FAMILY}", sans-serif; font-size: 9.5pt; line-height: 1.4; color: #111; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
th, td {{ border: 0.6pt solid #555; padding: 1.2mm 1.6mm; vertical-align: middle; word-break: break-all; }}
th {{ background: #eee; font-weight: bold; }}
.num {{ text-align: right; }}
.center {{ text-align: center; }}
"""


@cache
def _renderer():
    """The process's FontConfiguration and base stylesheet (made once, on first use)."""
    if reason := weasyprint_missing():
        raise PdfUnavailable(reason)
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    css = CSS(string=base_css_text(), font_config=font_config)
    atexit.register(_font_folder_remove, font_config)
    return font_config, css


def _font_folder_remove(font_config) -> None:
    # FontConfiguration.__del__ removes its temporary font copies, but at interpreter exit it
    # runs after the modules it needs are gone; remove them while they are still there.
    folder, font_config._folder = font_config._folder, None
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render the template to an A4 PDF with the bundled font embedded."""
    html = render_to_string(template_name, context)
    font_config, base_css = _renderer()
    from weasyprint import HTML

    with _lock:
        return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
            stylesheets=[base_css], font_config=font_config)
