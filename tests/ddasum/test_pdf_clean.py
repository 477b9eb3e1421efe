"""Issue 11, item 3: no active content in any PDF we keep or hand on (ddasum.pdf_clean, ddasum.uploads).

Hostile PDFs of each kind (tests/hostile_pdfs.py, built with pikepdf) go through the cleaner, through
upload_clean (the one path of every upload) and through each upload of the site; the bundle side is
in tests/procurement/test_bundle_clean.py.
"""
import io

import pikepdf
import pytest
from django.core.exceptions import ValidationError

from ddasum.pdf import render_pdf, weasyprint_missing
from ddasum.pdf_clean import ENCRYPTED, NO_PAGES, UNREADABLE, PdfUnsafe, pdf_active_parts, pdf_clean
from ddasum.uploads import upload_clean
from tests.factories import pdf_bytes, upload
from tests.hostile_pdfs import HOSTILE, active_content, benign_with_internal_link, encrypted

KINDS = sorted(HOSTILE)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_active_content_is_found_and_removed(kind):
    hostile = HOSTILE[kind]()
    assert pdf_active_parts(hostile), kind
    assert active_content(hostile), kind
    cleaned = pdf_clean(hostile)
    assert pdf_active_parts(cleaned) == []
    assert active_content(cleaned) == [], kind
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert len(pdf.pages) >= 1  # the document itself stays


@pytest.mark.parametrize("kind", KINDS)
def test_upload_clean_keeps_only_the_clean_copy(kind):
    """Fails before issue 11: upload_clean stored these files as they came."""
    clean = upload_clean(upload(f"{kind}.pdf", HOSTILE[kind]()))
    stored = clean.content.read()
    assert clean.kind == "pdf" and clean.size == len(stored)
    assert active_content(stored) == [], kind


def test_a_form_is_flattened_so_what_it_showed_stays():
    cleaned = pdf_clean(HOSTILE["form_submit"]())
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        page = pdf.pages[0]
        assert "/AcroForm" not in pdf.Root
        assert not [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") == "/Widget"]
        assert any(name.startswith("/Fxo") for name in page.resources.get("/XObject", {}).keys())


def test_a_clean_pdf_is_kept_byte_for_byte_and_internal_links_stay():
    benign = benign_with_internal_link()
    assert pdf_clean(benign) == benign
    plain = pdf_bytes(2)
    assert upload_clean(upload("plain.pdf", plain)).content.read() == plain
    with pikepdf.open(io.BytesIO(pdf_clean(HOSTILE["annotation_aa_js"]()))) as pdf:
        assert pdf.pages[0].obj.Annots[0].A.S == "/GoTo"  # the link stays, its script goes


def test_cleaning_is_deterministic():
    hostile = HOSTILE["launch_action"]()
    assert pdf_clean(hostile) == pdf_clean(hostile)


def test_a_user_password_is_refused_with_a_korean_message():
    with pytest.raises(PdfUnsafe) as exc:
        pdf_clean(encrypted(user="secret"))
    assert exc.value.reason == ENCRYPTED
    with pytest.raises(ValidationError) as exc:
        upload_clean(upload("locked.pdf", encrypted(user="secret")))
    assert "열람 암호가 걸린 PDF는 올릴 수 없습니다" in exc.value.messages[0]
    assert exc.value.error_list[0].code == "pdf_encrypted"


def test_an_owner_password_alone_is_removed():
    """Restrictions only (no password to open): the copy kept is unencrypted and clean."""
    locked = encrypted(user="", owner="owner", data=HOSTILE["open_action_js"]())
    clean = upload_clean(upload("restricted.pdf", locked)).content.read()
    with pikepdf.open(io.BytesIO(clean)) as pdf:
        assert not pdf.is_encrypted
    assert active_content(clean) == []


def test_what_cannot_be_read_is_refused():
    with pytest.raises(PdfUnsafe) as exc:
        pdf_clean(b"%PDF-1.7\n garbage without objects")
    assert exc.value.reason == UNREADABLE
    with pytest.raises(ValidationError) as exc:
        upload_clean(upload("broken.pdf", b"%PDF-1.7\n garbage without objects"))
    assert "PDF 파일을 읽을 수 없습니다" in exc.value.messages[0]


def test_a_pdf_without_pages_is_refused():
    pdf = pikepdf.new()
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(PdfUnsafe) as exc:
        pdf_clean(out.getvalue())
    assert exc.value.reason == NO_PAGES
    with pytest.raises(ValidationError) as exc:
        upload_clean(upload("empty.pdf", out.getvalue()))
    assert "쪽이 없는 PDF입니다" in exc.value.messages[0]


def test_generated_documents_carry_no_active_content():
    """What WeasyPrint makes for us (quotes, statements, covers) has nothing to clean."""
    if weasyprint_missing():
        pytest.skip(weasyprint_missing())
    data = render_pdf("pdf/procurement/bundle_cover.html", {
        "title": "표지", "number": "QT-1", "quote": {}, "request": {}, "agency": "기관", "vendor": {}, "rows": [],
        "cover_pages": 1, "missing": [], "delivery_pending": True, "made_at": ""})
    assert pdf_active_parts(data) == []
