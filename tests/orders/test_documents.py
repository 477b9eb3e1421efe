"""Receipts, statements and packing slips (orders.services.documents): PDF text, the embedded font, fingerprints,
numbers, and who may download what. Tax invoices are in test_tax_invoices.py."""
import io
import threading
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ddasum.documents import fingerprint
from ddasum.numbering import daily_number
from ddasum.pdf import weasyprint_missing
from orders.models import Document, DocumentKind, VendorOrderStatus
from orders.services import documents
from orders.services.actions import order_mark_paid, vendor_order_transition
from orders.services.documents import (
    document_facts,
    document_url,
    order_documents_make,
    order_documents_queue,
    packing_slip_url,
)
from tests.factories import MembershipFactory, OperatorFactory, UserFactory, pdf_bytes, place_order
from vendors.models import VendorDocument

from .helpers import seal_add, vo_of

pytestmark = pytest.mark.django_db

WEASYPRINT_MISSING = weasyprint_missing()
needs_weasyprint = pytest.mark.skipif(bool(WEASYPRINT_MISSING),
                                      reason=f"WeasyPrint cannot import here ({WEASYPRINT_MISSING})")


def _text(document: Document) -> str:
    with document.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def _fake_document(kind, order, vendor_order=None, *, number=None, current=True):
    """A stored document without WeasyPrint: a blank PDF with the fingerprint of the order as it is."""
    facts = document_facts(kind, order, vendor_order)
    doc = Document(kind=kind, order=order, vendor_order=vendor_order,
                   number=number or daily_number(kind, timezone.localdate(), prefix=documents.NUMBER_PREFIXES[kind]),
                   fingerprint=fingerprint(facts) if current else "stale")
    doc.file.save(f"{doc.number}.pdf", ContentFile(pdf_bytes()), save=False)
    doc.save()
    return doc


# --- the PDFs ----------------------------------------------------------------------------------


@needs_weasyprint
def test_documents_show_the_right_korean_text_and_amounts(order, shop):
    made = order_documents_make(order_id=order.pk)
    kinds = sorted(d.kind for d in made)
    assert kinds == ["packing_slip", "packing_slip", "receipt", "statement", "statement"]
    assert all(d.number[0] in "RSP" and d.file.name.endswith(".pdf") for d in made)

    a_statement = Document.objects.get(kind=DocumentKind.STATEMENT, vendor_order=vo_of(order, shop["a"]))
    text = _text(a_statement)
    for word in ("거래명세서", "상호", "햇살농장협동조합", shop["a"].business_number, "대표자", "김햇살",
                 "업태", "농업", "종목", "041-631-1111", "홍성 유기농 현미", "5kg", "공급가액", "세액", "합계",
                 "22,727", "2,273", "25,000", "과세", "따숨상사", "123-45-67891", "무통장입금", a_statement.number,
                 order.number):
        assert word in text, word
    assert "예산사과마을기업" not in text  # one vendor's statement shows that vendor only

    b_statement = Document.objects.get(kind=DocumentKind.STATEMENT, vendor_order=vo_of(order, shop["b"]))
    text = _text(b_statement)
    # Shipping is taxable: 3,000 → 2,727 + 273; the apples are exempt (면세): 36,000 with no VAT.
    for word in ("배송비", "2,727", "273", "면세", "36,000", "39,000"):
        assert word in text, word

    receipt = Document.objects.get(kind=DocumentKind.RECEIPT, order=order)
    text = _text(receipt)
    for word in ("영수증", "햇살농장협동조합", "예산사과마을기업", "64,000", "22,727", "36,000"):
        assert word in text, word

    slip = Document.objects.get(kind=DocumentKind.PACKING_SLIP, vendor_order=vo_of(order, shop["b"]))
    text = _text(slip)
    for word in ("포장 명세서", "받는 분", "김구매", "010-1111-2222", "32244", "문 앞에 놓아 주세요", "예산 부사 사과"):
        assert word in text, word
    assert "18,000" not in text and "36,000" not in text  # no prices on a packing slip


@needs_weasyprint
def test_the_bundled_korean_font_is_embedded(order):
    order_documents_make(order_id=order.pk)
    receipt = Document.objects.get(kind=DocumentKind.RECEIPT, order=order)
    with receipt.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    embedded = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            # A Type0 (CID) font keeps its descriptor on its descendant font.
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            embedded.append((str(font["/BaseFont"]), descriptor["/FontFile2"].get_object().get_data()))
    assert embedded and all("Nanum" in name for name, _ in embedded), [n for n, _ in embedded]

    # The embedded glyphs are Nanum Gothic's own, with Hangul in them (not a fallback font).
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(embedded[0][1]))
    names = {record.toUnicode() for record in font["name"].names}
    assert any("Nanum" in n or "나눔" in n for n in names), names
    assert font["maxp"].numGlyphs > 20


@needs_weasyprint
def test_documents_are_made_again_only_when_what_they_show_changes(order, shop, django_capture_on_commit_callbacks):
    first = {d.pk: (d.number, d.file.name) for d in order_documents_make(order_id=order.pk)}
    assert len(first) == 5

    # Running again writes nothing: same files, same rows.
    assert order_documents_make(order_id=order.pk) == []
    assert {d.pk: (d.number, d.file.name) for d in Document.objects.all()} == first

    # Fulfilment does not change what the documents show (a vendor prints its packing slips
    # right after marking orders "preparing").
    vo_a = vo_of(order, shop["a"])
    vendor_order_transition(vo_a, VendorOrderStatus.PREPARING)
    assert order_documents_make(order_id=order.pk) == []

    # Vendor A's order is cancelled: its statement, its packing slip and the receipt change; B's stay.
    vendor_order_transition(vo_a, VendorOrderStatus.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        changed = order_documents_make(order_id=order.pk)
    assert sorted((d.kind, d.vendor_order_id or 0) for d in changed) == sorted(
        [("receipt", 0), ("statement", vo_a.pk), ("packing_slip", vo_a.pk)])
    for doc in changed:
        number, old_name = first[doc.pk]
        assert doc.number == number  # a document keeps its number
        assert doc.file.name != old_name and not doc.file.storage.exists(old_name)  # the old file is gone
    assert "주문 취소" in _text(Document.objects.get(kind=DocumentKind.STATEMENT, vendor_order=vo_a))
    assert "발송하지 마세요" in _text(Document.objects.get(kind=DocumentKind.PACKING_SLIP, vendor_order=vo_a))
    receipt_text = _text(Document.objects.get(kind=DocumentKind.RECEIPT, order=order))
    assert "합계에서 뺐습니다" in receipt_text and "39,000원" in receipt_text  # only B's order counts now

    # The vendor's details are on the statement: a new phone number makes it again.
    shop["b"].phone = "041-331-9999"
    shop["b"].save(update_fields=["phone"])
    changed = order_documents_make(order_id=order.pk)
    assert {d.kind for d in changed} == {"receipt", "statement", "packing_slip"}
    assert all(d.vendor_order_id in (None, vo_of(order, shop["b"]).pk) for d in changed)
    assert Document.objects.count() == 5


@needs_weasyprint
def test_the_paid_notice_queues_the_documents_after_commit(shop, buyer, django_capture_on_commit_callbacks):
    unpaid = place_order(items=[(shop["rice"], 1)], buyer=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        order_documents_queue(order_id=unpaid.pk)
    assert not Document.objects.exists()  # nothing before payment

    order_mark_paid(order_id=unpaid.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order_documents_queue(order_id=unpaid.pk)
    assert len(callbacks) == 1
    assert Document.objects.filter(order=unpaid).count() == 3  # receipt, statement, packing slip


@needs_weasyprint
def test_a_missing_seal_leaves_the_statement_without_one(order, shop):
    VendorDocument.objects.filter(vendor=shop["a"]).delete()
    order_documents_make(order_id=order.pk)
    assert "햇살농장협동조합" in _text(Document.objects.get(kind=DocumentKind.STATEMENT,
                                                            vendor_order=vo_of(order, shop["a"])))


def test_the_fingerprint_follows_the_seal_and_cancellation(order, shop):
    vo_a = vo_of(order, shop["a"])
    before = fingerprint(document_facts(DocumentKind.STATEMENT, order, vo_a))
    assert before == fingerprint(document_facts(DocumentKind.STATEMENT, order, vo_a))
    seal_add(shop["a"])  # a newer seal
    after_seal = fingerprint(document_facts(DocumentKind.STATEMENT, order, vo_a))
    assert after_seal != before
    vendor_order_transition(vo_a, VendorOrderStatus.PREPARING)
    assert fingerprint(document_facts(DocumentKind.STATEMENT, order, vo_a)) == after_seal
    vendor_order_transition(vo_a, VendorOrderStatus.CANCELLED)
    assert fingerprint(document_facts(DocumentKind.STATEMENT, order, vo_a)) != after_seal


def test_document_numbers_never_repeat():
    day = date(2026, 11, 22)
    numbers = [daily_number("receipt", day, prefix="R") for _ in range(200)]
    assert len(set(numbers)) == 200
    assert numbers[0] == "R20261122-00001" and numbers[-1] == "R20261122-00200"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_document_numbers_taken_at_once_never_collide():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    from django.db import connections

    numbers, barrier = [], threading.Barrier(8)

    def take():
        try:
            barrier.wait()
            for _ in range(10):
                numbers.append(daily_number("receipt", date(2026, 11, 22), prefix="R"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(numbers) == 80 and len(set(numbers)) == 80


# --- downloads ----------------------------------------------------------------------------------


@pytest.fixture
def stored(order, shop):
    """Current documents stored without rendering (the access rules do not need WeasyPrint)."""
    vo_a = vo_of(order, shop["a"])
    return {
        "receipt": _fake_document(DocumentKind.RECEIPT, order),
        "statement": _fake_document(DocumentKind.STATEMENT, order, vo_a),
        "packing_slip": _fake_document(DocumentKind.PACKING_SLIP, order, vo_a),
    }


ACCESS = {
    # who: (receipt, vendor A's statement, vendor A's packing slip)
    "buyer": (200, 200, 404),
    "other user": (404, 404, 404),
    "member of vendor A": (404, 200, 200),
    "member of another vendor": (404, 404, 404),
    "operator": (200, 200, 200),
    "anonymous": (404, 404, 404),
}


@pytest.mark.parametrize("who", list(ACCESS))
def test_who_may_download_what(client, who, order, shop, buyer, stored):
    user = {
        "buyer": lambda: buyer,
        "other user": UserFactory,
        "member of vendor A": lambda: MembershipFactory(vendor=shop["a"]).user,
        "member of another vendor": lambda: MembershipFactory(vendor=shop["b"]).user,
        "operator": OperatorFactory,
        "anonymous": lambda: None,
    }[who]()
    if user:
        client.force_login(user)
    vo_a = vo_of(order, shop["a"])
    urls = {
        "receipt": [reverse("orders:document", args=[stored["receipt"].number]),
                    document_url(order=order, kind=DocumentKind.RECEIPT)],
        "statement": [reverse("orders:document", args=[stored["statement"].number]),
                      document_url(vendor_order=vo_a, kind=DocumentKind.STATEMENT)],
        "packing_slip": [reverse("orders:document", args=[stored["packing_slip"].number]), packing_slip_url(vo_a)],
    }
    for kind, expected in zip(("receipt", "statement", "packing_slip"), ACCESS[who], strict=True):
        for url in urls[kind]:
            response = client.get(url)
            assert response.status_code == expected, (who, kind, url)
            if expected == 200:
                assert response["Content-Type"] == "application/pdf"
                assert response["Cache-Control"] == "private, no-store"
                assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_guest_who_looked_the_order_up_may_download(client, shop):
    guest_order = place_order(items=[(shop["rice"], 1)], paid=True)
    doc = _fake_document(DocumentKind.RECEIPT, guest_order)
    url = reverse("orders:document", args=[doc.number])
    assert client.get(url).status_code == 404
    session = client.session
    session["orders_lookup"] = ["20000101-00001", guest_order.number]
    session.save()
    assert client.get(url).status_code == 200


def test_a_document_not_made_yet_shows_a_refreshing_page(client, order, buyer, monkeypatch):
    queued = []
    monkeypatch.setattr("orders.views.documents.order_documents_queue", lambda *, order_id: queued.append(order_id))
    client.force_login(buyer)
    response = client.get(document_url(order=order))
    assert response.status_code == 202
    assert "준비 중" in response.content.decode() and response["Refresh"] == "5"
    assert response["Cache-Control"] == "private, no-store"
    client.get(document_url(order=order))
    assert queued == [order.pk]  # queued once, not on every refresh


def test_a_stale_document_is_not_served(client, order, buyer, monkeypatch):
    monkeypatch.setattr("orders.views.documents.order_documents_queue", lambda *, order_id: None)
    doc = _fake_document(DocumentKind.RECEIPT, order, current=False)
    client.force_login(buyer)
    response = client.get(reverse("orders:document", args=[doc.number]))
    assert response.status_code == 202 and "준비 중" in response.content.decode()


def test_an_unpaid_order_has_no_documents_yet(client, shop, buyer):
    unpaid = place_order(items=[(shop["rice"], 1)], buyer=buyer)
    client.force_login(buyer)
    response = client.get(document_url(order=unpaid))
    assert response.status_code == 200 and "결제가 확인되면" in response.content.decode()
    assert "Refresh" not in response


@needs_weasyprint
def test_the_download_page_queues_and_then_streams(client, order, buyer, django_capture_on_commit_callbacks):
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(document_url(order=order))  # queued; the (eager) task runs after commit
    assert response.status_code == 202
    response = client.get(document_url(order=order))  # the page refreshes
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "영수증" in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
