"""Receipts, statements and packing slips as PDFs (WeasyPrint), and tax-invoice requests.

Documents. After payment a Celery task makes, per order, one receipt (영수증 · 거래명세서
of every vendor order), and per vendor order one statement (거래명세서) and one packing
slip. Each is made from plain "facts" (lines, amounts, statuses, the vendor's details);
their hash is the document's fingerprint (the pipeline is ddasum.documents), so running the task again writes nothing unless
something the document shows has changed. A document keeps its number when it is made
again. Rendering happens only in the task (ddasum.pdf); the download view never renders,
it queues the task and shows a "준비 중" page.

Tax invoices. order_place files a TaxInvoiceRequest per vendor order and kind when the
buyer gave a business number. Vendors and the operator hand pending requests to an
`InvoiceIssuer` (by default a CSV for bulk issuing through an e-tax-invoice provider: the
marketplace issues on the vendors' behalf, 위수탁) and mark them issued with the approval
number, one by one or from a CSV of 주문번호/종류/승인번호 (all rows or none).
"""
import csv
import io
import logging
import re
from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import TaxType
from ddasum.documents import document_make_if_changed, document_task_run, fingerprint
from ddasum.money import EXEMPT, TAXABLE, vat_split
from ddasum.numbering import daily_number
from ddasum.pdf import render_pdf
from ddasum.spreadsheets import CsvUnreadable, csv_decode, excel_csv
from vendors.selectors import user_is_vendor_member, vendor_seal_data_uri, vendor_supplier_facts

from .exceptions import InvalidTransition, NotAllowed, OrderError
from .models import (
    Document,
    DocumentKind,
    InvoiceKind,
    Order,
    TaxInvoiceRequest,
    VendorOrder,
    VendorOrderStatus,
)

logger = logging.getLogger(__name__)

__all__ = ["order_documents_task"]

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
             "tax_label": str(TAX_LABELS.get(ln.tax_type, ln.tax_type))}
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
        "lines": [{"name": ln.product_name, "option": ln.variant_name, "sku": ln.sku, "quantity": ln.quantity}
                  for ln in vendor_order.lines.all()],
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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def order_documents_task(*, order_id: int) -> int:
    """(Re)make the order's documents that changed; running it twice writes nothing."""
    made = document_task_run(order_documents_make, label=f"documents of order {order_id}",
                             missing=(Order.DoesNotExist,), order_id=order_id)
    if made is False:
        return 0
    logger.info("order %s: %s document(s) made", order_id, len(made))
    return len(made)


def order_documents_queue(*, order_id: int) -> None:
    """Queue the order's documents after the current transaction commits (the paid notice calls this)."""
    transaction.on_commit(lambda: order_documents_task.delay(order_id=order_id))


# --- who may read them ------------------------------------------------------------------------

SESSION_LOOKUP_KEY = "orders_lookup"


def _order_reader(user, session, order: Order) -> bool:
    if user is not None and user.is_authenticated and order.buyer_id == user.pk:
        return True
    looked_up = session.get(SESSION_LOOKUP_KEY, []) if session is not None else []
    return order.buyer_id is None and order.number in looked_up


def document_may_read(user, session, *, kind: str, order: Order | None = None,
                      vendor_order: VendorOrder | None = None, settlement=None) -> bool:
    """The one rule for reading an order document.

    Operators read everything; the buyer (or a guest whose session looked the order up)
    reads the receipt and the statements; a vendor's members read their own vendor order's
    statement and packing slip (and their settlements), never the order-wide receipt,
    which shows other vendors' lines.
    """
    if user is not None and user.is_authenticated and not user.is_active:
        return False
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    if kind == DocumentKind.SETTLEMENT:
        return settlement is not None and user_is_vendor_member(user, settlement.vendor_id)
    order = order or (vendor_order.order if vendor_order else None)
    if order is None:
        return False
    if kind == DocumentKind.RECEIPT:
        return vendor_order is None and _order_reader(user, session, order)
    if vendor_order is None:
        return False
    if user_is_vendor_member(user, vendor_order.vendor_id):
        return True
    return kind == DocumentKind.STATEMENT and _order_reader(user, session, order)


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


# --- tax invoices -----------------------------------------------------------------------------

# Requests that wait for issuing: not issued, on a vendor order that was paid and still stands.
ISSUABLE_STATUSES = frozenset({V.PAID, V.PREPARING, V.SHIPPED, V.DELIVERED, V.COMPLETED, V.RETURN_REQUESTED})
INVOICE_KIND_BY_LABEL = {"세금계산서": InvoiceKind.TAX_INVOICE, "계산서": InvoiceKind.INVOICE,
                         InvoiceKind.TAX_INVOICE.value: InvoiceKind.TAX_INVOICE, InvoiceKind.INVOICE.value: InvoiceKind.INVOICE}
INVOICE_KIND_LABELS = {InvoiceKind.TAX_INVOICE: "세금계산서", InvoiceKind.INVOICE: "계산서"}
# 국세청 승인번호 look like 20261122-41000000-0a1b2c3d; providers differ, so be lenient.
APPROVAL_NUMBER_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{6,38}[0-9A-Za-z]$")
CSV_COLUMNS = ("작성일자", "공급자 사업자등록번호", "공급자 상호", "공급자 대표자", "공급받는자 사업자등록번호",
               "공급받는자 상호", "공급받는자 이메일", "종류", "품목", "공급가액", "세액", "합계", "주문번호")
APPROVAL_COLUMNS = ("주문번호", "종류", "승인번호")
APPROVALS_MAX_ROWS = 5000


def invoice_requests_for(vendor_ids=None):
    """Requests a vendor (ids) or the operator (None) handles."""
    qs = TaxInvoiceRequest.objects.select_related("vendor_order__vendor", "vendor_order__order")
    return qs if vendor_ids is None else qs.filter(vendor_order__vendor_id__in=vendor_ids)


def invoice_requests_pending(vendor_ids=None):
    return (invoice_requests_for(vendor_ids)
            .filter(issued=False, vendor_order__status__in=ISSUABLE_STATUSES)
            .order_by("created_at", "pk"))


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _item_name(vendor_order: VendorOrder, kind: str) -> str:
    tax_type = TAXABLE if kind == InvoiceKind.TAX_INVOICE else EXEMPT
    names = [f"{ln.product_name} {ln.variant_name}".strip()
             for ln in vendor_order.lines.all() if ln.tax_type == tax_type]
    if not names:
        return _("배송비")
    if len(names) == 1:
        return names[0]
    return _("%(first)s 외 %(count)s건") % {"first": names[0], "count": len(names) - 1}


def invoice_requests_csv(requests) -> bytes:
    """Pending requests in a layout for bulk issuing (UTF-8 with BOM, so Excel reads Hangul)."""
    rows = [CSV_COLUMNS]
    for req in requests:
        vo = req.vendor_order
        vendor = vo.vendor
        # The supply date: when the vendor order was paid.
        written = timezone.localtime(vo.paid_at or vo.order.paid_at or vo.order.placed_at).strftime("%Y%m%d")
        rows.append([
            written, _digits(vendor.business_number), vendor.name, vendor.representative,
            _digits(req.business_number), req.business_name, req.email,
            INVOICE_KIND_LABELS[req.kind], _item_name(vo, req.kind),
            req.supply_amount, req.vat_amount, req.supply_amount + req.vat_amount, vo.number,
        ])
    return excel_csv(rows)


@dataclass
class IssueOutcome:
    """What an issuer gives back: a file to hand over, and approvals it got at once (by request id)."""

    filename: str = ""
    content: bytes = b""
    content_type: str = "text/csv; charset=utf-8"
    approvals: dict[int, str] = field(default_factory=dict)


class InvoiceIssuer:
    """How pending requests reach an e-tax-invoice provider.

    A provider with an API would send the requests and return the approval numbers in
    `IssueOutcome.approvals`; settings.TAX_INVOICE_ISSUER names the class to use.
    """

    label = ""

    def issue(self, requests: list[TaxInvoiceRequest]) -> IssueOutcome:
        raise NotImplementedError


class CsvExportIssuer(InvoiceIssuer):
    """The default: a CSV to upload to the provider by hand; no network call."""

    label = gettext_lazy("CSV 내보내기 (일괄 발행용)")

    def issue(self, requests):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return IssueOutcome(filename=f"ddasum-tax-invoices-{stamp}.csv", content=invoice_requests_csv(requests))


def invoice_issuer() -> InvoiceIssuer:
    return import_string(getattr(settings, "TAX_INVOICE_ISSUER", "orders.documents.CsvExportIssuer"))()


def tax_invoices_issue(*, requests, actor) -> IssueOutcome:
    """Hand requests to the issuer; approvals it returns at once are recorded."""
    requests = list(requests)
    outcome = invoice_issuer().issue(requests)
    for request_id, approval_number in outcome.approvals.items():
        tax_invoice_mark_issued(request_id=request_id, approval_number=approval_number, actor=actor)
    return outcome


def _approval_clean(value: str) -> str:
    value = (value or "").strip()
    if not APPROVAL_NUMBER_RE.match(value):
        raise OrderError(_("승인번호 형식이 올바르지 않습니다: 숫자·영문과 하이픈(-)으로 8~40자."))
    return value


def _approval_taken(approval_number: str, exclude_pk: int | None) -> bool:
    return TaxInvoiceRequest.objects.filter(approval_number=approval_number).exclude(pk=exclude_pk).exists()


def _issue_check(req: TaxInvoiceRequest, approval_number: str) -> bool:
    """Raise if `req` cannot take this approval; False when it already has it (nothing to do)."""
    if req.issued:
        if req.approval_number == approval_number:
            return False
        raise InvalidTransition(_("이미 다른 승인번호(%(number)s)로 발행 처리된 요청입니다.")
                                % {"number": req.approval_number})
    if req.vendor_order.status not in ISSUABLE_STATUSES:
        raise InvalidTransition(_("'%(status)s' 상태의 주문에는 계산서를 발행할 수 없습니다.")
                                % {"status": req.vendor_order.get_status_display()})
    if _approval_taken(approval_number, req.pk):
        raise OrderError(_("승인번호 %(number)s는 이미 다른 요청에 쓰였습니다.") % {"number": approval_number})
    return True


@transaction.atomic
def tax_invoice_mark_issued(*, request_id: int, approval_number: str, actor) -> TaxInvoiceRequest:
    """Record that the (tax) invoice was issued, with its approval number; the same number again changes nothing."""
    req = TaxInvoiceRequest.objects.select_for_update().select_related("vendor_order").get(pk=request_id)
    if not (actor and actor.is_authenticated and (actor.is_staff or user_is_vendor_member(actor, req.vendor_order.vendor_id))):
        raise NotAllowed(_("이 계산서 요청을 처리할 권한이 없습니다."))
    approval_number = _approval_clean(approval_number)
    if _issue_check(req, approval_number):
        req.issued, req.approval_number, req.issued_at = True, approval_number, timezone.now()
        req.save(update_fields=["issued", "approval_number", "issued_at"])
        logger.info("invoice request %s issued as %s by %s", req.pk, approval_number, actor.pk)
    return req


# --- approvals from a CSV ---------------------------------------------------------------------


@dataclass
class ApprovalRow:
    line: int
    order_number: str
    kind_label: str
    approval_number: str
    request: TaxInvoiceRequest | None = None
    action: str = ""  # "issue", "same" (already issued with this number)
    error: str = ""


@dataclass
class ApprovalPlan:
    rows: list[ApprovalRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not any(r.error for r in self.rows)

    @property
    def to_issue(self) -> list[ApprovalRow]:
        return [r for r in self.rows if r.action == "issue"]

    @property
    def all_errors(self) -> list[str]:
        return self.errors + [_("%(line)s행: %(error)s") % {"line": r.line, "error": r.error}
                              for r in self.rows if r.error]


class ApprovalImportRefused(OrderError):
    """The approvals file has errors; nothing was applied."""

    def __init__(self, plan: ApprovalPlan):
        self.plan = plan
        super().__init__(_("오류가 있어 아무것도 반영하지 않았습니다."))


def tax_invoice_approvals_plan(*, data: bytes, vendor_ids=None, lock: bool = False) -> ApprovalPlan:
    """Read a CSV of 주문번호/종류/승인번호 and say, row by row, what it would do (nothing is saved)."""
    plan = ApprovalPlan()
    try:
        text = csv_decode(data)
    except CsvUnreadable:
        plan.errors.append(_("파일을 읽을 수 없습니다. UTF-8 또는 CP949(엑셀) CSV로 저장해 주세요."))
        return plan
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in APPROVAL_COLUMNS if c not in headers]
    if missing:
        plan.errors.append(_("첫 행에 열 이름이 없습니다: %(columns)s") % {"columns": ", ".join(missing)})
        return plan
    reader.fieldnames = headers
    for line, raw in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        if len(plan.rows) >= APPROVALS_MAX_ROWS:
            plan.errors.append(_("한 번에 %(max)s행까지 올릴 수 있습니다.") % {"max": APPROVALS_MAX_ROWS})
            break
        plan.rows.append(ApprovalRow(line=line, order_number=values.get("주문번호", ""),
                                     kind_label=values.get("종류", ""), approval_number=values.get("승인번호", "")))
    if not plan.rows and not plan.errors:
        plan.errors.append(_("반영할 행이 없습니다."))
    numbers = {r.order_number for r in plan.rows}
    requests = invoice_requests_for(vendor_ids).filter(vendor_order__number__in=numbers)
    if lock:
        requests = requests.select_for_update(of=("self",))
    by_key = {(r.vendor_order.number, r.kind): r for r in requests}
    seen_requests, seen_numbers = {}, {}
    for row in plan.rows:
        kind = INVOICE_KIND_BY_LABEL.get(row.kind_label)
        try:
            if not row.order_number:
                raise OrderError(_("주문번호가 비어 있습니다."))
            if kind is None:
                raise OrderError(_("종류는 '세금계산서' 또는 '계산서'여야 합니다."))
            row.approval_number = _approval_clean(row.approval_number)
            req = by_key.get((row.order_number, kind))
            if req is None:
                raise OrderError(_("주문번호 %(number)s의 %(kind)s 요청을 찾을 수 없습니다.")
                                 % {"number": row.order_number, "kind": INVOICE_KIND_LABELS[kind]})
            if req.pk in seen_requests:
                raise OrderError(_("%(line)s행과 같은 요청입니다.") % {"line": seen_requests[req.pk]})
            if row.approval_number in seen_numbers:
                raise OrderError(_("승인번호가 %(line)s행과 같습니다.") % {"line": seen_numbers[row.approval_number]})
            seen_requests[req.pk], seen_numbers[row.approval_number] = row.line, row.line
            row.request = req
            row.action = "issue" if _issue_check(req, row.approval_number) else "same"
        except OrderError as exc:
            row.error = exc.message
    return plan


@transaction.atomic
def tax_invoice_approvals_apply(*, data: bytes, vendor_ids=None, actor) -> ApprovalPlan:
    """Mark every row's request issued, or none of them if any row has an error."""
    plan = tax_invoice_approvals_plan(data=data, vendor_ids=vendor_ids, lock=True)
    if not plan.ok:
        raise ApprovalImportRefused(plan)
    for row in plan.to_issue:
        tax_invoice_mark_issued(request_id=row.request.pk, approval_number=row.approval_number, actor=actor)
    return plan
