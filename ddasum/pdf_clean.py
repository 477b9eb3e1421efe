"""Remove active content from PDFs: every PDF we store or hand to someone else carries none.

Vendors' scanners and office suites add odd things (forms, attachments, scripts), and a PDF
is passed on from the vendor to agencies (their documents, bundles and ZIPs), from agencies to
vendors (attachments) and to the operator. So no PDF is stored as uploaded: `pdf_clean` writes a
copy without anything a reader could run or fetch, and only what cannot be cleaned (a user
password, a file that does not parse) is refused.

What goes (fail closed; an allowlist of actions, everything else is removed):
  1. pikepdf's Sanitizer: JavaScript, external actions (URI, Launch, GoToR, GoToE, SubmitForm,
     ImportData), multimedia, attachments (/EmbeddedFiles, /AF, FileAttachment), portfolios,
     walking the catalog, pages, annotations, the AcroForm field tree, outlines and /Next chains.
  2. Forms: appearances generated and flattened into the page (what the form showed stays),
     then /AcroForm (and with it XFA) and any widget left are removed.
  3. A sweep over every object for what is left: each /AA, /OpenAction, /JS, /EF, any action
     (under /A /PA /OpenAction /Next, or /Type /Action) whose /S is not GoTo, RichMedia, Screen,
     Movie, Sound, 3D and FileAttachment annotations, the /JavaScript /EmbeddedFiles /Renditions
     name trees, /XFA, /NeedsRendering, /Collection.
The detector is the same sweep without changes, and `pdf_clean` checks its own output with it (a
file it finds nothing in, unencrypted, is kept byte for byte).
Objects nothing refers to any more are not written on save, so removed scripts leave no trace.
Same input, same output (a deterministic /ID): a bundle made twice from one file is the same.
"""
import io

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream
from pikepdf.sanitize import Sanitizer

# A PDF larger than this is not opened (uploads are smaller; see UPLOAD_MAX_BYTES).
MAX_BYTES = 50 * 1024 * 1024

ALLOWED_ACTIONS = {Name.GoTo}
ACTION_KEYS = {Name.A, Name.PA, Name.OpenAction, Name.Next}
DROP_ANNOTS = {Name.RichMedia, Name.Screen, Name.Movie, Name.Sound, Name("/3D"), Name.FileAttachment}
DROP_NAME_TREES = (Name.JavaScript, Name.EmbeddedFiles, Name.Renditions)
DROP_ANYWHERE = (Name.AA, Name.JS, Name.EF, Name.RichMediaContent, Name.RichMediaSettings, Name("/3DD"), Name.XFA)
DROP_FROM_CATALOG = (Name.OpenAction, Name.AcroForm, Name.NeedsRendering, Name.Collection)

ENCRYPTED, UNREADABLE, TOO_LARGE, NO_PAGES, SURVIVED = "encrypted", "unreadable", "too_large", "no_pages", "survived"

_SANITIZER = (
    Sanitizer()
    .remove_javascript()
    .remove_external_access()
    .remove_multimedia()
    .remove_attachments()
    .remove_collection()
)


class PdfUnsafe(ValueError):
    """A PDF that cannot be cleaned; `reason` is one of ENCRYPTED, UNREADABLE, TOO_LARGE, NO_PAGES, SURVIVED."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _open(data: bytes) -> pikepdf.Pdf:
    if len(data) > MAX_BYTES:
        raise PdfUnsafe(TOO_LARGE)
    try:
        # The empty password opens a PDF with only an owner password (restrictions); a user password fails.
        return pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise PdfUnsafe(ENCRYPTED) from exc
    except (pikepdf.PdfError, ValueError, RecursionError) as exc:
        raise PdfUnsafe(UNREADABLE, str(exc)) from exc


def _is_action(obj) -> bool:
    return isinstance(obj, (Dictionary, Stream)) and isinstance(obj.get(Name.S), Name)


def _bad_action(obj) -> bool:
    return _is_action(obj) and obj.get(Name.S) not in ALLOWED_ACTIONS


def _where(holder) -> str:
    return f"obj {holder.objgen[0]}" if holder.is_indirect else "direct"


def _sweep(pdf: pikepdf.Pdf, *, strip: bool) -> list[str]:
    """Find (and with strip=True remove) active content anywhere in the file."""
    found: list[str] = []
    root_og = pdf.Root.objgen

    def visit(d, where: str) -> None:
        is_catalog = d.is_indirect and d.objgen == root_og
        for key in list(d.keys()):
            k = Name(key)
            val = d.get(k)
            if k in DROP_ANYWHERE or (is_catalog and k in DROP_FROM_CATALOG):
                found.append(f"{where}: {key}" + (f" ({val.get(Name.S)})" if _is_action(val) else ""))
                if strip:
                    del d[k]
                    continue
            elif k in ACTION_KEYS and _bad_action(val):
                found.append(f"{where}: {key} action {val.get(Name.S)}")
                if strip:
                    del d[k]
                    continue
            if k == Name.Next and isinstance(val, Array):
                keep = [a for a in val if not _bad_action(a)]
                if len(keep) != len(val):
                    found.append(f"{where}: /Next chain holds {len(val) - len(keep)} disallowed action(s)")
                    if strip:
                        d[k] = Array(keep)
            if k == Name.Names and isinstance(val, Dictionary):
                for tree in DROP_NAME_TREES:
                    if tree in val:
                        found.append(f"{where}: /Names {tree}")
                        if strip:
                            del val[tree]
            if k == Name.Annots and isinstance(val, Array):
                keep = []
                for annot in val:
                    sub = annot.get(Name.Subtype) if isinstance(annot, Dictionary) else None
                    if sub in DROP_ANNOTS:
                        found.append(f"{where}: {sub} annotation")
                    elif sub == Name.Widget and strip:
                        pass  # form widgets were flattened before the sweep; any left go
                    else:
                        keep.append(annot)
                if strip and len(keep) != len(val):
                    d[k] = Array(keep)
            # Direct children here; indirect ones are visited from pdf.objects.
            child = d.get(k)
            if isinstance(child, (Dictionary, Stream, Array)) and not child.is_indirect:
                walk(child, where)
        if d.get(Name.Type) == Name.Action and _bad_action(d):
            found.append(f"{where}: {d.get(Name.S)} action object")
            if strip:  # nothing refers to it any more; make it inert anyway
                for key in list(d.keys()):
                    del d[Name(key)]

    def walk(obj, where: str) -> None:
        if isinstance(obj, (Dictionary, Stream)):
            visit(obj, where)
        elif isinstance(obj, Array):
            for item in obj:
                if isinstance(item, (Dictionary, Stream, Array)) and not item.is_indirect:
                    walk(item, where)

    for obj in list(pdf.objects):
        if isinstance(obj, (Dictionary, Stream, Array)):
            walk(obj, _where(obj))
    return found


def pdf_active_parts(data: bytes) -> list[str]:
    """Describe the active content of a PDF ([] when there is none); PdfUnsafe when it cannot be read."""
    with _open(data) as pdf:
        return sorted(set(_sweep(pdf, strip=False)))


def pdf_clean(data: bytes) -> bytes:
    """The PDF without scripts, actions other than GoTo, forms, attachments or rich media.

    A file that holds none (by the same sweep that checks a cleaned copy) and is not encrypted
    comes back unchanged, byte for byte; any other is rewritten, and encryption by an owner
    password alone is removed with the rest. PdfUnsafe when it cannot be done.
    """
    try:
        with _open(data) as pdf:
            if len(pdf.pages) < 1:
                raise PdfUnsafe(NO_PAGES)
            if not pdf.is_encrypted and not _sweep(pdf, strip=False):
                return data
            _SANITIZER.apply(pdf)
            if Name.AcroForm in pdf.Root:
                try:
                    pdf.generate_appearance_streams()
                except pikepdf.PdfError:
                    pass
                pdf.flatten_annotations("all")  # burns the form's appearance into the page
            _sweep(pdf, strip=True)
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True)  # no `encryption`: saved unencrypted
    except PdfUnsafe:
        raise
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise PdfUnsafe(UNREADABLE, str(exc)) from exc
    cleaned = out.getvalue()
    left = pdf_active_parts(cleaned)
    if left:  # fail closed
        raise PdfUnsafe(SURVIVED, "; ".join(left))
    return cleaned


def stored_file_open(field_file, *, content_type: str):
    """A stored private file to stream: a PDF cleaned now, anything else as stored.

    Uploads are cleaned when they arrive, but files stored before that began may carry active
    content, so a PDF is cleaned again on its way out (a few milliseconds). PdfUnsafe if it cannot be.
    """
    if content_type != "application/pdf":
        return field_file.open("rb")
    with field_file.open("rb") as fh:
        data = fh.read()
    return io.BytesIO(pdf_clean(data))
