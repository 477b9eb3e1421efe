"""Per-line cancels and returns: what they give back (`claim_quote`), asking for them, and their refund.

Money (one pure function, `claim_quote`), per claim:

    refund = Σ(line total − its coupon share)
             + shipping given back      where the vendor order is left without lines: a cancel before
                                        shipping gives back the whole fee paid, a return for the seller's
                                        fault too
             − shipping newly charged   a buyer's cancel that leaves the rest under the free-shipping
                                        threshold of an order that shipped free: the base fee
             − return fee               buyer's fault only: the policy's one-way fee, and the original base
                                        fee too where the delivery was free and the return empties the order
                                        or leaves it under the threshold
    never below 0; tax_free_amount = the exempt lines' part of it (deductions come out of the taxable part first).

A cancel completes at once (vendor order paid or preparing: the refund follows; pending payment: the
order simply owes less). A return is requested, accepted, collected, then refunded by the vendor.
Stock, delivery-date capacity and campaign caps come back for cancelled lines only (returned goods are
the vendor's to restock). Refunds leave after the commit: `refund_status` is set in the claim's
transaction and services/refunds.py sends it outside any row lock.
"""
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from campaigns.services.limits import item_release
from catalog.delivery_dates import delivery_slots_return_many
from catalog.models import ShippingPolicy
from catalog.stock import stock_return_many
from ddasum import jobs
from ddasum.money import EXEMPT, won

from ..exceptions import InvalidTransition, NotAllowed, OrderError
from ..models import (
    BUYER_FAULT_REASONS,
    Claim,
    ClaimKind,
    ClaimReason,
    ClaimStatus,
    Order,
    OrderLine,
    OrderLineState,
    OrderStatus,
    PaymentMethod,
    VendorOrder,
    VendorOrderStatus,
)
from ..selectors.access import buyer_may, vendor_member_may
from ..selectors.orders import order_customer
from .actions import _order_transition, _release_coupon, vendor_order_transition
from .claims import (
    CLAIM_MACHINE,
    claim_event_queue,
    claim_lines_take,
    claim_number_next,
    claim_transition,
    claim_vendor_check,
)
from .refunds import claim_refund_request
from .return_photos import return_photos_clean, return_photos_save

V = VendorOrderStatus

CANCELLABLE = frozenset({V.PENDING_PAYMENT, V.PAID, V.PREPARING})
RETURNABLE = frozenset({V.DELIVERED})
DETAIL_MAX_CHARS = 1000


# --- the money --------------------------------------------------------------------------------


@dataclass
class ClaimQuote:
    items_amount: int = 0  # the lines' totals
    coupon_amount: int = 0  # their coupon shares
    shipping_refund: int = 0
    shipping_charge: int = 0
    return_fee: int = 0
    refund_amount: int = 0
    tax_free_amount: int = 0
    empties: bool = False  # no line of the vendor order is left
    notes: list = field(default_factory=list)  # why a fee or charge applies, shown before confirming

    @property
    def goods_amount(self) -> int:
        return self.items_amount - self.coupon_amount

    @property
    def deductions(self) -> int:
        return self.shipping_charge + self.return_fee

    def as_fields(self) -> dict:
        return {"items_amount": self.items_amount, "coupon_amount": self.coupon_amount,
                "shipping_refund": self.shipping_refund, "shipping_charge": self.shipping_charge,
                "return_fee": self.return_fee, "refund_amount": self.refund_amount,
                "tax_free_amount": self.tax_free_amount}


def _had_free_shipping(vendor_order, policy) -> bool:
    """Whether the vendor order shipped free when it was placed (its goods reached the policy's threshold)."""
    return bool(policy and policy.base_fee and policy.free_threshold is not None
                and vendor_order.items_total >= policy.free_threshold)


def claim_quote(vendor_order, lines, kind: str, reason: str, policy, *, charged_before: int = 0) -> ClaimQuote:
    """What a cancel or return of `lines` (OrderLines of `vendor_order`) gives back, part by part.

    Pure: reads only what it is given. `vendor_order.lines.all()` are its lines (state and line total);
    `policy` is the vendor's ShippingPolicy (or None: no fees); `charged_before` is the shipping that
    earlier cancels of this vendor order charged (given back too when it is emptied before shipping).
    """
    q = ClaimQuote()
    chosen = {ln.pk for ln in lines}
    q.items_amount = sum(ln.line_total for ln in lines)
    q.coupon_amount = sum(ln.discount for ln in lines)
    active = [ln for ln in vendor_order.lines.all() if ln.state == OrderLineState.ORDERED]
    before = sum(ln.line_total for ln in active)
    after = sum(ln.line_total for ln in active if ln.pk not in chosen)
    q.empties = not any(ln.pk not in chosen for ln in active)
    buyer_fault = reason in BUYER_FAULT_REASONS
    free = _had_free_shipping(vendor_order, policy)
    threshold = policy.free_threshold if policy is not None else None
    drops_under = bool(free and threshold is not None and before >= threshold > after)

    if kind == ClaimKind.CANCEL:
        if q.empties:
            q.shipping_refund = vendor_order.shipping_fee + charged_before
            if q.shipping_refund:
                q.notes.append(_("남는 상품이 없어 배송비 %(fee)s도 돌려드립니다.") % {"fee": won(q.shipping_refund)})
        elif drops_under and buyer_fault:
            q.shipping_charge = policy.base_fee
            q.notes.append(_("남는 상품이 무료배송 기준(%(threshold)s)보다 적어 배송비 %(fee)s를 빼고 환불합니다.")
                           % {"threshold": won(threshold), "fee": won(policy.base_fee)})
    elif kind == ClaimKind.RETURN:
        if buyer_fault:
            q.return_fee = policy.return_fee if policy is not None else 0
            if q.return_fee:
                q.notes.append(_("%(reason)s에 의한 반품이라 반품 배송비(편도) %(fee)s를 뺍니다.")
                               % {"reason": ClaimReason(reason).label, "fee": won(q.return_fee)})
            if free and (q.empties or drops_under):
                q.return_fee += policy.base_fee
                q.notes.append(_("무료배송으로 받은 주문이라 처음 배송비 %(fee)s도 뺍니다.") % {"fee": won(policy.base_fee)})
        elif q.empties:
            q.shipping_refund = vendor_order.shipping_fee + charged_before
            if q.shipping_refund:
                q.notes.append(_("판매기업 사유의 반품이라 배송비 %(fee)s도 돌려드립니다.") % {"fee": won(q.shipping_refund)})

    gross = q.goods_amount + q.shipping_refund - q.deductions
    q.refund_amount = max(0, gross)
    exempt = sum(ln.line_total - ln.discount for ln in lines if ln.tax_type == EXEMPT)
    taxable = q.goods_amount - exempt + q.shipping_refund - q.deductions
    q.tax_free_amount = max(0, min(q.refund_amount, exempt + min(0, taxable)))
    return q


def _policy(vendor_order) -> ShippingPolicy | None:
    return ShippingPolicy.objects.filter(vendor_id=vendor_order.vendor_id).first()


def _charged_before(vendor_order) -> int:
    return (Claim.objects.filter(vendor_order=vendor_order, kind=ClaimKind.CANCEL, status=ClaimStatus.COMPLETED)
            .aggregate(n=Sum("shipping_charge"))["n"] or 0)


def _lines_of(vendor_order, line_ids) -> list[OrderLine]:
    ids = {int(pk) for pk in line_ids}
    if not ids:
        raise OrderError(_("상품을 하나 이상 골라 주세요."))
    lines = [ln for ln in vendor_order.lines.all() if ln.pk in ids]
    if len(lines) != len(ids) or any(ln.state != OrderLineState.ORDERED or ln.open_claim_id for ln in lines):
        raise OrderError(_("이미 취소·반품·교환이 진행 중이거나 처리된 상품이 있습니다. 화면을 새로 고쳐 주세요."))
    return lines


def claim_preview(*, vendor_order: VendorOrder, line_ids, kind: str, reason: str) -> ClaimQuote:
    """The quote shown before the buyer (or the vendor) confirms; nothing is written."""
    lines = _lines_of(vendor_order, line_ids)
    return claim_quote(vendor_order, lines, kind, reason, _policy(vendor_order),
                       charged_before=_charged_before(vendor_order))


# --- shared ------------------------------------------------------------------------------------


def _clean_reason(reason: str, detail: str) -> tuple[str, str]:
    if reason not in ClaimReason.values:
        raise OrderError(_("사유를 골라 주세요."))
    return reason, (detail or "").strip()[:DETAIL_MAX_CHARS]


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _open(vendor_order: VendorOrder, *, kind: str, reason: str, detail: str, actor, line_ids):
    """A new claim on the locked vendor order with its lines taken, its money fixed and its first event."""
    lines = _lines_of(vendor_order, line_ids)
    quote = claim_quote(vendor_order, lines, kind, reason, _policy(vendor_order),
                        charged_before=_charged_before(vendor_order))
    claim = Claim.objects.create(number=claim_number_next(vendor_order), order=vendor_order.order,
                                 vendor_order=vendor_order, kind=kind, reason=reason, reason_detail=detail,
                                 requested_by=_user(actor), **quote.as_fields())
    claim_lines_take(claim, [ln.pk for ln in lines])
    event = CLAIM_MACHINE.record_created([claim], actor=actor, reason=detail)[0]
    return claim, event, lines


def _locked_vendor_order(vendor_order_id: int) -> VendorOrder:
    return (VendorOrder.objects.select_for_update(of=("self",)).select_related("order", "vendor")
            .prefetch_related("lines").get(pk=vendor_order_id))


def _coupon_vendor_part(lines, vendor_order: VendorOrder) -> int:
    """The part of these lines' coupon shares the vendor funds (the rest is the operator's)."""
    if not vendor_order.discount:
        return 0
    return sum(ln.discount for ln in lines) * vendor_order.vendor_discount // vendor_order.discount


def _lines_refunded(lines, vendor_order: VendorOrder) -> None:
    """Count these lines out of the vendor's settlement: their goods less the vendor-funded coupon part (no
    commission on them) and the operator-funded coupon part (no longer paid to the vendor)."""
    vendor_part = _coupon_vendor_part(lines, vendor_order)
    VendorOrder.objects.filter(pk=vendor_order.pk).update(
        refunded_items=F("refunded_items") + sum(ln.line_total for ln in lines) - vendor_part,
        refunded_subsidy=F("refunded_subsidy") + sum(ln.discount for ln in lines) - vendor_part)


def _vendor_order_empty(vendor_order: VendorOrder) -> bool:
    return not OrderLine.objects.filter(vendor_order=vendor_order, state=OrderLineState.ORDERED).exists()


# --- cancels -----------------------------------------------------------------------------------


def _release_lines(lines, order: Order) -> None:
    """Campaign caps (once per line), then stock, then delivery-date capacity of these lines only."""
    customer = order_customer(order)
    for line in sorted((ln for ln in lines if ln.campaign_item_id), key=lambda ln: (ln.campaign_item_id, ln.pk)):
        if OrderLine.objects.filter(pk=line.pk, campaign_released=False).update(campaign_released=True):
            item_release(item_id=line.campaign_item_id, customer=customer, quantity=line.quantity)
    stock_return_many(items=[(ln.variant_id, ln.quantity) for ln in lines if ln.variant_id])
    delivery_slots_return_many(items=[(ln.delivery_slot_id, ln.quantity) for ln in lines if ln.delivery_slot_id])


def _owe_less(vendor_order: VendorOrder, claim: Claim, lines) -> None:
    """An unpaid vendor order lost lines: it and its order owe what is left (nothing was paid to give back)."""
    exempt = sum(ln.line_total - ln.discount for ln in lines if ln.tax_type == EXEMPT)
    taxable = claim.items_amount - claim.coupon_amount - exempt
    shipping = claim.shipping_charge - claim.shipping_refund
    owed_less = claim.items_amount - claim.coupon_amount - shipping
    VendorOrder.objects.filter(pk=vendor_order.pk).update(
        items_total=F("items_total") - claim.items_amount, discount=F("discount") - claim.coupon_amount,
        shipping_fee=F("shipping_fee") + shipping, total=F("total") - claim.items_amount + shipping,
        vendor_discount=F("vendor_discount") - _coupon_vendor_part(lines, vendor_order))
    Order.objects.filter(pk=vendor_order.order_id).update(
        items_total=F("items_total") - claim.items_amount, discount_total=F("discount_total") - claim.coupon_amount,
        shipping_total=F("shipping_total") + shipping, total=F("total") - owed_less, taxable_total=F("taxable_total") - taxable, exempt_total=F("exempt_total") - exempt)
    # The bank-transfer payment waiting for the deposit asks for what is owed now.
    order = Order.objects.get(pk=vendor_order.order_id)
    order.payments.filter(status="ready", method=PaymentMethod.BANK_TRANSFER).update(amount=order.total)
    vendor_order.refresh_from_db()


def claim_cancel(*, vendor_order_id: int, line_ids, actor, reason: str, reason_detail: str = "",
                 guest_ok: bool = False) -> Claim:
    """Cancel some lines before shipping (buyer, vendor member or operator): done at once.

    Paid: the refund is queued (services/refunds.py). Pending payment: the order owes less (a virtual
    account already issued for the old amount cannot change, so such orders are cancelled whole).
    """
    reason, detail = _clean_reason(reason, reason_detail)
    with transaction.atomic():
        vendor_order = _locked_vendor_order(vendor_order_id)
        order = vendor_order.order
        is_vendor = vendor_member_may(actor, vendor_order)
        if not (is_vendor or buyer_may(actor, order) or (guest_ok and order.buyer_id is None)):
            raise NotAllowed(_("이 주문을 취소할 권한이 없습니다."))
        if vendor_order.status not in CANCELLABLE:
            raise InvalidTransition(_("발송 전인 주문만 상품별로 취소할 수 있습니다."))
        paid = vendor_order.status != V.PENDING_PAYMENT
        if not paid and order.payment_method != PaymentMethod.BANK_TRANSFER:
            raise InvalidTransition(_("결제 전인 카드·가상계좌 주문은 주문 전체를 취소해 주세요."))
        claim, _first, lines = _open(vendor_order, kind=ClaimKind.CANCEL, reason=reason, detail=detail,
                                       actor=actor, line_ids=line_ids)
        if paid:
            claim_refund_request(claim, require_account=not is_vendor)
        else:
            _owe_less(vendor_order, claim, lines)
            # Nothing was paid, nothing goes back: the parts stay to show what the order no longer owes.
            claim.refund_amount = claim.tax_free_amount = 0
            claim.save(update_fields=["refund_amount", "tax_free_amount"])
        event = claim_transition(claim, ClaimStatus.COMPLETED, actor=actor, reason=detail or claim.get_reason_display())
        if paid:
            _lines_refunded(lines, vendor_order)
        _release_lines(lines, order)
        if _vendor_order_empty(vendor_order):
            vendor_order.refresh_from_db()
            vendor_order_transition(vendor_order, V.CANCELLED, actor=_user(actor), reason=_("모든 상품 취소"))
            if not order.vendor_orders.exclude(status=V.CANCELLED).exists():
                _release_coupon(order)
                _order_transition(Order.objects.select_for_update().get(pk=order.pk), OrderStatus.CANCELLED,
                                  actor=_user(actor), reason=_("모든 상품 취소"))
        claim_event_queue(event)
        jobs.after_commit("orders.order_documents_task", order_id=order.pk)
    return claim


# --- returns -----------------------------------------------------------------------------------


def claim_return_request(*, vendor_order_id: int, line_ids, actor, reason: str, reason_detail: str = "",
                         photos=(), guest_ok: bool = False) -> Claim:
    """The buyer asks to return some delivered lines, with a reason and photos; the vendor is told.

    The fee was shown before confirming (claim_preview); it is fixed on the claim now. Photos are checked
    and re-encoded before any lock; a bad file refuses the request.
    """
    reason, detail = _clean_reason(reason, reason_detail)
    cleaned = return_photos_clean(photos)
    with transaction.atomic():
        vendor_order = _locked_vendor_order(vendor_order_id)
        order = vendor_order.order
        if not (buyer_may(actor, order) or (guest_ok and order.buyer_id is None)):
            raise NotAllowed(_("이 주문을 처리할 권한이 없습니다."))
        if vendor_order.status not in RETURNABLE:
            raise InvalidTransition(_("배송 완료 후 구매 확정 전인 주문만 반품을 요청할 수 있습니다."))
        claim, first, _lines = _open(vendor_order, kind=ClaimKind.RETURN, reason=reason, detail=detail,
                                       actor=actor, line_ids=line_ids)
        if order.payment_method != PaymentMethod.CARD:
            claim_refund_request(claim, check_only=True)  # the refund account is needed before asking
        return_photos_save(vendor_order_id=vendor_order.pk, event_id=first.pk, photos=cleaned)
        claim_event_queue(first)
    return claim


def claim_return_refund(claim_id: int, actor) -> Claim:
    """The vendor refunds a collected return: the claim completes, its lines are returned, the money leaves.

    A vendor order with no line left moves to refunded.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update(of=("self",)).select_related("order", "vendor_order").get(pk=claim_id)
        claim_vendor_check(actor, claim)
        if claim.kind != ClaimKind.RETURN:
            raise InvalidTransition(_("반품만 환불할 수 있습니다."))
        if claim.status != ClaimStatus.COLLECTED:
            raise InvalidTransition(_("회수가 끝난 반품만 환불할 수 있습니다."))
        vendor_order = _locked_vendor_order(claim.vendor_order_id)
        lines = [cl.line for cl in claim.lines.select_related("line")]
        claim_refund_request(claim, require_account=False)
        event = claim_transition(claim, ClaimStatus.COMPLETED, actor=actor, reason=_("반품 환불"))
        _lines_refunded(lines, vendor_order)
        if _vendor_order_empty(vendor_order) and vendor_order.status == V.DELIVERED:
            vendor_order_transition(vendor_order, V.REFUNDED, actor=_user(actor), reason=_("모든 상품 반품"))
        claim_event_queue(event)
        jobs.after_commit("orders.order_documents_task", order_id=claim.order_id)
    return claim
