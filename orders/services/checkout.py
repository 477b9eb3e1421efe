"""Placing an order from the cart: prices, campaign limits, the coupon and the stock, all or nothing.

Stock is taken when the order is placed, by a conditional UPDATE (`stock >= n`) per variant
in primary-key order inside the order's transaction (catalog.stock): two buyers can never both
take the last unit, and locks are always taken in the same order so checkouts cannot deadlock.

Campaigns and coupons: the price is decided inside the order's transaction, with one `now` for
every line (campaigns.selectors.pricing through `cart_summary`); each line records the campaign item and
campaign that set its price and its regular price. Campaign caps and per-customer limits are
taken like stock (campaigns.services.limits, conditional UPDATEs), then the coupon (campaigns.services.coupons),
then the stock, then the chosen delivery dates' capacity (catalog.delivery_dates) — every writer
takes these rows in that order (campaign items by pk, coupon, variants by pk, delivery slots by
pk), releases included (services/actions.py), so concurrent checkouts and cancellations cannot
deadlock.
"""
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.exceptions import CampaignLimitReached, CouponRefused
from campaigns.services.coupons import coupon_redeem
from campaigns.services.limits import customer_key, item_take
from catalog.delivery_dates import date_label, delivery_slots_take_many
from catalog.exceptions import DeliveryDateFull, StockShort
from catalog.models import DeliverySlot, ProductVariant
from catalog.stock import stock_take_many
from ddasum import jobs
from ddasum.money import won
from ddasum.numbering import daily_number

from ..exceptions import OrderError, OutOfStock
from ..models import Cart, Order, OrderLine, PaymentMethod, StatusEvent, VendorOrder
from .cart import (
    CartSummary,
    cart_lines_remove,
    cart_summary,
    problems_message,
    stock_left_note,
    stock_refusal_message,
    summary_apply_coupon,
)
from .guest_access import guest_nonce_new
from .tax_invoices import tax_invoice_requests_create


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
    business_number: str = ""
    business_name: str = ""
    coupon_code: str = ""
    use_escrow: bool = False  # 구매안전서비스, virtual accounts only
    # The total the buyer was shown; when given, a different total at placing refuses the order.
    expected_total: int | None = None


def idempotency_key_for(user_or_session: str, form_key: str) -> str:
    """Scope the browser's key to its user or session, so one buyer's key cannot hit another's order."""
    return hashlib.sha256(f"{user_or_session}:{form_key}".encode()).hexdigest()[:64]


def order_place(*, cart: Cart, buyer, checkout: Checkout, idempotency_key: str) -> Order:
    """Create the order from the cart's buyable lines, taking stock; the same key returns the same order."""
    # The number is drawn in its own short transaction: holding the day's counter until the
    # order commits would make every checkout wait for the one before it. A failed order (or a
    # double submit, answered with the first order inside the transaction) leaves a gap in the
    # numbers, never a duplicate; the checkout page looks for the key's order before calling this.
    number = daily_number("order", timezone.localdate())
    # A guest proves the order is theirs with a mailed link (guest_access), not a password: no
    # slow hash per order, inside the transaction or out of it.
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
    # One checkout of a cart at a time: a double submit that passed every check before the first
    # one's order existed waits here for it to commit, then finds that order by its key instead
    # of an emptied cart ("주문할 수 있는 상품이 없습니다").
    list(Cart.objects.select_for_update().filter(pk=cart.pk).values_list("pk", flat=True))
    existing = Order.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    now = timezone.now()  # the one moment every price of this order is taken at
    buyer = buyer if buyer is not None and buyer.is_authenticated else None
    customer = customer_key(user=buyer, email=checkout.email)
    summary: CartSummary = cart_summary(cart, postal_code=checkout.postal_code, now=now, customer=customer)
    if summary.is_empty:
        if summary.problems:
            # Someone bought the last units between the cart page and this click.
            raise OutOfStock(problems_message(summary.problems))
        raise OrderError(_("주문할 수 있는 상품이 없습니다. 장바구니를 확인해 주세요."))
    if summary.limit_problems:
        raise CampaignLimitReached(" ".join(line.limit_note for line in summary.limit_problems))
    # Which automatic coupons may be running comes from their cached windows (cleared by every
    # coupon save and admin change); the coupons themselves are read fresh when any may be.
    choice = summary_apply_coupon(summary, code=checkout.coupon_code, customer=customer, now=now)
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
        guest_access_nonce=guest_nonce_new() if buyer is None else "",
        orderer_name=checkout.orderer_name, orderer_phone=checkout.orderer_phone,
        recipient_name=checkout.recipient_name, recipient_phone=checkout.recipient_phone,
        postal_code=checkout.postal_code, address=checkout.address, address_detail=checkout.address_detail,
        memo=checkout.memo, payment_method=checkout.payment_method,
        items_total=summary.items_total, shipping_total=summary.shipping_total, total=summary.total,
        discount_total=summary.discount_total, taxable_total=summary.taxable_paid, exempt_total=summary.exempt_paid,
        coupon=applied.coupon if applied else None, coupon_code=(applied.coupon.code or "") if applied else "",
        business_number=checkout.business_number, business_name=checkout.business_name,
        use_escrow=checkout.use_escrow and checkout.payment_method == PaymentMethod.VIRTUAL_ACCOUNT,
        idempotency_key=idempotency_key, placed_at=now,
        expires_at=now + timedelta(days=settings.ORDER_DEPOSIT_DAYS)
        if checkout.payment_method == PaymentMethod.BANK_TRANSFER else now + timedelta(minutes=30),
    )
    StatusEvent.objects.create(order=order, actor=buyer if order.buyer else None, to_status=order.status)
    for n, group in enumerate(summary.groups, start=1):
        dates = [line.line.delivery_slot.date for line in group.lines if _slot_of(line)]
        vendor_order = VendorOrder.objects.create(
            order=order, vendor=group.vendor, number=f"{order.number}-{n}", items_total=group.items_total,
            shipping_fee=group.shipping, total=group.total, commission_rate=group.vendor.commission_rate,
            discount=group.discount, vendor_discount=group.vendor_discount, delivery_date=min(dates, default=None),
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
                delivery_slot_id=_slot_of(line), delivery_date=line.line.delivery_slot.date if _slot_of(line) else None,
            )
            for line in group.lines
        ])
        if order.business_number:
            tax_invoice_requests_create(vendor_order=vendor_order, order=order)
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
        # Another order took the units after this one's cart was read: what is left now (committed).
        line = next(ln for ln in lines if ln.variant.pk == short.variant_id)
        left = ProductVariant.objects.filter(pk=short.variant_id).values_list("stock", flat=True).first() or 0
        item = f"{line.product.name} {line.variant.name}"
        raise OutOfStock(stock_refusal_message([stock_left_note(item, stock=left, quantity=line.quantity)])) from None
    _delivery_dates_take(lines)
    cart_lines_remove(cart=cart, variant_ids=[line.variant.pk for line in lines])
    jobs.after_commit("orders.order_placed_notify_task", order_id=order.pk)
    return order


def _slot_of(line) -> int | None:
    """The delivery date a line takes capacity of (products with chosen dates; cart_summary checked it)."""
    return line.line.delivery_slot_id if line.product.delivery_date_required else None


def _delivery_dates_take(lines) -> None:
    """Take each chosen date's capacity after the stock, by slot pk, like stock (catalog.delivery_dates)."""
    items = [(_slot_of(line), line.quantity) for line in lines if _slot_of(line)]
    if not items:
        return
    try:
        delivery_slots_take_many(items=items)
    except DeliveryDateFull as full:
        slot = DeliverySlot.objects.get(pk=full.slot_id)
        line = next(ln for ln in lines if _slot_of(ln) == full.slot_id)
        raise OutOfStock(_("%(item)s: %(date)s 배송은 %(left)s개 남아 마감되었습니다. 다른 배송일을 골라 주세요.") % {
            "item": line.product.name, "date": date_label(slot.date), "left": slot.remaining}) from None


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
