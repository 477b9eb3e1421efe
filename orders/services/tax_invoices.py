"""Tax-invoice requests: filed at checkout, handed to an issuer, marked issued with the approval number.

order_place files a TaxInvoiceRequest per vendor order and kind when the
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

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.money import EXEMPT, TAXABLE, vat_split
from ddasum.spreadsheets import CsvUnreadable, Sheet, csv_decode, excel_csv, excel_xlsx
from vendors.selectors import user_is_vendor_member

from ..exceptions import InvalidTransition, NotAllowed, OrderError
from ..models import InvoiceKind, Order, TaxInvoiceRequest, VendorOrder, VendorOrderStatus

logger = logging.getLogger(__name__)

V = VendorOrderStatus


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


def tax_invoice_requests_create(*, vendor_order: VendorOrder, order: Order) -> None:
    """At checkout, when the buyer gave a business number: one request per kind of invoice the vendor order needs."""
    lines = list(vendor_order.lines.all())
    taxable = sum(ln.line_total - ln.discount for ln in lines if ln.tax_type == TAXABLE) + vendor_order.shipping_fee
    exempt = sum(ln.line_total - ln.discount for ln in lines if ln.tax_type == EXEMPT)
    for kind, amount, tax in ((InvoiceKind.TAX_INVOICE, taxable, TAXABLE), (InvoiceKind.INVOICE, exempt, EXEMPT)):
        if amount:
            split = vat_split(amount, tax)
            TaxInvoiceRequest.objects.create(
                vendor_order=vendor_order, kind=kind, business_number=order.business_number,
                business_name=order.business_name or order.orderer_name, email=order.email,
                supply_amount=split.supply, vat_amount=split.vat,
            )


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


def _written_on(vendor_order: VendorOrder):
    """The supply date (작성일자): when the vendor order was paid, in Korean time."""
    return timezone.localtime(vendor_order.paid_at or vendor_order.order.paid_at or vendor_order.order.placed_at)


def invoice_requests_csv(requests) -> bytes:
    """Pending requests in a layout for bulk issuing (UTF-8 with BOM, so Excel reads Hangul)."""
    rows = [CSV_COLUMNS]
    for req in requests:
        vo = req.vendor_order
        vendor = vo.vendor
        written = _written_on(vo).strftime("%Y%m%d")
        rows.append([
            written, _digits(vendor.business_number), vendor.name, vendor.representative,
            _digits(req.business_number), req.business_name, req.email,
            INVOICE_KIND_LABELS[req.kind], _item_name(vo, req.kind),
            req.supply_amount, req.vat_amount, req.supply_amount + req.vat_amount, vo.number,
        ])
    return excel_csv(rows)


# --- the 홈택스 bulk-issuing workbook ------------------------------------------------------------

# 홈택스 (국세청) 전자세금계산서 일괄발급 엑셀 양식: rows 1–5 are the form's header block (title and
# notes, not read by the upload), row 6 names the 59 columns, invoices start on row 7, one per row.
# A row carries up to four items (일자·품목·규격·수량·단가·공급가액·세액·품목비고); amounts are whole
# won, registration numbers digits only, dates YYYYMMDD, 일자 the day of the month (two digits).
HOMETAX_FIRST_ROW = 7
HOMETAX_ITEMS = 4
HOMETAX_ITEM_COLUMNS = ("일자", "품목", "규격", "수량", "단가", "공급가액", "세액", "품목비고")
HOMETAX_COLUMNS = (
    "전자(세금)계산서 종류\n(01:일반, 02:영세율)", "작성일자", "공급자 등록번호\n(\"-\" 없이 입력)",
    "공급자\n종사업장번호", "공급자 상호", "공급자 성명", "공급자 사업장주소", "공급자 업태", "공급자 종목",
    "공급자 이메일", "공급받는자 등록번호\n(\"-\" 없이 입력)", "공급받는자\n종사업장번호", "공급받는자 상호",
    "공급받는자 성명", "공급받는자 사업장주소", "공급받는자 업태", "공급받는자 종목", "공급받는자 이메일1",
    "공급받는자 이메일2", "공급가액\n합계", "세액\n합계", "비고",
    *(f"{name}{n}" for n in range(1, HOMETAX_ITEMS + 1) for name in HOMETAX_ITEM_COLUMNS),
    "현금", "수표", "어음", "외상미수금", "영수(01),\n청구(02)",
)
HOMETAX_KIND_GENERAL = "01"  # 일반 (not 영세율)
HOMETAX_RECEIPT = "01"  # 영수: the buyer paid at checkout


def invoice_requests_hometax_sheet(requests) -> Sheet:
    """Pending 세금계산서 requests as the 홈택스 일괄발급 sheet (계산서 for exempt goods use another form).

    The sheet is the tax office's form, so it is Korean whatever the language of the page.

    Each invoice has one item, the request's own amounts, so the items add up to the totals to the won
    (splitting VAT per line would round differently); the item's name lists the goods ("… 외 2건").
    """
    sheet = Sheet(title="엑셀업로드양식", widths=[12, 10, 14, 8, 20, 10, 30, 10, 10, 22, 14, 8, 20, 10, 30,
                                                 10, 10, 22, 10, 12, 10, 16],
                  text_columns=frozenset({2, 3, 11}), freeze_panes=f"A{HOMETAX_FIRST_ROW}")
    sheet.heading("전자세금계산서 일괄발급 양식 (따숨몰 내보내기)")
    sheet.add("7행부터 한 줄에 세금계산서 한 장입니다. 공급자는 입점기업, 작성일자는 결제일입니다.")
    sheet.add("홈택스 > 전자(세금)계산서 > 발급 > 일괄/공동매입분 발급 > 엑셀 일괄발급에서 이 파일을 올리세요.")
    sheet.add("등록번호는 '-' 없이, 금액은 원 단위 정수입니다.")
    sheet.blank()
    sheet.heading(*HOMETAX_COLUMNS)
    for req in requests:
        if req.kind != InvoiceKind.TAX_INVOICE:
            continue
        vo = req.vendor_order
        vendor, order = vo.vendor, vo.order
        written = _written_on(vo)
        item = [f"{written:%d}", _item_name(vo, req.kind), "", "", "", req.supply_amount, req.vat_amount, vo.number]
        empty_items = [""] * (len(HOMETAX_ITEM_COLUMNS) * (HOMETAX_ITEMS - 1))
        sheet.add(
            HOMETAX_KIND_GENERAL, f"{written:%Y%m%d}", _digits(vendor.business_number), "", vendor.name,
            vendor.representative, f"{vendor.address} {vendor.address_detail}".strip(), vendor.business_type, vendor.business_item, vendor.email,
            _digits(req.business_number), "", req.business_name, order.orderer_name, "", "", "", req.email, "",
            req.supply_amount, req.vat_amount, f"따숨몰 주문 {vo.number}",
            *item, *empty_items, "", "", "", "", HOMETAX_RECEIPT,
        )
    return sheet


def invoice_requests_hometax_xlsx(requests) -> bytes:
    """The 홈택스 일괄발급 workbook of the requests' 세금계산서."""
    return excel_xlsx([invoice_requests_hometax_sheet(requests)])


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
    return import_string(getattr(settings, "TAX_INVOICE_ISSUER", "orders.services.tax_invoices.CsvExportIssuer"))()


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
