"""Receipts, statements and packing slips as PDFs (WeasyPrint).

Documents. After payment a Celery task makes, per order, one receipt (영수증 · 거래명세서
of every vendor order), and per vendor order one statement (거래명세서) and one packing
slip. Each is made from plain "facts" (lines, amounts, statuses, the vendor's details);
their hash is the document's fingerprint (the pipeline is ddasum.documents), so running the task again writes nothing unless
something the document shows has changed. A document keeps its number when it is made
again. Rendering happens only in the task (ddasum.pdf); the download view never renders,
it queues the task and shows a "준비 중" page.

Who may read them is selectors/access.py (document_may_read); tax-invoice requests are
services/tax_invoices.py.
"""
import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.models import TaxType
from ddasum import jobs
from ddasum.documents import document_make_if_changed, fingerprint
from ddasum.money import EXEMPT, TAXABLE, vat_split
from ddasum.numbering import daily_number
from ddasum.pdf import render_pdf
from vendors.selectors import vendor_seal_data_uri, vendor_supplier_facts

from ..models import Document, DocumentKind, Order, OrderLineState, VendorOrder, VendorOrderStatus

logger = logging.getLogger(__name__)


V = VendorOrderStatus


# Bump when a template changes what it shows: every document is made again when next asked.
TEMPLATE_VERSION = 1


# Vendor orders that no longer count towards what the buyer paid.
VOID_STATUSES = frozenset({V.CANCELLED, V.RETURNED, V.REFUNDED})


# The kinds this module makes (settlement PDFs belong to the settlements part).
ORDER_DOCUMENT_KINDS = (DocumentKind.RECEIPT, DocumentKind.STATEMENT, DocumentKind.PACKING_SLIP)


NUMBER_PREFIXES = {DocumentKind.RECEIPT: "R", DocumentKind.STATEMENT: "S", DocumentKind.PACKING_SLIP: "P"}


TEMPLATES = {
    DocumentKind.RECEIPT: "pdf/statement.html",
    DocumentKind.STATEMENT: "pdf/statement.html",
    DocumentKind.PACKING_SLIP: "pdf/packing_slip.html",
}


TAX_LABELS = {TAXABLE: TaxType.TAXABLE.label, EXEMPT: TaxType.EXEMPT.label}


# --- facts: what a document shows, as plain data -------------------------------------------


def _date(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""


def _datetime(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _tax_rows(taxable: int, exempt: int) -> list[dict]:
    """공급가액 / 세액 / 합계 per tax type, split on the totals (never line by line)."""
    rows = []
    for tax_type, amount in ((TAXABLE, taxable), (EXEMPT, exempt)):
        if amount:
            split = vat_split(amount, tax_type)
            rows.append({"tax_type": tax_type, "label": str(TAX_LABELS[tax_type]), "supply": split.supply,
                         "vat": split.vat, "total": split.total})
    return rows


def _void_facts(vendor_order: VendorOrder) -> dict:
    """The status as far as a document shows it: whether the vendor order still counts.

    Preparing, shipping and delivery do not change a statement or a packing slip, so they
    do not make the documents again (a vendor prints its packing slips right after
    marking orders "preparing"); cancellation, return and refund do.
    """
    void = vendor_order.status in VOID_STATUSES
    return {"void": void, "status_label": str(vendor_order.get_status_display()) if void else ""}


def _section_facts(vendor_order: VendorOrder) -> dict:
    lines = list(vendor_order.lines.all())
    # A coupon discount lowers each tax type by its lines' shares (what the buyer paid).
    taxable = sum(ln.line_total - ln.discount for ln in lines if ln.tax_type == TAXABLE) + vendor_order.shipping_fee
    exempt = sum(ln.line_total - ln.discount for ln in lines if ln.tax_type == EXEMPT)
    discount = {"discount": vendor_order.discount} if vendor_order.discount else {}
    return {
        "number": vendor_order.number, **_void_facts(vendor_order), **discount,
        "vendor": vendor_supplier_facts(vendor_order.vendor),
        "lines": [
            {"name": ln.product_name, "option": ln.variant_name, "sku": ln.sku, "quantity": ln.quantity,
             "unit_price": ln.unit_price, "amount": ln.line_total, "tax_type": ln.tax_type,
             "tax_label": str(TAX_LABELS.get(ln.tax_type, ln.tax_type)),
             # A line cancelled or returned on its own is marked (its money is in the refund); the facts of
             # lines still ordered stay as they were, so their documents are not made again.
             **({"state_label": str(ln.get_state_display())} if ln.state != OrderLineState.ORDERED else {})}
            for ln in lines
        ],
        "items_total": vendor_order.items_total, "shipping_fee": vendor_order.shipping_fee,
        "total": vendor_order.paid_total, "refunded_amount": vendor_order.refunded_amount,
        "taxable": taxable, "exempt": exempt, "tax": _tax_rows(taxable, exempt),
    }


def _order_facts(order: Order) -> dict:
    return {
        "number": order.number, "status": order.status, "status_label": str(order.get_status_display()),
        "placed_at": _datetime(order.placed_at), "paid_at": _datetime(order.paid_at),
        "payment_method": str(order.get_payment_method_display()),
    }


def _buyer_facts(order: Order) -> dict:
    return {"name": order.orderer_name, "phone": order.orderer_phone, "email": order.email,
            "business_name": order.business_name, "business_number": order.business_number}


def statement_facts(order: Order, vendor_order: VendorOrder | None) -> dict:
    """A receipt (every vendor order of `order`) or one vendor order's statement, as plain data."""
    vendor_orders = [vendor_order] if vendor_order else list(
        order.vendor_orders.select_related("vendor").order_by("pk"))
    sections = [_section_facts(vo) for vo in vendor_orders]
    counted = [s for s in sections if not s["void"]]
    # Each vendor is the supplier of its own lines: the totals add up the vendors' splits,
    # so the summary never differs by a won from the sections above it.
    tax = {}
    for section in counted:
        for row in section["tax"]:
            acc = tax.setdefault(row["tax_type"], {**row, "supply": 0, "vat": 0, "total": 0})
            for key in ("supply", "vat", "total"):
                acc[key] += row[key]
    refunded = sum(s["refunded_amount"] for s in counted)
    total = sum(s["total"] for s in counted)
    return {
        "v": TEMPLATE_VERSION,
        "kind": DocumentKind.STATEMENT if vendor_order else DocumentKind.RECEIPT,
        "order": _order_facts(order), "buyer": _buyer_facts(order), "sections": sections,
        "tax": [tax[t] for t in (TAXABLE, EXEMPT) if t in tax],
        "total": total, "refunded_amount": refunded, "paid_total": total - refunded,
        "operator": dict(settings.OPERATOR_INFO),
    }


def packing_slip_facts(order: Order, vendor_order: VendorOrder) -> dict:
    """What the vendor packs and where it goes; no prices."""
    return {
        "v": TEMPLATE_VERSION, "kind": DocumentKind.PACKING_SLIP,
        "order": _order_facts(order),
        "vendor_order": {"number": vendor_order.number, **_void_facts(vendor_order)},
        "vendor": {"name": vendor_order.vendor.name, "phone": vendor_order.vendor.phone},
        "orderer": {"name": order.orderer_name, "phone": order.orderer_phone},
        "recipient": {"name": order.recipient_name, "phone": order.recipient_phone,
                      "postal_code": order.postal_code, "address": order.address,
                      "address_detail": order.address_detail, "memo": order.memo},
        "lines": [{"name": ln.product_name, "option": ln.variant_name, "sku": ln.sku, "quantity": ln.quantity,
                   # Only products with chosen dates carry one: the facts (and fingerprints) of others stay as they were.
                   **({"delivery_date": ln.delivery_date.isoformat()} if ln.delivery_date else {})}
                  for ln in vendor_order.lines.all()],
        **({"delivery_date": vendor_order.delivery_date.isoformat()} if vendor_order.delivery_date else {}),
    }


def document_facts(kind: str, order: Order, vendor_order: VendorOrder | None) -> dict:
    with translation.override("ko"):
        if kind == DocumentKind.PACKING_SLIP:
            return packing_slip_facts(order, vendor_order)
        return statement_facts(order, vendor_order)


def _render(kind: str, facts: dict, document: Document, *, reissued: bool) -> bytes:
    context = {
        **facts,
        "title": {DocumentKind.RECEIPT: _("영수증 (거래명세서)"), DocumentKind.STATEMENT: _("거래명세서"),
                  DocumentKind.PACKING_SLIP: _("포장 명세서")}[kind],
        "number": document.number,
        "issued_on": _date(document.created_at),
        "reissued_on": _date(timezone.now()) if reissued else "",
    }
    if kind != DocumentKind.PACKING_SLIP:
        seals = {s["vendor"]["id"]: vendor_seal_data_uri(s["vendor"]["id"]) if s["vendor"]["seal"] else ""
                 for s in facts["sections"]}
        context["sections"] = [{**s, "seal_uri": seals[s["vendor"]["id"]]} for s in facts["sections"]]
    with translation.override("ko"):
        return render_pdf(TEMPLATES[kind], context)


# --- making documents ----------------------------------------------------------------------


def _targets(order: Order) -> list[tuple[str, int | None]]:
    targets: list[tuple[str, int | None]] = [(DocumentKind.RECEIPT, None)]
    for vo_id in order.vendor_orders.order_by("pk").values_list("pk", flat=True):
        targets += [(DocumentKind.STATEMENT, vo_id), (DocumentKind.PACKING_SLIP, vo_id)]
    return targets


def documents_apply(order: Order) -> bool:
    """Whether the order has documents at all: only once it has been paid."""
    return order.paid_at is not None


def document_get(*, kind: str, order: Order, vendor_order: VendorOrder | None) -> Document | None:
    return Document.objects.filter(kind=kind, order=order, vendor_order=vendor_order).order_by("pk").first()


def document_make(*, order_id: int, kind: str, vendor_order_id: int | None = None) -> Document | None:
    """Make (or make again) one document if what it shows changed; None when it is current."""
    def load() -> Document:
        # The order row's lock serialises every maker of this order's documents: one
        # Document per (kind, order, vendor order), numbered once.
        order = Order.objects.select_for_update().get(pk=order_id)
        vendor_order = (VendorOrder.objects.select_related("vendor").get(pk=vendor_order_id, order=order)
                        if vendor_order_id else None)
        document = document_get(kind=kind, order=order, vendor_order=vendor_order) or Document(kind=kind)
        document.order, document.vendor_order = order, vendor_order
        return document

    def render(document: Document, facts: dict) -> bytes:
        reissued = bool(document.file)
        if document.pk is None:  # numbered only once it is made
            document.created_at = timezone.now()
            document.number = daily_number(kind, timezone.localdate(), prefix=NUMBER_PREFIXES[kind])
        return _render(kind, facts, document, reissued=reissued)

    return document_make_if_changed(
        load=load, facts=lambda document: document_facts(kind, document.order, document.vendor_order),
        render=render, name=lambda document: f"{document.number}.pdf",
    )


def order_documents_make(*, order_id: int) -> list[Document]:
    """Make the order's receipt and each vendor order's statement and packing slip that changed."""
    order = Order.objects.get(pk=order_id)
    if not documents_apply(order):
        return []
    made = []
    for kind, vendor_order_id in _targets(order):
        document = document_make(order_id=order_id, kind=kind, vendor_order_id=vendor_order_id)
        if document:
            made.append(document)
    return made


def document_is_current(document: Document | None) -> bool:
    """Whether the stored file still shows what the order says now (cheap: no rendering)."""
    if document is None or not document.file:
        return False
    if document.kind not in ORDER_DOCUMENT_KINDS:
        return True
    facts = document_facts(document.kind, document.order, document.vendor_order)
    return document.fingerprint == fingerprint(facts)


def order_documents_queue(*, order_id: int) -> None:
    """Make the order's documents after the current transaction commits (a task: rendering is slow)."""
    jobs.after_commit("orders.order_documents_task", order_id=order_id)


# --- where pages link to them ------------------------------------------------------------------


def document_url(order: Order | None = None, vendor_order: VendorOrder | None = None,
                 kind: str = DocumentKind.RECEIPT) -> str:
    """Where a page links to a document, made yet or not (the link shows "준비 중" until it is)."""
    if vendor_order is not None and kind != DocumentKind.RECEIPT:
        return reverse("orders:vendor_order_document", args=[vendor_order.number, kind])
    if order is None:
        order = vendor_order.order
    return reverse("orders:order_document", args=[order.number, DocumentKind.RECEIPT])


def packing_slip_url(vendor_order: VendorOrder) -> str:
    return document_url(vendor_order=vendor_order, kind=DocumentKind.PACKING_SLIP)
