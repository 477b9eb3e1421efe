"""Placing orders and moving them through their states.

Stock is taken when the order is placed, by a conditional UPDATE (`stock >= n`) per variant
in primary-key order inside the order's transaction (catalog.stock): two buyers can never both take the
last unit, and locks are always taken in the same order so checkouts cannot deadlock. An
unpaid bank-transfer order that expires, and a cancelled order, give the stock back.

Campaigns and coupons: the price is decided inside the order's transaction, with one `now` for
every line (campaigns.pricing through `cart_summary`); each line records the campaign item and
campaign that set its price and its regular price. Campaign caps and per-customer limits are
taken like stock (campaigns.limits, conditional UPDATEs), then the coupon (campaigns.coupons),
then the stock — every writer takes these rows in that order (campaign items by pk, coupon,
variants by pk), releases included, so concurrent checkouts and cancellations cannot deadlock.
An expired order and a vendor order cancelled before shipping give the campaign quantities
back (once per line); an order that expires or is cancelled as a whole gives the coupon back.
A cancelled vendor order refunds what was paid for it: its total less its coupon share.
"""
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.coupons import coupon_redeem, coupon_release
from campaigns.exceptions import CampaignLimitReached, CouponRefused
from campaigns.limits import customer_key, item_release, item_take
from catalog.exceptions import StockShort
from catalog.stock import stock_return_many, stock_take_many
from ddasum.money import EXEMPT, TAXABLE, vat_split, won
from ddasum.numbering import daily_number
from ddasum.transitions import StateMachine
from vendors.selectors import user_is_vendor_member

from .cart import CartSummary, cart_lines_remove, cart_summary, summary_apply_coupon
from .exceptions import InvalidTransition, NotAllowed, OrderError, OutOfStock
from .models import (
    Cart,
    InvoiceKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    StatusEvent,
    TaxInvoiceRequest,
    VendorOrder,
    VendorOrderStatus,
)

V = VendorOrderStatus


@dataclass
class Checkout:
    """What the checkout form collected (the view fills it from a validated form)."""

    email: str
    orderer_name: str
    orderer_phone: str
    recipient_name: str
    recipient_phone: str
    postal_code: str
    address: str
    address_detail: str = ""
    memo: str = ""
    payment_method: str = PaymentMethod.BANK_TRANSFER
    guest_password: str = ""
    business_number: str = ""
    business_name: str = ""
    coupon_code: str = ""
    # The total the buyer was shown; when given, a different total at placing refuses the order.
    expected_total: int | None = None


def order_customer(order: Order) -> str:
    """The customer key of an order for campaign limits and coupon uses ("u<id>" / "e<email>")."""
    return f"u{order.buyer_id}" if order.buyer_id else customer_key(email=order.email)


def idempotency_key_for(user_or_session: str, form_key: str) -> str:
    """Scope the browser's key to its user or session, so one buyer's key cannot hit another's order."""
    return hashlib.sha256(f"{user_or_session}:{form_key}".encode()).hexdigest()[:64]


def order_place(*, cart: Cart, buyer, checkout: Checkout, idempotency_key: str) -> Order:
    """Create the order from the cart's buyable lines, taking stock; the same key returns the same order."""
    existing = Order.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    # The number is drawn in its own short transaction: holding the day's counter until the
    # order commits would make every checkout wait for the one before it. A failed order
    # leaves a gap in the numbers, never a duplicate.
    number = daily_number("order", timezone.localdate())
    try:
        return _order_place(cart=cart, buyer=buyer, checkout=checkout, idempotency_key=idempotency_key,
                            number=number)
    except IntegrityError:
        # A double submit raced us to the same key: the first one's order is the answer.
        existing = Order.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
        raise


@transaction.atomic
def _order_place(*, cart: Cart, buyer, checkout: Checkout, idempotency_key: str, number: str) -> Order:
    now = timezone.now()  # the one moment every price of this order is taken at
    buyer = buyer if buyer is not None and buyer.is_authenticated else None
    customer = customer_key(user=buyer, email=checkout.email)
    summary: CartSummary = cart_summary(cart, postal_code=checkout.postal_code, now=now, customer=customer)
    if summary.is_empty:
        if summary.problems:
            # Someone bought the last units between the cart page and this click.
            raise OutOfStock(
                _("품절/재고 부족: %(items)s")
                % {"items": ", ".join(f"{ln.product.name} {ln.variant.name} ({ln.problem})" for ln in summary.problems)}
            )
        raise OrderError(_("주문할 수 있는 상품이 없습니다. 장바구니를 확인해 주세요."))
    if summary.limit_problems:
        raise CampaignLimitReached(" ".join(line.limit_note for line in summary.limit_problems))
    choice = summary_apply_coupon(summary, code=checkout.coupon_code, customer=customer, now=now, cached=False)
    if choice.code_refused:
        raise CouponRefused(_("쿠폰을 적용할 수 없습니다: %(reason)s") % {"reason": choice.code_message})
    if checkout.expected_total is not None and checkout.expected_total != summary.total:
        raise OrderError(_("결제 금액이 %(total)s으로 달라졌습니다(가격·쿠폰·배송비 변경). 금액을 확인하고 다시 주문해 주세요.")
                         % {"total": won(summary.total)})
    lines = summary.buyable_lines
    applied = choice.applied
    order = Order.objects.create(
        number=number,
        buyer=buyer,
        email=checkout.email,
        guest_password=make_password(checkout.guest_password) if checkout.guest_password else "",
        orderer_name=checkout.orderer_name, orderer_phone=checkout.orderer_phone,
        recipient_name=checkout.recipient_name, recipient_phone=checkout.recipient_phone,
        postal_code=checkout.postal_code, address=checkout.address, address_detail=checkout.address_detail,
        memo=checkout.memo, payment_method=checkout.payment_method,
        items_total=summary.items_total, shipping_total=summary.shipping_total, total=summary.total,
        discount_total=summary.discount_total, taxable_total=summary.taxable_paid, exempt_total=summary.exempt_paid,
        coupon=applied.coupon if applied else None, coupon_code=(applied.coupon.code or "") if applied else "",
        business_number=checkout.business_number, business_name=checkout.business_name,
        idempotency_key=idempotency_key, placed_at=now,
        expires_at=now + timedelta(days=settings.ORDER_DEPOSIT_DAYS)
        if checkout.payment_method == PaymentMethod.BANK_TRANSFER else now + timedelta(minutes=30),
    )
    StatusEvent.objects.create(order=order, actor=buyer if order.buyer else None, to_status=order.status)
    for n, group in enumerate(summary.groups, start=1):
        vendor_order = VendorOrder.objects.create(
            order=order, vendor=group.vendor, number=f"{order.number}-{n}", items_total=group.items_total,
            shipping_fee=group.shipping, total=group.total, commission_rate=group.vendor.commission_rate,
            discount=group.discount, vendor_discount=group.vendor_discount,
        )
        OrderLine.objects.bulk_create([
            OrderLine(
                order=order, vendor_order=vendor_order, variant=line.variant, product_id_snapshot=line.product.pk,
                product_name=line.product.name, variant_name=line.variant.name, sku=line.variant.sku,
                unit_price=line.unit_price, quantity=line.quantity, line_total=line.total,
                tax_type=line.product.tax_type, vendor_name=group.vendor.name,
                regular_price=line.regular_price, discount=line.discount,
                campaign_item_id=line.campaign.item_id if line.campaign else None,
                campaign_id=line.campaign.campaign_id if line.campaign else None,
            )
            for line in group.lines
        ])
        if order.business_number:
            _invoice_requests(vendor_order, order)
    # Campaign items, the coupon and the stock are the last writes, so their row locks are held
    # only until the commit just after; each kind in primary-key order (the order every writer
    # uses), all or nothing.
    _campaign_take(lines, customer)
    if applied is not None:
        refusal = coupon_redeem(coupon_id=applied.coupon.pk, customer=customer, now=now)
        if refusal:
            raise CouponRefused(_("쿠폰 '%(name)s'을(를) 적용할 수 없습니다: %(reason)s 금액을 확인하고 다시 주문해 주세요.")
                                % {"name": applied.coupon.name, "reason": refusal})
    try:
        # Products refresh and low stock is reported once the order commits.
        stock_take_many(items=[(line.variant.pk, line.quantity) for line in lines])
    except StockShort as short:
        line = next(ln for ln in lines if ln.variant.pk == short.variant_id)
        raise OutOfStock(
            _("품절/재고 부족: %(name)s %(option)s의 재고가 부족합니다.")
            % {"name": line.product.name, "option": line.variant.name}
        )
    cart_lines_remove(cart=cart, variant_ids=[line.variant.pk for line in lines])
    from .notifications import order_placed_notify_task

    transaction.on_commit(lambda: order_placed_notify_task.delay(order_id=order.pk))
    return order


def _campaign_take(lines, customer: str) -> None:
    """Count the campaign-priced units against each item's cap and the customer's limit, by item pk."""
    per_item: dict[int, list] = {}
    for line in lines:
        if line.campaign is not None:
            per_item.setdefault(line.campaign.item_id, []).append(line)
    for item_id in sorted(per_item):
        item_lines = per_item[item_id]
        quantity = sum(line.quantity for line in item_lines)
        taken = item_take(item_id=item_id, customer=customer, quantity=quantity)
        if taken:
            continue
        name = item_lines[0].product.name
        if taken.reason == "limit":
            raise CampaignLimitReached(
                _("%(name)s: 기획전 1인 구매 한도는 %(limit)s개입니다. 지금 %(left)s개 더 살 수 있습니다. 수량을 줄여 주세요.")
                % {"name": name, "limit": taken.limit, "left": taken.left}
            )
        raise CampaignLimitReached(
            _("%(name)s: 기획전 한정 수량이 %(left)s개 남아 기획전 가격으로 살 수 없습니다. "
              "장바구니에서 바뀐 금액을 확인하고 다시 주문해 주세요.") % {"name": name, "left": taken.left}
        )


def _invoice_requests(vendor_order: VendorOrder, order: Order) -> None:
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


# --- order-level states -------------------------------------------------------------------

ORDER_TRANSITIONS = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.EXPIRED, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.CANCELLED}),
    OrderStatus.EXPIRED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

# --- vendor-order states ------------------------------------------------------------------

VENDOR_ORDER_TRANSITIONS = {
    V.PENDING_PAYMENT: frozenset({V.PAID, V.CANCELLED}),
    V.PAID: frozenset({V.PREPARING, V.SHIPPED, V.CANCELLED}),
    V.PREPARING: frozenset({V.SHIPPED, V.CANCELLED}),
    V.SHIPPED: frozenset({V.DELIVERED}),
    V.DELIVERED: frozenset({V.COMPLETED, V.RETURN_REQUESTED}),
    V.RETURN_REQUESTED: frozenset({V.RETURNED, V.DELIVERED}),
    V.RETURNED: frozenset({V.REFUNDED}),
    V.COMPLETED: frozenset(),
    V.CANCELLED: frozenset(),
    V.REFUNDED: frozenset(),
}
# Timestamp fields set when a vendor order enters a state.
_STAMPS = {V.PAID: "paid_at", V.SHIPPED: "shipped_at", V.DELIVERED: "delivered_at", V.COMPLETED: "completed_at",
           V.CANCELLED: "cancelled_at"}
_REFUSAL = gettext_lazy("'%(from)s' 상태의 주문은 '%(to)s'(으)로 바꿀 수 없습니다.")
ORDER_MACHINE = StateMachine(
    transitions=ORDER_TRANSITIONS, choices=OrderStatus, error=InvalidTransition, refusal=_REFUSAL,
    stamps={OrderStatus.PAID: "paid_at", OrderStatus.CANCELLED: "cancelled_at"},
    event_model=StatusEvent, event_fk="order",
)
VENDOR_ORDER_MACHINE = StateMachine(
    transitions=VENDOR_ORDER_TRANSITIONS, choices=VendorOrderStatus, error=InvalidTransition, refusal=_REFUSAL,
    stamps=_STAMPS, event_model=StatusEvent, event_fk="vendor_order",
    event_fields=lambda vendor_order: {"order_id": vendor_order.order_id},
)


def _order_transition(order: Order, to: str, *, actor=None, reason: str = "") -> StatusEvent:
    return ORDER_MACHINE.move(order, to, actor=actor, reason=reason)


def vendor_order_transition(vendor_order: VendorOrder, to: str, *, actor=None, reason: str = "") -> StatusEvent:
    """The one place a vendor order's status changes: checks the table, stamps, records."""
    return VENDOR_ORDER_MACHINE.move(vendor_order, to, actor=actor, reason=reason)


@transaction.atomic
def order_mark_paid(*, order_id: int, actor=None, reason: str = "") -> Order:
    """Payment confirmed (deposit seen, or the gateway confirmed): every vendor order is paid."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status == OrderStatus.PAID:
        return order  # a second confirmation changes nothing
    _order_transition(order, OrderStatus.PAID, actor=actor, reason=reason)
    for vendor_order in order.vendor_orders.select_for_update().order_by("pk"):
        vendor_order_transition(vendor_order, V.PAID, actor=actor)
    from .notifications import order_paid_task

    transaction.on_commit(lambda: order_paid_task.delay(order_id=order.pk))
    return order


def _release_campaign(vendor_orders, customer: str) -> None:
    """Give back the campaign quantities of these vendor orders' lines, once per line, by item pk."""
    lines = OrderLine.objects.filter(vendor_order__in=vendor_orders, campaign_item__isnull=False,
                                     campaign_released=False).order_by("campaign_item_id", "pk")
    for line in lines:
        if OrderLine.objects.filter(pk=line.pk, campaign_released=False).update(campaign_released=True):
            item_release(item_id=line.campaign_item_id, customer=customer, quantity=line.quantity)


def _release_coupon(order: Order) -> None:
    """The whole order expired or was cancelled: its coupon use is given back, once."""
    if order.coupon_id and Order.objects.filter(pk=order.pk, coupon_released=False).update(coupon_released=True):
        coupon_release(coupon_id=order.coupon_id, customer=order_customer(order))


def _release_stock(vendor_order: VendorOrder) -> None:
    stock_return_many(items=vendor_order.lines.filter(variant__isnull=False).values_list("variant_id", "quantity"))


@transaction.atomic
def order_expire(*, order_id: int) -> Order | None:
    """An unpaid order past its deadline: expired, stock returned, buyer told. Safe to repeat."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.PENDING_PAYMENT or order.expires_at > timezone.now():
        return None
    _order_transition(order, OrderStatus.EXPIRED, reason=_("입금 기한이 지났습니다."))
    vendor_orders = list(order.vendor_orders.select_for_update().order_by("pk"))
    for vendor_order in vendor_orders:
        vendor_order_transition(vendor_order, V.CANCELLED, reason=_("입금 기한 만료"))
    # Campaign items, then the coupon, then the stock: the order order_place takes them in.
    _release_campaign(vendor_orders, order_customer(order))
    _release_coupon(order)
    for vendor_order in vendor_orders:
        _release_stock(vendor_order)
    from .notifications import order_expired_notify_task

    transaction.on_commit(lambda: order_expired_notify_task.delay(order_id=order.pk))
    return order


def orders_expire_due() -> int:
    """Expire every unpaid order past its deadline (beat task)."""
    due = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, expires_at__lte=timezone.now()).values_list(
        "pk", flat=True
    )
    return sum(1 for pk in list(due) if order_expire(order_id=pk))


def _buyer_may(actor, order: Order) -> bool:
    return bool(actor and actor.is_authenticated and (actor.is_staff or order.buyer_id == actor.pk))


def vendor_member_may(actor, vendor_order: VendorOrder) -> bool:
    return bool(actor and actor.is_authenticated and (actor.is_staff or user_is_vendor_member(actor, vendor_order.vendor_id)))


@transaction.atomic
def vendor_order_cancel(*, vendor_order_id: int, actor, reason: str = "", guest_ok: bool = False) -> VendorOrder:
    """Cancel before shipping (buyer, vendor or operator): stock back, refund through the provider."""
    vendor_order = VendorOrder.objects.select_for_update().select_related("order").get(pk=vendor_order_id)
    order = vendor_order.order
    if not (guest_ok or _buyer_may(actor, order) or vendor_member_may(actor, vendor_order)):
        raise NotAllowed(_("이 주문을 취소할 권한이 없습니다."))
    was_paid = vendor_order.status in (V.PAID, V.PREPARING)
    vendor_order_transition(vendor_order, V.CANCELLED, actor=actor if actor and actor.is_authenticated else None,
                            reason=reason)
    whole_order = not order.vendor_orders.exclude(status=V.CANCELLED).exists()
    # Campaign items, then the coupon, then the stock: the order order_place takes them in.
    _release_campaign([vendor_order], order_customer(order))
    if whole_order:
        _release_coupon(order)
    _release_stock(vendor_order)
    if was_paid:
        from .payments import payment_refund

        # What was paid for this vendor order: its total less its share of the coupon discount.
        payment_refund(order=order, amount=vendor_order.paid_total, reason=reason or _("주문 취소"))
        vendor_order.refunded_amount = vendor_order.paid_total
        vendor_order.save(update_fields=["refunded_amount"])
    if whole_order:
        _order_transition(Order.objects.select_for_update().get(pk=order.pk), OrderStatus.CANCELLED,
                          actor=actor if actor and actor.is_authenticated else None, reason=reason)
    from .notifications import vendor_order_cancelled_notify_task

    transaction.on_commit(lambda: vendor_order_cancelled_notify_task.delay(vendor_order_id=vendor_order.pk))
    return vendor_order
