"""Exchanges (교환): whole delivered lines swapped for another option of the same product.

    request (buyer) → accepted (vendor) → collected (vendor) → reshipped (vendor, own tracking number)
    → completed (vendor: the replacement arrived)                | rejected (vendor) | withdrawn (buyer)

Accept, collect, reject and withdraw are the shared claim steps (orders.services.claims); this module
adds what only an exchange does:

- The new option must be another active option of the same product, or the same option for a
  defect or wrong-item replacement, with stock for the line's quantity. Its stock is taken when
  the buyer asks (catalog.stock, conditional update) and held on the ClaimLine (`stock_reserved`);
  a rejected or withdrawn exchange gives it back, in the closing transaction when it goes through
  `exchange_reject` / `exchange_withdraw`, and in any case through the sweeper
  `exchanges_stock_release_due` (beat), which reads only the database.
- Money: the difference is that of the two options' regular prices, so a campaign or coupon
  discount on the line carries over: new unit price = paid unit price + (new option price − old
  option price). A dearer option is refused (a second payment is not offered: the buyer returns
  the goods and orders the other option); a cheaper one refunds the difference when the exchange
  completes, through the claims refund path (orders.services.refunds: pending → claim_refund_task,
  or manual for bank transfer; a cash buyer gives the refund account before asking).
- The exchange fee (the vendor's `exchange_fee`, round trip) is the buyer's for buyer-fault reasons
  (BUYER_FAULT_REASONS). It never goes through the PG: the buyer puts it in the returned box (동봉)
  or sends it to the vendor's account, as Korean malls do; the vendor marks it received or waives
  it, and the replacement ships only after that.
- A completed exchange makes the order line read the new option (variant, name, SKU); the ClaimLine
  keeps the original. The returned unit does not go back into stock: the vendor decides.
"""
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.exceptions import StockShort
from catalog.models import ProductVariant, ShippingPolicy, TaxType
from catalog.stock import stock_return_many, stock_take_many
from ddasum import jobs

from ..exceptions import InvalidTransition, NotAllowed, OrderError
from ..models import (
    BUYER_FAULT_REASONS,
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimLine,
    ClaimReason,
    ClaimStatus,
    ExchangeFeePayment,
    ExchangeFeeStatus,
    OrderLine,
    OrderLineState,
    RefundStatus,
    VendorOrder,
    VendorOrderStatus,
)
from ..selectors.access import buyer_may
from .actions import tracking_clean
from .claims import (
    claim_lines_take,
    claim_number_next,
    claim_reject,
    claim_transition,
    claim_vendor_check,
    claim_withdraw,
)
from .refunds import claim_refund_request
from .return_photos import return_photos_clean, return_photos_save

logger = logging.getLogger(__name__)

C = ClaimStatus

# Reasons for which the same option may be sent again (a replacement of a faulty or wrong unit).
SAME_OPTION_REASONS = frozenset({ClaimReason.DEFECT, ClaimReason.WRONG_ITEM})

# The reasons a buyer may give for an exchange (a late delivery is not one: the goods are fine).
EXCHANGE_REASONS = (ClaimReason.OPTION_CHANGE, ClaimReason.CHANGE_OF_MIND, ClaimReason.DEFECT,
                    ClaimReason.WRONG_ITEM, ClaimReason.OTHER)

DETAIL_MAX_CHARS = 1000


# --- reads: what may be exchanged, and what it would cost ---------------------------------


def exchange_policy(vendor_order: VendorOrder) -> ShippingPolicy:
    """The vendor's policy, or the statutory defaults when it has not saved one."""
    return ShippingPolicy.objects.filter(vendor_id=vendor_order.vendor_id).first() or ShippingPolicy()


def exchange_deadline(vendor_order: VendorOrder):
    """The last moment an exchange may be asked for (None when not delivered)."""
    if vendor_order.delivered_at is None:
        return None
    return vendor_order.delivered_at + timedelta(days=exchange_policy(vendor_order).return_period_days)


def exchange_open_check(vendor_order: VendorOrder, now=None) -> None:
    """Refuse unless the vendor order is delivered (not yet confirmed) and within the policy's period."""
    if vendor_order.status != VendorOrderStatus.DELIVERED:
        raise InvalidTransition(_("배송이 완료되고 구매 확정 전인 주문만 교환을 신청할 수 있습니다."))
    deadline = exchange_deadline(vendor_order)
    if deadline is None or (now or timezone.now()) > deadline:
        raise OrderError(_("교환 신청 기간(상품을 받은 날부터 %(days)s일)이 지났습니다. 고객센터로 문의해 주세요.")
                         % {"days": exchange_policy(vendor_order).return_period_days})


def exchange_available(vendor_order: VendorOrder, now=None) -> bool:
    try:
        exchange_open_check(vendor_order, now)
    except OrderError:
        return False
    return True


def exchange_lines(vendor_order: VendorOrder) -> list[OrderLine]:
    """The lines that may be exchanged: still ordered, in no open claim, of a product that still exists."""
    return list(vendor_order.lines.filter(state=OrderLineState.ORDERED, open_claim__isnull=True,
                                          variant__isnull=False).select_related("variant").order_by("pk"))


def exchange_options(lines, *, reason: str = "") -> dict[int, list[ProductVariant]]:
    """For each line, the options it may become: active options of its product with stock for its quantity.

    The line's own option is offered only for a defect or a wrong item (a replacement). One query.
    """
    lines = [line for line in lines if line.variant_id]
    product_ids = {line.variant.product_id for line in lines}
    by_product = defaultdict(list)
    for variant in (ProductVariant.objects.filter(product_id__in=product_ids, is_active=True)
                    .order_by("position", "pk")):
        by_product[variant.product_id].append(variant)
    same_ok = reason in SAME_OPTION_REASONS or not reason
    options = {}
    for line in lines:
        options[line.pk] = [
            v for v in by_product[line.variant.product_id]
            if (not v.track_stock or v.stock >= line.quantity) and (v.pk != line.variant_id or same_ok)
        ]
    return options


@dataclass
class QuoteLine:
    line: OrderLine
    variant: ProductVariant
    new_unit_price: int
    difference: int  # (new unit price − paid unit price) × quantity

    @property
    def same_option(self) -> bool:
        return self.variant.pk == self.line.variant_id


@dataclass
class ExchangeQuote:
    """What an exchange would be, shown before the buyer confirms and fixed when they do."""

    vendor_order: VendorOrder
    reason: str
    lines: list[QuoteLine]
    fee: int  # the exchange fee the buyer pays the vendor (0 when the vendor is at fault)
    difference: int  # Σ line differences: ≤ 0 (a dearer option is refused)
    tax_free: int  # the exempt part of the refund
    vendor_account: dict = field(default_factory=dict)

    @property
    def refund(self) -> int:
        return max(0, -self.difference)

    @property
    def fee_payments(self) -> list[tuple[str, str]]:
        """How the buyer may pay the fee: in the returned box, or to the vendor's account when it has one."""
        if not self.fee:
            return []
        choices = [(ExchangeFeePayment.ENCLOSED.value, ExchangeFeePayment.ENCLOSED.label)]
        if self.vendor_account:
            choices.append((ExchangeFeePayment.TRANSFER.value, ExchangeFeePayment.TRANSFER.label))
        return choices


def exchange_unit_price(line: OrderLine, variant: ProductVariant) -> int:
    """What one unit of `variant` counts as for this line: the paid price moved by the options' price gap."""
    if variant.pk == line.variant_id:
        return line.unit_price  # the same option again: a replacement, at what was paid
    old_regular = line.regular_price or (line.variant.price if line.variant else line.unit_price)
    return max(0, line.unit_price + variant.price - old_regular)


def vendor_account(vendor) -> dict:
    """The vendor's account for a buyer's transfer of the exchange fee, or {} when it has none."""
    if vendor.bank_name and vendor.bank_account_number and vendor.bank_account_holder:
        return {"bank": vendor.bank_name, "number": vendor.bank_account_number, "holder": vendor.bank_account_holder}
    return {}


def exchange_quote(*, vendor_order: VendorOrder, lines: dict, reason: str) -> ExchangeQuote:
    """Check an exchange as asked ({line id: new option id}) and price it; OrderError says what is wrong.

    Reads only: the request runs it again under the vendor order's lock and takes the stock itself.
    """
    if reason not in EXCHANGE_REASONS:
        raise OrderError(_("교환 사유를 골라 주세요."))
    try:
        wanted = {int(line_id): int(variant_id) for line_id, variant_id in (lines or {}).items() if variant_id}
    except (TypeError, ValueError):
        raise OrderError(_("교환할 상품과 옵션을 다시 골라 주세요.")) from None
    if not wanted:
        raise OrderError(_("교환할 상품을 하나 이상 고르고, 바꿀 옵션을 골라 주세요."))
    available = {line.pk: line for line in exchange_lines(vendor_order)}
    if any(line_id not in available for line_id in wanted):
        raise OrderError(_("이미 취소·반품·교환이 진행 중이거나 처리된 상품이 있습니다. 화면을 새로 고쳐 주세요."))
    chosen = [available[line_id] for line_id in sorted(wanted)]
    options = exchange_options(chosen, reason=reason)
    variants = ProductVariant.objects.in_bulk(set(wanted.values()))
    quote_lines = []
    for line in chosen:
        variant = variants.get(wanted[line.pk])
        name = f"{line.product_name} {line.variant_name}"
        if variant is None or variant.product_id != line.variant.product_id:
            raise OrderError(_("%(name)s: 같은 상품의 다른 옵션으로만 교환할 수 있습니다.") % {"name": name})
        if variant.pk == line.variant_id and reason not in SAME_OPTION_REASONS:
            raise OrderError(_("%(name)s: 같은 옵션으로 바꾸는 교환은 상품 불량이나 오배송일 때만 신청할 수 있습니다.")
                             % {"name": name})
        if variant not in options[line.pk]:
            raise OrderError(_("%(name)s: '%(option)s' 옵션은 판매하지 않거나 재고가 %(n)s개보다 적습니다.")
                             % {"name": name, "option": variant.name, "n": line.quantity})
        new_price = exchange_unit_price(line, variant)
        quote_lines.append(QuoteLine(line=line, variant=variant, new_unit_price=new_price,
                                     difference=(new_price - line.unit_price) * line.quantity))
    dearer = [q for q in quote_lines if q.difference > 0]
    if dearer:
        q = dearer[0]
        raise OrderError(_(
            "'%(option)s' 옵션은 주문하신 옵션보다 비싸 차액 %(amount)s원을 더 내셔야 합니다. 교환으로는 차액을 더 결제할 수 없으니, "
            "상품을 반품하신 뒤 원하는 옵션을 새로 주문해 주세요.") % {
            "option": q.variant.name, "amount": f"{q.difference:,}"})
    difference = sum(q.difference for q in quote_lines)
    tax_free = sum(-q.difference for q in quote_lines if q.line.tax_type == TaxType.EXEMPT)
    fee = exchange_policy(vendor_order).exchange_fee if reason in BUYER_FAULT_REASONS else 0
    return ExchangeQuote(vendor_order=vendor_order, reason=reason, lines=quote_lines, fee=fee, difference=difference,
                         tax_free=tax_free, vendor_account=vendor_account(vendor_order.vendor))


# --- the buyer asks -------------------------------------------------------------------------


def exchange_request(*, vendor_order_id: int, actor, lines: dict, reason: str, detail: str = "", photos=(),
                     fee_payment: str = "", guest_ok: bool = False) -> Claim:
    """The buyer asks to exchange whole delivered lines ({line id: new option id}); the vendor is told.

    Photos are checked and re-encoded before any lock is taken; the new options' stock is taken in
    the same transaction as the claim, so a refused take leaves nothing behind.
    """
    detail = (detail or "").strip()[:DETAIL_MAX_CHARS]
    cleaned = return_photos_clean(photos)
    claim = _exchange_request(vendor_order_id=vendor_order_id, actor=actor, lines=lines, reason=reason,
                              detail=detail, photos=cleaned, fee_payment=fee_payment, guest_ok=guest_ok)
    return claim


def _buyer_check(actor, vendor_order: VendorOrder, *, guest_ok: bool) -> None:
    if guest_ok and vendor_order.order.buyer_id is None:
        return
    if not buyer_may(actor, vendor_order.order):
        raise NotAllowed(_("이 주문을 처리할 권한이 없습니다."))


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


@transaction.atomic
def _exchange_request(*, vendor_order_id, actor, lines, reason, detail, photos, fee_payment, guest_ok) -> Claim:
    vendor_order = (VendorOrder.objects.select_for_update(of=("self",)).select_related("order", "vendor")
                    .get(pk=vendor_order_id))
    _buyer_check(actor, vendor_order, guest_ok=guest_ok)
    exchange_open_check(vendor_order)
    quote = exchange_quote(vendor_order=vendor_order, lines=lines, reason=reason)
    if quote.fee:
        if fee_payment not in dict(quote.fee_payments):
            raise OrderError(_("교환 배송비를 어떻게 보내실지 골라 주세요."))
    else:
        fee_payment = ""
    if quote.refund:
        claim_refund_request(Claim(order=vendor_order.order), check_only=True)  # a cash buyer's account first
    claim = Claim.objects.create(
        number=claim_number_next(vendor_order), order=vendor_order.order, vendor_order=vendor_order,
        kind=ClaimKind.EXCHANGE, reason=reason, reason_detail=detail, requested_by=_user(actor),
        return_fee=quote.fee, exchange_difference=quote.difference, refund_amount=quote.refund,
        tax_free_amount=quote.tax_free, fee_payment=fee_payment,
        fee_status=ExchangeFeeStatus.DUE if quote.fee else ExchangeFeeStatus.NONE,
    )
    by_line = {q.line.pk: q for q in quote.lines}
    claim_lines = claim_lines_take(claim, list(by_line))
    for claim_line in claim_lines:
        q = by_line[claim_line.line_id]
        claim_line.new_variant = q.variant
        claim_line.new_variant_name = q.variant.name
        claim_line.new_unit_price = q.new_unit_price
        claim_line.original_variant_id = q.line.variant_id
        claim_line.original_variant_name = q.line.variant_name
        claim_line.original_sku = q.line.sku
        claim_line.stock_reserved = True
    ClaimLine.objects.bulk_update(claim_lines, ["new_variant", "new_variant_name", "new_unit_price", "original_variant",
                                                "original_variant_name", "original_sku", "stock_reserved"])
    event = ClaimEvent.objects.create(claim=claim, actor=_user(actor), from_status="", to_status=C.REQUESTED,
                                      reason=detail or ClaimReason(reason).label)
    return_photos_save(vendor_order_id=vendor_order.pk, event_id=event.pk, photos=photos)
    # The stock last: its row locks are held only until the commit just after.
    wanted = defaultdict(int)
    for q in quote.lines:
        wanted[q.variant.pk] += q.line.quantity
    try:
        stock_take_many(items=list(wanted.items()))
    except StockShort as exc:
        name = next((q.variant.name for q in quote.lines if q.variant.pk == exc.variant_id), "")
        raise OrderError(_("'%(option)s' 옵션의 재고가 방금 모자라게 되었습니다. 다른 옵션을 골라 주세요.")
                         % {"option": name}) from None
    jobs.after_commit("orders.exchange_event_notify_task", event_id=event.pk)
    return claim


# --- the vendor's steps after collection ----------------------------------------------------


def _locked_exchange(claim_id: int) -> Claim:
    claim = (Claim.objects.select_for_update(of=("self",)).select_related("vendor_order__vendor", "order")
             .filter(pk=claim_id, kind=ClaimKind.EXCHANGE).first())
    if claim is None:
        raise OrderError(_("없는 교환 요청입니다."))
    return claim


@transaction.atomic
def exchange_fee_settle(*, claim_id: int, actor, waived: bool = False, note: str = "") -> Claim:
    """The vendor received the buyer's exchange fee (in the box or by transfer), or waives it. Once."""
    claim = _locked_exchange(claim_id)
    claim_vendor_check(actor, claim)
    if claim.fee_status != ExchangeFeeStatus.DUE:
        raise InvalidTransition(_("받을 교환 배송비가 없습니다 (이미 처리했거나 판매기업 부담입니다)."))
    if claim.status not in (C.REQUESTED, C.ACCEPTED, C.COLLECTED):
        raise InvalidTransition(_("진행 중인 교환에서만 배송비를 처리할 수 있습니다."))
    claim.fee_status = ExchangeFeeStatus.WAIVED if waived else ExchangeFeeStatus.RECEIVED
    claim.fee_settled_at = timezone.now()
    claim.save(update_fields=["fee_status", "fee_settled_at"])
    label = _("교환 배송비 면제") if waived else _("교환 배송비 받음")
    ClaimEvent.objects.create(claim=claim, actor=_user(actor), from_status=claim.status, to_status=claim.status,
                              reason=f"{label} ({claim.return_fee:,}원)" + (f" — {note.strip()}" if note.strip() else ""))
    return claim


@transaction.atomic
def exchange_reship(*, claim_id: int, actor, carrier: str, tracking_number: str) -> Claim:
    """The collected exchange's replacement ships with its own tracking number; the buyer gets the link."""
    claim = _locked_exchange(claim_id)
    claim_vendor_check(actor, claim)
    if claim.status != C.COLLECTED:
        raise InvalidTransition(_("회수가 끝난 교환만 교환 상품을 보낼 수 있습니다. 지금 상태: %(status)s")
                                % {"status": claim.get_status_display()})
    if claim.fee_status == ExchangeFeeStatus.DUE:
        raise InvalidTransition(_("교환 배송비(%(fee)s원)를 받았다고 표시하거나 면제한 뒤에 보낼 수 있습니다.")
                                % {"fee": f"{claim.return_fee:,}"})
    carrier, number = tracking_clean(carrier, tracking_number)
    claim.reship_carrier, claim.reship_tracking_number = carrier, number
    claim.save(update_fields=["reship_carrier", "reship_tracking_number"])
    event = claim_transition(claim, C.RESHIPPED, actor=_user(actor))
    jobs.after_commit("orders.exchange_event_notify_task", event_id=event.pk)
    return claim


@transaction.atomic
def exchange_complete(*, claim_id: int, actor) -> Claim:
    """The replacement arrived: the lines read the new option, a cheaper option's difference is refunded."""
    claim = _locked_exchange(claim_id)
    claim_vendor_check(actor, claim)
    if claim.status != C.RESHIPPED:
        raise InvalidTransition(_("교환 상품을 보낸 뒤에 교환 완료로 바꿀 수 있습니다. 지금 상태: %(status)s")
                                % {"status": claim.get_status_display()})
    event = claim_transition(claim, C.COMPLETED, actor=_user(actor))
    claim_lines = list(claim.lines.select_related("line", "new_variant"))
    changed = []
    for claim_line in claim_lines:
        line = claim_line.line
        line.variant_id = claim_line.new_variant_id or line.variant_id
        line.variant_name = claim_line.new_variant_name or line.variant_name
        if claim_line.new_variant is not None:
            line.sku = claim_line.new_variant.sku
        changed.append(line)
    # What was paid stays on the line; a cheaper option's difference leaves as the claim's refund.
    OrderLine.objects.bulk_update(changed, ["variant", "variant_name", "sku"])
    claim.lines.filter(stock_reserved=True).update(stock_reserved=False)  # the held unit went out
    if claim.refund_amount and claim.refund_status == RefundStatus.NONE:
        # The claims refund path (pending → orders.claim_refund_task, or manual for bank transfer); the
        # vendor's step does not wait for a cash buyer's refund account: the refund waits for it instead.
        claim_refund_request(claim, require_account=False)
        # The goods sold are worth the difference less: no commission on it (settlements).
        VendorOrder.objects.filter(pk=claim.vendor_order_id).update(
            refunded_items=F("refunded_items") + claim.refund_amount)
    jobs.after_commit("orders.exchange_event_notify_task", event_id=event.pk)
    return claim


# --- closing without an exchange: the held stock goes back -----------------------------------


def exchange_stock_release(claim: Claim) -> int:
    """Give back the stock a closed (rejected or withdrawn) exchange held; once. The caller locks the claim."""
    if claim.kind != ClaimKind.EXCHANGE or claim.status not in (C.REJECTED, C.WITHDRAWN):
        return 0
    held = list(claim.lines.filter(stock_reserved=True, new_variant__isnull=False)
                .values_list("pk", "new_variant_id", "quantity"))
    if not held:
        return 0
    # Cleared by a conditional update first: a sweeper running at the same moment gives nothing back twice.
    if ClaimLine.objects.filter(pk__in=[pk for pk, _v, _q in held], stock_reserved=True).update(
            stock_reserved=False) != len(held):
        return 0
    items = defaultdict(int)
    for _pk, variant_id, quantity in held:
        items[variant_id] += quantity
    stock_return_many(items=list(items.items()))
    return sum(items.values())


@transaction.atomic
def exchange_reject(*, claim_id: int, actor, reason: str) -> Claim:
    """The vendor refuses an exchange (the shared step) and the held stock goes back in the same transaction."""
    claim = claim_reject(claim_id, actor, reason)
    exchange_stock_release(claim)
    return claim


@transaction.atomic
def exchange_withdraw(*, claim_id: int, actor, guest_ok: bool = False) -> Claim:
    """The buyer takes back an unanswered exchange (the shared step); the held stock goes back with it."""
    claim = claim_withdraw(claim_id, actor, guest_ok=guest_ok)
    exchange_stock_release(claim)
    return claim


@transaction.atomic
def _release_one(claim_id: int) -> int:
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    return exchange_stock_release(claim) if claim is not None else 0


def exchanges_stock_release_due() -> int:
    """Give back the stock of every rejected or withdrawn exchange still holding some; safe to repeat (beat)."""
    due = (ClaimLine.objects.filter(stock_reserved=True, claim__kind=ClaimKind.EXCHANGE,
                                    claim__status__in=(C.REJECTED, C.WITHDRAWN))
           .values_list("claim_id", flat=True).distinct().order_by("claim_id"))
    return sum(_release_one(claim_id) for claim_id in list(due))
