"""Receipts, statements and packing slips (PDF text, embedded font, fingerprints, access) and tax invoices."""
import hashlib
import io
import threading
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from catalog.models import ShippingPolicy
from ddasum.documents import fingerprint
from ddasum.numbering import daily_number
from ddasum.pdf import weasyprint_missing
from orders.exceptions import InvalidTransition, NotAllowed, OrderError
from orders.models import Document, DocumentKind, InvoiceKind, TaxInvoiceRequest, VendorOrderStatus
from orders.services import documents, tax_invoices
from orders.services.actions import order_mark_paid, vendor_order_transition
from orders.services.documents import (
    document_facts,
    document_url,
    order_documents_make,
    order_documents_queue,
    packing_slip_url,
)
from orders.services.tax_invoices import (
    CSV_COLUMNS,
    ApprovalImportRefused,
    InvoiceIssuer,
    IssueOutcome,
    invoice_requests_csv,
    invoice_requests_pending,
    tax_invoice_approvals_apply,
    tax_invoice_approvals_plan,
    tax_invoice_mark_issued,
    tax_invoices_issue,
)
from tests.factories import (
    MembershipFactory,
    OperatorFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
    image_bytes,
    pdf_bytes,
    place_order,
)
from vendors.models import VendorDocument

pytestmark = pytest.mark.django_db

WEASYPRINT_MISSING = weasyprint_missing()
needs_weasyprint = pytest.mark.skipif(bool(WEASYPRINT_MISSING),
                                      reason=f"WeasyPrint cannot import here ({WEASYPRINT_MISSING})")


# --- fixtures --------------------------------------------------------------------------------


def _seal(vendor):
    data = image_bytes("PNG", size=(60, 60))
    return VendorDocument.objects.create(
        vendor=vendor, kind="seal", file=ContentFile(data, "seal.png"), original_name="seal.png",
        content_type="image/png", size=len(data), sha256=hashlib.sha256(data).hexdigest())


@pytest.fixture
def shop(db):
    """Vendor A sells taxable rice (no shipping fee); vendor B exempt apples with a 3,000 shipping fee."""
    a = VendorFactory(name="햇살농장협동조합", representative="김햇살", business_type="농업", business_item="쌀",
                      phone="041-631-1111")
    b = VendorFactory(name="예산사과마을기업", representative="박사과", phone="041-331-2222")
    ShippingPolicy.objects.create(vendor=b, base_fee=3000, free_threshold=100000)
    _seal(a)
    rice = ProductFactory(vendor=a, name="홍성 유기농 현미", variants=[{"name": "5kg", "price": 25000, "stock": 50}])
    apple = ProductFactory(vendor=b, name="예산 부사 사과", variants=[{"name": "3kg", "price": 18000, "stock": 50}])
    apple.tax_type = "exempt"
    apple.save(update_fields=["tax_type"])
    return {"a": a, "b": b, "rice": rice.variants.get(), "apple": apple.variants.get()}


@pytest.fixture
def order(shop, buyer):
    """Paid, by a business buyer: 25,000 taxable from A; 36,000 exempt + 3,000 shipping from B."""
    return place_order(items=[(shop["rice"], 1), (shop["apple"], 2)], buyer=buyer, paid=True,
                       business_number="123-45-67891", business_name="따숨상사", memo="문 앞에 놓아 주세요")


def _vo(order, vendor):
    return order.vendor_orders.get(vendor=vendor)


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

    a_statement = Document.objects.get(kind=DocumentKind.STATEMENT, vendor_order=_vo(order, shop["a"]))
    text = _text(a_statement)
    for word in ("거래명세서", "상호", "햇살농장협동조합", shop["a"].business_number, "대표자", "김햇살",
                 "업태", "농업", "종목", "041-631-1111", "홍성 유기농 현미", "5kg", "공급가액", "세액", "합계",
                 "22,727", "2,273", "25,000", "과세", "따숨상사", "123-45-67891", "무통장입금", a_statement.number,
                 order.number):
        assert word in text, word
    assert "예산사과마을기업" not in text  # one vendor's statement shows that vendor only

    b_statement = Document.objects.get(kind=DocumentKind.STATEMENT, vendor_order=_vo(order, shop["b"]))
    text = _text(b_statement)
    # Shipping is taxable: 3,000 → 2,727 + 273; the apples are exempt (면세): 36,000 with no VAT.
    for word in ("배송비", "2,727", "273", "면세", "36,000", "39,000"):
        assert word in text, word

    receipt = Document.objects.get(kind=DocumentKind.RECEIPT, order=order)
    text = _text(receipt)
    for word in ("영수증", "햇살농장협동조합", "예산사과마을기업", "64,000", "22,727", "36,000"):
        assert word in text, word

    slip = Document.objects.get(kind=DocumentKind.PACKING_SLIP, vendor_order=_vo(order, shop["b"]))
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
    vo_a = _vo(order, shop["a"])
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
    assert all(d.vendor_order_id in (None, _vo(order, shop["b"]).pk) for d in changed)
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
                                                            vendor_order=_vo(order, shop["a"])))


def test_the_fingerprint_follows_the_seal_and_cancellation(order, shop):
    vo_a = _vo(order, shop["a"])
    before = fingerprint(document_facts(DocumentKind.STATEMENT, order, vo_a))
    assert before == fingerprint(document_facts(DocumentKind.STATEMENT, order, vo_a))
    _seal(shop["a"])  # a newer seal
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
    vo_a = _vo(order, shop["a"])
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
    vo_a = _vo(order, shop["a"])
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
    guest_order = place_order(items=[(shop["rice"], 1)], paid=True, guest_password="guest-pass-1")
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


# --- tax invoices ---------------------------------------------------------------------------------


def _rows(data: bytes) -> list[list[str]]:
    import csv

    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, so Excel reads Hangul
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_checkout_files_invoice_requests_by_tax_type(order, shop):
    reqs = {(r.vendor_order.vendor_id, r.kind): r for r in TaxInvoiceRequest.objects.select_related("vendor_order")}
    assert set(reqs) == {(shop["a"].pk, InvoiceKind.TAX_INVOICE), (shop["b"].pk, InvoiceKind.TAX_INVOICE),
                         (shop["b"].pk, InvoiceKind.INVOICE)}
    assert (reqs[shop["b"].pk, InvoiceKind.TAX_INVOICE].supply_amount,
            reqs[shop["b"].pk, InvoiceKind.TAX_INVOICE].vat_amount) == (2727, 273)  # shipping is taxable


def test_pending_requests_export_as_csv_for_bulk_issuing(order, shop):
    pending = invoice_requests_pending()
    rows = _rows(invoice_requests_csv(pending))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = {(r[-1], r[7]): r for r in rows[1:]}
    vo_a, vo_b = _vo(order, shop["a"]), _vo(order, shop["b"])
    written = timezone.localtime(order.paid_at).strftime("%Y%m%d")
    assert body[vo_a.number, "세금계산서"] == [
        written, shop["a"].business_number.replace("-", ""), "햇살농장협동조합", "김햇살", "1234567891", "따숨상사",
        "buyer@example.kr", "세금계산서", "홍성 유기농 현미 5kg", "22727", "2273", "25000", vo_a.number]
    assert body[vo_b.number, "계산서"][8:12] == ["예산 부사 사과 3kg", "36000", "0", "36000"]
    assert body[vo_b.number, "세금계산서"][8:12] == ["배송비", "2727", "273", "3000"]

    # A vendor exports its own; issued ones and unpaid orders are not pending.
    assert {r.vendor_order.vendor_id for r in invoice_requests_pending([shop["a"].pk])} == {shop["a"].pk}
    TaxInvoiceRequest.objects.filter(vendor_order=vo_a).update(issued=True, approval_number="20261122-1-1")
    unpaid = place_order(items=[(shop["rice"], 1)], business_number="123-45-67891", business_name="따숨상사")
    assert not invoice_requests_pending().filter(vendor_order__order=unpaid).exists()
    assert invoice_requests_pending().count() == 2


def test_mark_issued_with_the_approval_number(order, shop):
    req = TaxInvoiceRequest.objects.get(vendor_order=_vo(order, shop["a"]))
    owner = MembershipFactory(vendor=shop["a"]).user
    stranger = MembershipFactory(vendor=shop["b"]).user
    with pytest.raises(NotAllowed):
        tax_invoice_mark_issued(request_id=req.pk, approval_number="20261122-41000000-0000aaaa", actor=stranger)
    with pytest.raises(OrderError):
        tax_invoice_mark_issued(request_id=req.pk, approval_number="no!", actor=owner)
    done = tax_invoice_mark_issued(request_id=req.pk, approval_number="20261122-41000000-0000aaaa", actor=owner)
    assert done.issued and done.approval_number == "20261122-41000000-0000aaaa" and done.issued_at
    # The same number again changes nothing; another number is refused.
    again = tax_invoice_mark_issued(request_id=req.pk, approval_number="20261122-41000000-0000aaaa", actor=owner)
    assert again.issued_at == done.issued_at
    with pytest.raises(InvalidTransition):
        tax_invoice_mark_issued(request_id=req.pk, approval_number="20261122-41000000-0000bbbb", actor=owner)
    # An approval number belongs to one invoice only.
    other = TaxInvoiceRequest.objects.filter(vendor_order=_vo(order, shop["b"])).first()
    with pytest.raises(OrderError):
        tax_invoice_mark_issued(request_id=other.pk, approval_number="20261122-41000000-0000aaaa",
                                actor=OperatorFactory())


def _approvals_csv(rows, header=("주문번호", "종류", "승인번호"), encoding="utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def test_approvals_from_csv_all_or_nothing(order, shop):
    operator = OperatorFactory()
    vo_a, vo_b = _vo(order, shop["a"]), _vo(order, shop["b"])
    good = [(vo_a.number, "세금계산서", "20261122-41000000-00000001"),
            (vo_b.number, "계산서", "20261122-41000000-00000002")]
    plan = tax_invoice_approvals_plan(data=_approvals_csv(good, encoding="cp949"))  # as Excel saves it
    assert plan.ok and [r.action for r in plan.rows] == ["issue", "issue"]
    assert not TaxInvoiceRequest.objects.filter(issued=True).exists()  # a preview saves nothing

    bad = good + [("20000101-00001-1", "세금계산서", "20261122-41000000-00000003"),
                  (vo_b.number, "영수증", "20261122-41000000-00000004"),
                  (vo_b.number, "세금계산서", "20261122-41000000-00000001")]
    plan = tax_invoice_approvals_plan(data=_approvals_csv(bad))
    assert not plan.ok
    assert [r.line for r in plan.rows if r.error] == [4, 5, 6]
    with pytest.raises(ApprovalImportRefused):
        tax_invoice_approvals_apply(data=_approvals_csv(bad), actor=operator)
    assert not TaxInvoiceRequest.objects.filter(issued=True).exists()

    applied = tax_invoice_approvals_apply(data=_approvals_csv(good), actor=operator)
    assert len(applied.to_issue) == 2
    assert set(TaxInvoiceRequest.objects.filter(issued=True).values_list("approval_number", flat=True)) == {
        "20261122-41000000-00000001", "20261122-41000000-00000002"}
    # The same file again: every row already done, nothing to apply.
    again = tax_invoice_approvals_plan(data=_approvals_csv(good))
    assert again.ok and [r.action for r in again.rows] == ["same", "same"]


def test_a_vendor_cannot_reach_another_vendors_requests_by_csv(order, shop):
    vo_b = _vo(order, shop["b"])
    plan = tax_invoice_approvals_plan(data=_approvals_csv([(vo_b.number, "계산서", "20261122-41000000-00000009")]),
                                      vendor_ids=frozenset({shop["a"].pk}))
    assert not plan.ok and "찾을 수 없습니다" in plan.rows[0].error


def test_approvals_file_without_the_columns_is_refused(order):
    plan = tax_invoice_approvals_plan(data=_approvals_csv([("x", "y")], header=("주문", "번호")))
    assert not plan.ok and "주문번호" in plan.errors[0]


class _ApiIssuer(InvoiceIssuer):
    """A provider that answers with approval numbers at once."""

    label = "API"

    def issue(self, requests):
        return IssueOutcome(approvals={r.pk: f"20261122-99999999-{r.pk:08d}" for r in requests})


def test_the_issuer_is_pluggable(order, settings):
    settings.TAX_INVOICE_ISSUER = "tests.orders.test_documents._ApiIssuer"
    outcome = tax_invoices_issue(requests=invoice_requests_pending(), actor=OperatorFactory())
    assert not outcome.content and len(outcome.approvals) == 3
    assert TaxInvoiceRequest.objects.filter(issued=True).count() == 3
    settings.TAX_INVOICE_ISSUER = "orders.services.tax_invoices.CsvExportIssuer"
    assert isinstance(tax_invoices.invoice_issuer(), tax_invoices.CsvExportIssuer)


# --- the admins ----------------------------------------------------------------------------------


def test_partner_admin_lists_exports_and_issues_its_own(client, order, shop):
    owner = MembershipFactory(vendor=shop["a"]).user
    client.force_login(owner)
    changelist = client.get(reverse("partner:orders_taxinvoicerequest_changelist"))
    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert _vo(order, shop["a"]).number in page and _vo(order, shop["b"]).number not in page

    export = client.get(reverse("partner:orders_taxinvoicerequest_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = _rows(b"".join([export.content]))
    assert len(rows) == 2 and rows[1][2] == "햇살농장협동조합"

    req = TaxInvoiceRequest.objects.get(vendor_order__vendor=shop["a"])
    other = TaxInvoiceRequest.objects.filter(vendor_order__vendor=shop["b"]).first()
    assert client.get(reverse("partner:orders_taxinvoicerequest_issue", args=[other.pk])).status_code == 404
    response = client.post(reverse("partner:orders_taxinvoicerequest_issue", args=[req.pk]),
                           {"approval_number": "20261122-41000000-0000abcd"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.issued and req.approval_number == "20261122-41000000-0000abcd"


def test_operator_uploads_approvals_with_a_preview(client, order, shop):
    operator = OperatorFactory()
    client.force_login(operator)
    url = reverse("admin:orders_taxinvoicerequest_approvals")
    assert client.get(url).status_code == 200
    vo_a, vo_b = _vo(order, shop["a"]), _vo(order, shop["b"])
    data = _approvals_csv([(vo_a.number, "세금계산서", "20261122-41000000-00000011"),
                           (vo_b.number, "계산서", "20261122-41000000-00000012")])
    preview = client.post(url, {"file": ContentFile(data, "approvals.csv")})
    assert preview.status_code == 200 and 'name="token"' in preview.content.decode()
    assert not TaxInvoiceRequest.objects.filter(issued=True).exists()
    token = preview.context["token"]
    done = client.post(reverse("admin:orders_taxinvoicerequest_approvals_confirm"), {"token": token})
    assert done.status_code == 302
    assert TaxInvoiceRequest.objects.filter(issued=True).count() == 2

    # A file with a bad row: the errors are shown and no confirm button is offered.
    bad = _approvals_csv([(vo_b.number, "세금계산서", "not a number!")])
    preview = client.post(url, {"file": ContentFile(bad, "bad.csv")})
    assert preview.status_code == 200 and preview.context["token"] is None
    assert "approval-errors" in preview.content.decode()
    assert TaxInvoiceRequest.objects.filter(issued=True).count() == 2

    export = client.get(reverse("admin:orders_taxinvoicerequest_export"))
    assert len(_rows(export.content)) == 2  # only B's 세금계산서 is still pending


def test_operator_list_shows_pending_first_and_the_change_page_is_read_only(client, order, shop):
    client.force_login(OperatorFactory())
    done = TaxInvoiceRequest.objects.get(vendor_order__vendor=shop["a"])
    tax_invoice_mark_issued(request_id=done.pk, approval_number="20261122-41000000-00000077", actor=OperatorFactory())
    response = client.get(reverse("admin:orders_taxinvoicerequest_changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert [r.issued for r in shown] == [False, False, True]
    assert "발행 대기 2건 내보내기" in response.content.decode()

    pending = shown[0]
    change_url = reverse("admin:orders_taxinvoicerequest_change", args=[pending.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert reverse("admin:orders_taxinvoicerequest_issue", args=[pending.pk]) in page.content.decode()
    assert client.post(change_url, {"approval_number": "x"}).status_code == 403
