"""From an accepted quote (or a direct purchase) to the purchase record (공공구매 실적).

A purchase order (발주) goes issued → confirmed (the vendor) → delivered (the vendor, with a
delivery note) → inspected (the agency's 검수); before delivery either side may cancel with a
reason. Every change goes through `_transition()`, which checks PO_TRANSITIONS and who may
take the step (PO_STEP_SIDES), stamps the time and writes a PurchaseOrderEvent. Inspection
writes one PurchaseRecord per category of the order's lines, amounts split by tax type.

Payment is by invoice after delivery: the payment date and method are recorded (agency,
vendor or operator), the agency asks for the tax invoice and the vendor enters its approval
number. Each step tells the other side, in the app and by mail, from a Celery task queued on
commit; every notice has a key, so a retried task sends nothing twice.

Direct purchase (바로구매) buys the quote basket at catalog prices when the operator's
DirectPurchaseRule for the agency's kind allows the amount: stock is taken by a conditional
UPDATE per variant in primary-key order (all or nothing), one order per vendor.
"""
import hashlib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.exceptions import StockShort
from catalog.models import Category, Product, ProductVariant
from catalog.stock import stock_return_many, stock_take_many
from ddasum import jobs
from ddasum.money import EXEMPT, TAXABLE
from ddasum.numbering import daily_number
from ddasum.transitions import StateMachine
from ddasum.uploads import CleanUpload, upload_clean
from vendors.models import Vendor, VendorStatus
from vendors.selectors import user_is_vendor_member

from ..amounts import quote_totals
from ..exceptions import (
    DirectPurchaseNotAllowed,
    InvalidTransition,
    NotAllowed,
    NotVerified,
    ProcurementError,
    QuoteExpired,
)
from ..models import (
    DirectPurchaseRule,
    POStatus,
    ProcurementPaymentMethod,
    PublicAgency,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    PurchaseRecord,
    PurchaseSource,
    QuoteBasketLine,
    QuoteRequest,
    QuoteStatus,
    RecordStatus,
    RequestStatus,
    VendorQuote,
)
from ..selectors.access import user_is_agency_member
from .quotes import quote_transition, request_transition

P = POStatus

# --- the purchase-order state machine ------------------------------------------------------

PO_TRANSITIONS = {
    P.ISSUED: frozenset({P.CONFIRMED, P.CANCELLED}),
    P.CONFIRMED: frozenset({P.DELIVERED, P.CANCELLED}),
    P.DELIVERED: frozenset({P.INSPECTED}),
    P.INSPECTED: frozenset(),
    P.CANCELLED: frozenset(),
}
AGENCY, VENDOR = "agency", "vendor"
# Which side takes each step: the vendor confirms and delivers, the agency inspects, either cancels.
PO_STEP_SIDES = {
    P.CONFIRMED: frozenset({VENDOR}),
    P.DELIVERED: frozenset({VENDOR}),
    P.INSPECTED: frozenset({AGENCY}),
    P.CANCELLED: frozenset({AGENCY, VENDOR}),
}
_STAMPS = {P.CONFIRMED: "confirmed_at", P.DELIVERED: "delivered_at", P.INSPECTED: "inspected_at",
           P.CANCELLED: "cancelled_at"}
PO_MACHINE = StateMachine(
    transitions=PO_TRANSITIONS, choices=POStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태의 발주는 '%(to)s'(으)로 바꿀 수 없습니다."),
    stamps=_STAMPS, event_model=PurchaseOrderEvent, event_fk="purchase_order",
)
# Payment is recorded, and the tax invoice issued, once the goods are delivered.
PAYABLE = frozenset({P.DELIVERED, P.INSPECTED})
APPROVAL_NUMBER_RE = re.compile(r"^[0-9][0-9-]{6,38}[0-9]$")


def po_sides(user, po: PurchaseOrder) -> frozenset:
    """The sides `user` acts for on this order: agency, vendor, both or none (operators: none)."""
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()
    sides = set()
    if user_is_agency_member(user, po.agency_id):
        sides.add(AGENCY)
    if user_is_vendor_member(user, po.vendor_id):
        sides.add(VENDOR)
    return frozenset(sides)


def po_steps_available(user, po: PurchaseOrder) -> list[str]:
    """The status changes `user` may make now (for the page's buttons)."""
    sides = po_sides(user, po)
    return [to for to in PO_MACHINE.targets(po.status) if sides & PO_STEP_SIDES[to]]


def _transition(po: PurchaseOrder, to: str, *, actor, reason: str = "") -> PurchaseOrderEvent:
    """The one place a purchase order's status changes: checks the table and the side, stamps, records."""
    PO_MACHINE.check(po, to)
    if not (po_sides(actor, po) & PO_STEP_SIDES[to]):
        raise NotAllowed(_("이 발주를 '%(to)s' 처리할 권한이 없습니다.") % {"to": P(to).label})
    event = PO_MACHINE.move(po, to, actor=actor, reason=reason)
    jobs.after_commit("procurement.po_event_notify_task", event_id=event.pk)
    return event


def _po_locked(po_id: int) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().get(pk=po_id)


def _po_number(day) -> str:
    return daily_number("purchase_order", day, prefix="PO-")


# --- accepting a quote ------------------------------------------------------------------------


def quote_accept(*, quote_id: int, actor) -> PurchaseOrder:
    """Accept a vendor's quote: a purchase order from its current version; the same quote, the same order."""
    try:
        return _quote_accept(quote_id=quote_id, actor=actor)
    except IntegrityError:
        # A double click raced us: the first click's order is the answer (the quote is one-to-one).
        existing = PurchaseOrder.objects.filter(quote_id=quote_id).first()
        if existing and user_is_agency_member(actor, existing.agency_id):
            return existing
        raise


@transaction.atomic
def _quote_accept(*, quote_id: int, actor) -> PurchaseOrder:
    request_id = VendorQuote.objects.filter(pk=quote_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise ProcurementError(_("없는 견적입니다."))
    # The request is locked first: two quotes of one request accepted at once wait for each other.
    request = QuoteRequest.objects.select_for_update().get(pk=request_id)
    if not user_is_agency_member(actor, request.agency_id):
        raise NotAllowed(_("요청한 기관의 확인된 구성원만 견적을 채택할 수 있습니다."))
    quote = VendorQuote.objects.select_for_update().get(pk=quote_id)
    existing = PurchaseOrder.objects.filter(quote=quote).first()
    if existing:
        return existing
    if quote.status != QuoteStatus.ANSWERED or quote.current_version_id is None:
        raise InvalidTransition(
            _("'%(status)s' 상태의 견적은 채택할 수 없습니다.") % {"status": quote.get_status_display()}
        )
    if request.status != RequestStatus.OPEN:
        raise InvalidTransition(
            _("'%(status)s' 상태의 견적요청에서는 견적을 채택할 수 없습니다.") % {"status": request.get_status_display()}
        )
    version = quote.current_version
    today = timezone.localdate()
    if not version.is_valid_on(today):
        raise QuoteExpired(
            _("견적 유효기간(%(date)s)이 지나 채택할 수 없습니다. 기업에 재견적을 요청해 주세요.")
            % {"date": version.valid_until.isoformat()}
        )
    now = timezone.now()
    po = PurchaseOrder.objects.create(
        number=_po_number(today), source=PurchaseSource.QUOTE, agency_id=request.agency_id, vendor_id=quote.vendor_id,
        quote=quote, quote_version=version, created_by=actor, delivery_place=request.delivery_place,
        wanted_delivery_date=request.wanted_delivery_date, memo=version.delivery_terms,
        taxable_supply=version.taxable_supply, taxable_vat=version.taxable_vat, exempt_amount=version.exempt_amount,
        total=version.total, issued_at=now,
    )
    lines = list(version.lines.select_related("variant__product"))
    PurchaseOrderLine.objects.bulk_create([
        PurchaseOrderLine(
            purchase_order=po, variant_id=line.variant_id,
            product_id=line.variant.product_id if line.variant_id else None,
            category_id=line.category_id or (line.variant.product.category_id if line.variant_id else None),
            name=line.name, spec=line.spec, unit=line.unit, quantity=line.quantity, unit_price=line.unit_price,
            amount=line.amount, tax_type=line.tax_type,
        )
        for line in lines
    ])
    PurchaseOrderEvent.objects.create(purchase_order=po, actor=actor, from_status="", to_status=P.ISSUED)
    quote_transition(quote, QuoteStatus.ACCEPTED, actor=actor, reason=po.number)
    quote.accepted_at = now
    quote.save(update_fields=["accepted_at"])
    # A vendor that declined keeps its "declined"; the ones still waiting or answered were not chosen.
    others = (VendorQuote.objects.select_for_update().filter(request=request)
              .filter(status__in=(QuoteStatus.REQUESTED, QuoteStatus.ANSWERED)).exclude(pk=quote.pk).order_by("pk"))
    for other in others:
        quote_transition(other, QuoteStatus.NOT_SELECTED, actor=actor, reason=quote.number)
    request_transition(request, RequestStatus.ACCEPTED, actor=actor, reason=po.number)
    _po_issued_after_commit(po)
    return po


def _po_issued_after_commit(po: PurchaseOrder) -> None:
    jobs.after_commit("procurement.po_pdf_task", po_id=po.pk)
    jobs.after_commit("procurement.po_issued_notify_task", po_id=po.pk)


# --- the vendor's and the agency's steps ------------------------------------------------------


@transaction.atomic
def po_confirm(*, po_id: int, actor) -> PurchaseOrder:
    """The vendor confirms it will deliver (발주 확인)."""
    po = _po_locked(po_id)
    _transition(po, P.CONFIRMED, actor=actor)
    return po


@transaction.atomic
def po_deliver(*, po_id: int, actor, note: str = "") -> PurchaseOrder:
    """The vendor has delivered (납품): the delivery note (납품서) is made after commit."""
    po = _po_locked(po_id)
    note = (note or "").strip()
    _transition(po, P.DELIVERED, actor=actor, reason=note)
    if note:
        po.delivery_note = note
        po.save(update_fields=["delivery_note"])
    jobs.after_commit("procurement.delivery_note_pdf_task", po_id=po.pk)
    return po


@transaction.atomic
def po_inspect(*, po_id: int, actor) -> list[PurchaseRecord]:
    """The agency accepts the delivery (검수): the purchase records are written, one per category."""
    po = _po_locked(po_id)
    _transition(po, P.INSPECTED, actor=actor)
    return _records_write(po, actor=actor)


def _records_write(po: PurchaseOrder, *, actor) -> list[PurchaseRecord]:
    groups: dict = {}
    for line in po.lines.select_related("category").order_by("id"):
        group = groups.setdefault(line.category_id, {"taxable": 0, "exempt": 0, "names": []})
        group[TAXABLE if line.tax_type == TAXABLE else EXEMPT] += line.amount
        group["names"].append(line.name)
    vendor = Vendor.objects.only("enterprise_type").get(pk=po.vendor_id)
    purchased_on = timezone.localdate(po.inspected_at)
    records = []
    for category_id, group in groups.items():
        names = group["names"]
        description = names[0] if len(names) == 1 else _("%(name)s 외 %(count)s건") % {
            "name": names[0], "count": len(names) - 1}
        records.append(PurchaseRecord.objects.create(
            agency_id=po.agency_id, vendor_id=po.vendor_id, purchase_order=po, source=po.source,
            enterprise_type=vendor.enterprise_type, category_id=category_id, purchased_on=purchased_on,
            description=description[:200], taxable_amount=group["taxable"], exempt_amount=group["exempt"],
            total=group["taxable"] + group["exempt"], status=RecordStatus.VERIFIED, created_by=actor,
            verified_at=po.inspected_at,
        ))
    return records


@transaction.atomic
def po_cancel(*, po_id: int, actor, reason: str) -> PurchaseOrder:
    """Cancel before delivery (agency or vendor, with a reason); a direct purchase gives its stock back."""
    reason = (reason or "").strip()
    if not reason:
        raise ProcurementError(_("취소 사유를 입력해 주세요."))
    po = _po_locked(po_id)
    _transition(po, P.CANCELLED, actor=actor, reason=reason)
    if po.source == PurchaseSource.DIRECT:
        stock_return_many(items=po.lines.filter(variant__isnull=False).values_list("variant_id", "quantity"))
    return po


# --- payment and tax invoice -------------------------------------------------------------------


@transaction.atomic
def po_payment_record(*, po_id: int, actor, paid_on, method: str, note: str = "") -> PurchaseOrder:
    """Record the agency's payment after delivery (agency, vendor or operator); a correction overwrites it."""
    po = _po_locked(po_id)
    sides = po_sides(actor, po)
    if not (sides or (actor and actor.is_authenticated and actor.is_staff)):
        raise NotAllowed(_("이 발주의 지급을 기록할 권한이 없습니다."))
    if po.status not in PAYABLE:
        raise InvalidTransition(_("납품이 끝난 발주만 지급을 기록할 수 있습니다."))
    if method not in ProcurementPaymentMethod.values:
        raise ProcurementError(_("결제 방법을 골라 주세요."))
    if paid_on is None or paid_on > timezone.localdate():
        raise ProcurementError(_("지급일은 오늘이거나 지난 날짜여야 합니다."))
    po.paid_on, po.payment_method, po.payment_note = paid_on, method, (note or "").strip()[:200]
    po.save(update_fields=["paid_on", "payment_method", "payment_note"])
    side = AGENCY if AGENCY in sides else VENDOR if VENDOR in sides else "operator"
    key = f"po-paid:{po.pk}:{paid_on.isoformat()}:{method}"
    jobs.after_commit("procurement.po_notice_task", po_id=po.pk, notice="paid", side=side, key=key)
    return po


@transaction.atomic
def po_invoice_request(*, po_id: int, actor, email: str) -> PurchaseOrder:
    """The agency asks the vendor for the tax invoice (세금계산서/계산서) to `email`."""
    po = _po_locked(po_id)
    if AGENCY not in po_sides(actor, po):
        raise NotAllowed(_("발주한 기관의 구성원만 계산서를 요청할 수 있습니다."))
    if po.status == P.CANCELLED:
        raise InvalidTransition(_("취소된 발주에는 계산서를 요청할 수 없습니다."))
    if po.invoice_issued_at:
        raise InvalidTransition(_("계산서가 이미 발행되었습니다."))
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ProcurementError(_("계산서를 받을 이메일 주소를 바르게 입력해 주세요.")) from None
    po.invoice_email, po.invoice_requested_at = email, timezone.now()
    po.save(update_fields=["invoice_email", "invoice_requested_at"])
    key = f"po-invoice-request:{po.pk}:{po.invoice_requested_at:%Y%m%d%H%M%S%f}"
    jobs.after_commit("procurement.po_notice_task", po_id=po.pk, notice="invoice_requested", side=AGENCY, key=key)
    return po


@transaction.atomic
def po_invoice_issued(*, po_id: int, actor, approval_number: str) -> PurchaseOrder:
    """The vendor has issued the tax invoice (국세청 승인번호: digits and hyphens)."""
    po = _po_locked(po_id)
    if VENDOR not in po_sides(actor, po):
        raise NotAllowed(_("공급 기업의 구성원만 계산서 발행을 기록할 수 있습니다."))
    if po.status not in PAYABLE:
        raise InvalidTransition(_("납품이 끝난 발주만 계산서 발행을 기록할 수 있습니다."))
    approval_number = (approval_number or "").strip()
    if not APPROVAL_NUMBER_RE.match(approval_number) or sum(c.isdigit() for c in approval_number) < 8:
        raise ProcurementError(_("승인번호는 숫자와 하이픈(-)만 쓸 수 있습니다. 예: 20260512-41000012-34567890"))
    po.invoice_approval_number, po.invoice_issued_at = approval_number, timezone.now()
    po.save(update_fields=["invoice_approval_number", "invoice_issued_at"])
    key = f"po-invoice-issued:{po.pk}:{approval_number}"
    jobs.after_commit("procurement.po_notice_task", po_id=po.pk, notice="invoice_issued", side=VENDOR, key=key)
    return po


# --- direct purchase (바로구매) -----------------------------------------------------------------


def direct_purchase_limit(agency) -> int | None:
    """The most an agency of this kind may buy directly in one purchase, or None when it may not."""
    rule = DirectPurchaseRule.objects.filter(kind=agency.kind).first()
    return rule.limit if rule and rule.limit else None


@dataclass
class DirectLine:
    basket_line: QuoteBasketLine
    variant: ProductVariant
    product: Product
    quantity: int
    problem: str = ""

    @property
    def unit_price(self) -> int:
        return self.variant.price

    @property
    def amount(self) -> int:
        return self.variant.price * self.quantity

    @property
    def tax_type(self) -> str:
        return self.product.tax_type


@dataclass
class DirectGroup:
    vendor: Vendor
    lines: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass
class DirectPreview:
    """What a direct purchase from the user's basket would buy, and what stands in its way."""

    groups: list
    problems: list  # DirectLines that cannot be bought directly: the basket must be fixed first
    total: int
    limit: int | None

    @property
    def lines(self) -> list:
        return [line for group in self.groups for line in group.lines]

    @property
    def totals(self):
        return quote_totals(self.lines)

    @property
    def over_limit(self) -> bool:
        return self.limit is None or self.total > self.limit

    @property
    def can_place(self) -> bool:
        return bool(self.lines) and not self.problems and not self.over_limit


def direct_purchase_preview(*, user, agency) -> DirectPreview:
    """Split the user's quote basket into what can be bought now (by vendor) and what cannot."""
    on_sale = set(Product.objects.on_sale().filter(procurement_eligible=True).values_list("pk", flat=True)) if (
        QuoteBasketLine.objects.filter(user=user).exists()) else set()
    basket = (QuoteBasketLine.objects.filter(user=user)
              .select_related("variant__product__vendor", "variant__product__category").order_by("added_at", "id"))
    groups: dict[int, DirectGroup] = {}
    problems = []
    for bl in basket:
        variant, product = bl.variant, bl.variant.product
        line = DirectLine(basket_line=bl, variant=variant, product=product, quantity=bl.quantity)
        if product.pk not in on_sale or not variant.is_active:
            line.problem = _("바로구매할 수 없는 상품입니다")
        elif variant.track_stock and variant.stock < bl.quantity:
            line.problem = _("품절") if variant.stock <= 0 else _("재고 %(stock)s개") % {"stock": variant.stock}
        elif bl.quantity < product.min_order_qty:
            line.problem = _("최소 %(qty)s개부터 주문할 수 있습니다") % {"qty": product.min_order_qty}
        elif product.max_order_qty and bl.quantity > product.max_order_qty:
            line.problem = _("최대 %(qty)s개까지 주문할 수 있습니다") % {"qty": product.max_order_qty}
        if line.problem:
            problems.append(line)
            continue
        groups.setdefault(product.vendor_id, DirectGroup(vendor=product.vendor)).lines.append(line)
    ordered = [groups[k] for k in sorted(groups)]
    return DirectPreview(groups=ordered, problems=problems, total=sum(g.total for g in ordered),
                         limit=direct_purchase_limit(agency))


def _direct_key(user, idempotency_key: str) -> str:
    """Scope the browser's key to the user (48 hex chars; each vendor's order adds its vendor id)."""
    return hashlib.sha256(f"direct:{user.pk}:{idempotency_key}".encode()).hexdigest()[:48]


def _direct_existing(base: str) -> list[PurchaseOrder]:
    return list(PurchaseOrder.objects.filter(idempotency_key__startswith=f"{base}-").order_by("pk"))


def direct_purchase_place(*, user, agency_id: int, delivery_place: str, wanted_delivery_date=None, memo: str = "",
                          idempotency_key: str) -> list[PurchaseOrder]:
    """Buy the quote basket directly, one order per vendor; the same key returns the same orders."""
    if not idempotency_key:
        raise ProcurementError(_("주문 화면을 새로 열어 다시 시도해 주세요."))
    base = _direct_key(user, idempotency_key)
    existing = _direct_existing(base)
    if existing:
        return existing
    try:
        return _direct_purchase_place(user=user, agency_id=agency_id, delivery_place=delivery_place,
                                      wanted_delivery_date=wanted_delivery_date, memo=memo, base=base)
    except IntegrityError:
        existing = _direct_existing(base)
        if existing:
            return existing
        raise


@transaction.atomic
def _direct_purchase_place(*, user, agency_id, delivery_place, wanted_delivery_date, memo, base) -> list[PurchaseOrder]:
    if not user_is_agency_member(user, agency_id):
        raise NotVerified(_("확인된 기관 구성원만 바로구매를 할 수 있습니다."))
    agency = PublicAgency.objects.get(pk=agency_id)
    delivery_place = (delivery_place or "").strip()
    if not delivery_place:
        raise ProcurementError(_("납품 장소를 입력해 주세요."))
    if wanted_delivery_date and wanted_delivery_date < timezone.localdate():
        raise ProcurementError(_("희망 납기일은 오늘 이후여야 합니다."))
    preview = direct_purchase_preview(user=user, agency=agency)
    if preview.limit is None:
        raise DirectPurchaseNotAllowed(
            _("%(kind)s 기관은 바로구매를 할 수 없습니다. 견적요청으로 진행해 주세요.") % {"kind": agency.get_kind_display()}
        )
    if preview.problems:
        # What the buyer confirmed is what is bought: never a part of the basket behind their back.
        raise DirectPurchaseNotAllowed(
            _("바로구매할 수 없는 상품이 있습니다: %(items)s. 견적 바구니에서 수량을 고치거나 빼 주세요.")
            % {"items": ", ".join(f"{ln.product.name} {ln.variant.name} ({ln.problem})" for ln in preview.problems)}
        )
    if not preview.lines:
        raise DirectPurchaseNotAllowed(_("견적 바구니가 비어 있습니다."))
    if preview.total > preview.limit:
        raise DirectPurchaseNotAllowed(
            _("바로구매는 한 번에 %(limit)s원까지 할 수 있습니다. 담은 상품 합계 %(total)s원은 견적요청으로 진행해 주세요.")
            % {"limit": f"{preview.limit:,}", "total": f"{preview.total:,}"}
        )
    today, now = timezone.localdate(), timezone.now()
    orders = []
    for group in preview.groups:
        totals = quote_totals(group.lines)
        po = PurchaseOrder.objects.create(
            number=_po_number(today), source=PurchaseSource.DIRECT, agency=agency, vendor=group.vendor,
            created_by=user, delivery_place=delivery_place[:200], wanted_delivery_date=wanted_delivery_date,
            memo=(memo or "").strip(), taxable_supply=totals.taxable_supply, taxable_vat=totals.taxable_vat,
            exempt_amount=totals.exempt_amount, total=totals.total, idempotency_key=f"{base}-{group.vendor.pk}",
            issued_at=now,
        )
        PurchaseOrderLine.objects.bulk_create([
            PurchaseOrderLine(
                purchase_order=po, variant=line.variant, product=line.product, category_id=line.product.category_id,
                name=line.product.name, spec=line.variant.name, unit="개", quantity=line.quantity,
                unit_price=line.unit_price, amount=line.amount, tax_type=line.tax_type,
            )
            for line in group.lines
        ])
        PurchaseOrderEvent.objects.create(purchase_order=po, actor=user, from_status="", to_status=P.ISSUED)
        orders.append(po)
    # Stock last, in primary-key order (the order every writer uses), all or nothing; products
    # refresh and low stock is reported once the orders commit.
    try:
        stock_take_many(items=[(line.variant.pk, line.quantity) for line in preview.lines])
    except StockShort as short:
        line = next(ln for ln in preview.lines if ln.variant.pk == short.variant_id)
        raise DirectPurchaseNotAllowed(
            _("품절/재고 부족: %(name)s %(option)s의 재고가 부족합니다. 견적 바구니의 수량을 확인해 주세요.")
            % {"name": line.product.name, "option": line.variant.name}
        )
    QuoteBasketLine.objects.filter(pk__in=[line.basket_line.pk for line in preview.lines]).delete()
    for po in orders:
        _po_issued_after_commit(po)
    return orders


# --- purchases made outside the platform --------------------------------------------------------


@transaction.atomic
def outside_record_create(*, user, agency_id: int, vendor_id: int, purchased_on, category_id, description: str,
                          taxable_amount: int, exempt_amount: int, evidence) -> PurchaseRecord:
    """An agency enters a purchase made outside the platform from a platform vendor; the operator checks it."""
    if not user_is_agency_member(user, agency_id):
        raise NotVerified(_("확인된 기관 구성원만 실적을 입력할 수 있습니다."))
    vendor = Vendor.objects.filter(pk=vendor_id, status=VendorStatus.APPROVED).first()
    if vendor is None:
        raise ProcurementError(_("따숨몰에 입점한 기업을 골라 주세요."))
    if category_id and not Category.objects.filter(pk=category_id).exists():
        raise ProcurementError(_("분류를 다시 골라 주세요."))
    if purchased_on is None or purchased_on > timezone.localdate():
        raise ProcurementError(_("구매일은 오늘이거나 지난 날짜여야 합니다."))
    taxable_amount, exempt_amount = int(taxable_amount or 0), int(exempt_amount or 0)
    if taxable_amount < 0 or exempt_amount < 0 or taxable_amount + exempt_amount <= 0:
        raise ProcurementError(_("과세 금액이나 면세 금액을 입력해 주세요."))
    if evidence is None:
        raise ProcurementError(_("증빙 파일(계약서, 세금계산서, 거래명세서 등)을 올려 주세요."))
    if not isinstance(evidence, CleanUpload):
        try:
            evidence = upload_clean(evidence)
        except ValidationError as exc:
            raise ProcurementError(exc.messages[0]) from None
    record = PurchaseRecord(
        agency_id=agency_id, vendor=vendor, source=PurchaseSource.OUTSIDE, enterprise_type=vendor.enterprise_type,
        category_id=category_id or None, purchased_on=purchased_on, description=(description or "").strip()[:200],
        taxable_amount=taxable_amount, exempt_amount=exempt_amount, total=taxable_amount + exempt_amount,
        status=RecordStatus.PENDING, evidence_name=evidence.original_name, created_by=user,
    )
    record.evidence.save(evidence.content.name, evidence.content, save=False)
    try:
        with transaction.atomic():
            record.save()
    except Exception:
        record.evidence.storage.delete(record.evidence.name)  # no file left behind without its row
        raise
    return record


@transaction.atomic
def outside_record_verify(*, record_id: int, actor, approve: bool = True, reason: str = "") -> PurchaseRecord:
    """The operator confirms (or rejects, with a reason) a purchase entered from outside the platform."""
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 실적을 확인할 수 있습니다."))
    record = PurchaseRecord.objects.select_for_update().get(pk=record_id)
    if record.source != PurchaseSource.OUTSIDE:
        raise InvalidTransition(_("플랫폼 외 구매 실적만 확인할 수 있습니다."))
    if record.status != RecordStatus.PENDING:
        raise InvalidTransition(
            _("이미 '%(status)s' 처리된 실적입니다.") % {"status": record.get_status_display()})
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ProcurementError(_("반려 사유를 입력해 주세요."))
    record.status = RecordStatus.VERIFIED if approve else RecordStatus.REJECTED
    record.verified_by, record.verified_at = actor, timezone.now()
    record.reject_reason = "" if approve else reason
    record.save(update_fields=["status", "verified_by", "verified_at", "reject_reason"])
    jobs.after_commit("procurement.record_decided_notify_task", record_id=record.pk)
    return record
