"""Rows for the document and bundle tests, made directly with the ORM (no quote services needed)."""
import datetime as dt
import hashlib
import io
import itertools

from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader

from catalog.models import TaxType
from procurement.models import (
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseSource,
    QuoteLine,
    QuoteRequest,
    QuoteRequestItem,
    QuoteStatus,
    QuoteVersion,
    VendorQuote,
)
from tests.factories import image_bytes, pdf_bytes
from vendors.models import DocumentKind, VendorDocument

_seq = itertools.count(1)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def file_bytes(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


def vendor_document(vendor, kind, *, data: bytes | None = None, content_type="application/pdf", name=None,
                    uploaded_at=None) -> VendorDocument:
    """A stored vendor document (PDF by default)."""
    if data is None:
        data = pdf_bytes() if content_type == "application/pdf" else image_bytes("PNG", size=(300, 420))
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[content_type]
    doc = VendorDocument(vendor=vendor, kind=kind, original_name=name or f"{kind}.{ext}", content_type=content_type,
                         size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                         uploaded_at=uploaded_at or timezone.now())
    doc.file.save(f"{kind}-{next(_seq)}.{ext}", ContentFile(data), save=False)
    doc.save()
    return doc


def vendor_documents(vendor, *, seal=True) -> dict:
    """The bundle's three documents: registration (PDF), type proof (PNG), bank book (JPEG); and a seal."""
    docs = {
        DocumentKind.BUSINESS_REGISTRATION: vendor_document(vendor, DocumentKind.BUSINESS_REGISTRATION),
        DocumentKind.ENTERPRISE_PROOF: vendor_document(vendor, DocumentKind.ENTERPRISE_PROOF,
                                                       content_type="image/png"),
        DocumentKind.BANK_BOOK: vendor_document(vendor, DocumentKind.BANK_BOOK, content_type="image/jpeg",
                                                data=image_bytes("JPEG", size=(800, 500))),
    }
    if seal:
        docs[DocumentKind.SEAL] = vendor_document(vendor, DocumentKind.SEAL, content_type="image/png",
                                                  data=image_bytes("PNG", size=(80, 80)))
    return docs


def make_quote(*, agency, vendor, buyer, lines=None, version=1, valid_days=30, status=QuoteStatus.ANSWERED):
    """A request of `agency` answered by `vendor` with one version of `lines`.

    lines: [{"name", "quantity", "unit_price", "tax_type", "variant"?, "spec"?, "unit"?}]
    """
    n = next(_seq)
    request = QuoteRequest.objects.create(
        number=f"RQ-19990101-{n:05d}", agency=agency, created_by=buyer, title="2026년 상반기 행사 물품",
        delivery_place="충청남도청 본관 1층", reply_by=timezone.localdate() + dt.timedelta(days=7),
        wanted_delivery_date=timezone.localdate() + dt.timedelta(days=20))
    quote = VendorQuote.objects.create(request=request, vendor=vendor, number=f"QT-19990101-{n:05d}", status=status,
                                       answered_at=timezone.now())
    if lines is None:
        lines = [
            {"name": "유기농 현미 10kg", "spec": "10kg 포대", "unit": "포", "quantity": 20, "unit_price": 55_000,
             "tax_type": TaxType.EXEMPT},
            {"name": "전통 된장 선물세트", "spec": "1kg×2", "unit": "세트", "quantity": 20, "unit_price": 5_000,
             "tax_type": TaxType.TAXABLE},
        ]
    add_version(quote, lines=lines, version=version, valid_days=valid_days)
    for line in lines:
        QuoteRequestItem.objects.create(request=request, vendor=vendor, variant=line.get("variant"),
                                        name=line["name"], quantity=line["quantity"])
    return quote


def add_version(quote, *, lines, version=None, valid_days=30, notes="납품 후 30일 이내 지급") -> QuoteVersion:
    from procurement.amounts import quote_totals

    version = version or (quote.versions.count() + 1)
    amounts = [{"amount": ln["quantity"] * ln["unit_price"], "tax_type": ln["tax_type"]} for ln in lines]
    totals = quote_totals(amounts)
    qv = QuoteVersion.objects.create(
        quote=quote, version=version, valid_until=timezone.localdate() + dt.timedelta(days=valid_days),
        delivery_terms="주문 후 7일 이내 납품, 배송비 포함", notes=notes,
        taxable_supply=totals.taxable_supply, taxable_vat=totals.taxable_vat, exempt_amount=totals.exempt_amount,
        total=totals.total)
    for ln in lines:
        variant = ln.get("variant")
        QuoteLine.objects.create(
            version=qv, variant=variant, name=ln["name"], spec=ln.get("spec", ""), unit=ln.get("unit", "개"),
            quantity=ln["quantity"], unit_price=ln["unit_price"], amount=ln["quantity"] * ln["unit_price"],
            tax_type=ln["tax_type"], list_price=variant.price if variant else None,
            category=variant.product.category if variant else None)
    quote.current_version = qv
    quote.save(update_fields=["current_version"])
    return qv


def make_po(quote, *, status=POStatus.ISSUED) -> PurchaseOrder:
    version = quote.current_version
    now = timezone.now()
    po = PurchaseOrder.objects.create(
        number=f"PO-19990101-{next(_seq):05d}", source=PurchaseSource.QUOTE, agency=quote.request.agency, vendor=quote.vendor,
        quote=quote, quote_version=version, created_by=quote.request.created_by, status=status,
        delivery_place=quote.request.delivery_place, taxable_supply=version.taxable_supply,
        taxable_vat=version.taxable_vat, exempt_amount=version.exempt_amount, total=version.total,
        delivered_at=now if status in (POStatus.DELIVERED, POStatus.INSPECTED) else None,
        inspected_at=now if status == POStatus.INSPECTED else None)
    for ln in version.lines.all():
        PurchaseOrderLine.objects.create(
            purchase_order=po, variant=ln.variant, product=ln.variant.product if ln.variant else None,
            name=ln.name, spec=ln.spec, unit=ln.unit, quantity=ln.quantity, unit_price=ln.unit_price,
            amount=ln.amount, tax_type=ln.tax_type)
    return po
