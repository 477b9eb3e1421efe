"""Every move of an order and a vendor order: paid, expired, cancelled, prepared, shipped,
delivered, confirmed, returned, refunded, and the vendor's notes to the buyer.

One transition table per machine (ORDER_TRANSITIONS, VENDOR_ORDER_TRANSITIONS) and one
StateMachine each (ddasum.transitions): the table, the timestamp, the event row. Each move
runs on a row locked with `select_for_update` in the same transaction; notices leave after
the commit (ddasum.jobs). Vendors (their members) and operators prepare, ship, mark delivered,
decide returns and write notes; the buyer confirms the purchase and asks for a return. A guest
buyer's page checks the guest itself and passes `guest_ok=True`.

Releases: an expired order and a vendor order cancelled before shipping give back the
campaign quantities (once per line), then the coupon (when the whole order goes), then the
stock (catalog.stock) — the order order_place takes them in, so nothing deadlocks. A
cancelled vendor order refunds what was paid for it: its total less its coupon share.

Returns may be asked for while the vendor order is delivered, that is until it is confirmed,
by the buyer or automatically `ORDER_AUTO_COMPLETE_DAYS` after delivery. Refunded goods do
not go back into stock: the vendor decides what can be sold again.
"""
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.services.coupons import coupon_release
from campaigns.services.limits import item_release
from catalog.delivery_dates import delivery_slots_return_many
from catalog.stock import stock_return_many
from ddasum import jobs
from ddasum.transitions import StateMachine
from vendors.models import WebhookEvent

from ..exceptions import InvalidTransition, NotAllowed, OrderError
from ..models import (
    CLAIM_OPEN_STATUSES,
    Carrier,
    Claim,
    ClaimKind,
    ClaimStatus,
    Order,
    OrderLine,
    OrderLineState,
    OrderStatus,
    StatusEvent,
    VendorOrder,
    VendorOrderStatus,
)
from ..selectors.access import buyer_may, vendor_member_may
from ..selectors.orders import order_customer
from .late_shipping import vendor_orders_ship_by_set
from .outgoing_webhooks import vendor_order_webhook
from .payments import payment_refund
from .return_photos import return_photos_clean, return_photos_save

logger = logging.getLogger(__name__)


V = VendorOrderStatus


SHIPPABLE = frozenset({V.PAID, V.PREPARING})


NOTE_MAX_CHARS = 1000


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
    V.DELIVERED: frozenset({V.COMPLETED, V.RETURN_REQUESTED, V.REFUNDED}),  # refunded: every line returned
    V.RETURN_REQUESTED: frozenset({V.RETURNED, V.DELIVERED}),
    V.RETURNED: frozenset({V.REFUNDED}),
    V.COMPLETED: frozenset(),
    V.CANCELLED: frozenset(),
    V.REFUNDED: frozenset(),
}


# Timestamp fields set when a vendor order enters a state.
# A vendor order refunded in full is finished too: `completed_at` dates it for the settlement of what it kept.
_STAMPS = {V.PAID: "paid_at", V.SHIPPED: "shipped_at", V.DELIVERED: "delivered_at", V.COMPLETED: "completed_at",
           V.REFUNDED: "completed_at", V.CANCELLED: "cancelled_at"}


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


# --- shared checks ---------------------------------------------------------------------


def _locked(vendor_order_id: int) -> VendorOrder:
    # Only the vendor order's row is locked, not the order and vendor rows joined to it.
    return (VendorOrder.objects.select_for_update(of=("self",)).select_related("order", "vendor")
            .get(pk=vendor_order_id))


def _vendor_check(actor, vendor_order: VendorOrder) -> None:
    if not vendor_member_may(actor, vendor_order):
        raise NotAllowed(_("이 주문을 처리할 권한이 없습니다."))


def _buyer_check(actor, vendor_order: VendorOrder, *, guest_ok: bool) -> None:
    """The buyer (or a guest whose page already proved the order is theirs), or an operator."""
    if guest_ok and vendor_order.order.buyer_id is None:
        return
    if actor and actor.is_authenticated and (actor.is_staff or vendor_order.order.buyer_id == actor.pk):
        return
    raise NotAllowed(_("이 주문을 처리할 권한이 없습니다."))


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _claim_open(vendor_order: VendorOrder) -> bool:
    return vendor_order.claims.filter(status__in=CLAIM_OPEN_STATUSES).exists()


def _no_open_claim(vendor_order: VendorOrder) -> None:
    """Whole-vendor-order steps wait until a per-line cancel, return or exchange in progress is closed."""
    if _claim_open(vendor_order):
        raise InvalidTransition(_("진행 중인 취소·반품·교환 요청이 있어 처리할 수 없습니다."))


def _notify_event(event: StatusEvent) -> None:
    jobs.after_commit("orders.vendor_order_event_notify_task", event_id=event.pk)


# --- paid, expired, cancelled -------------------------------------------------------------


@transaction.atomic
def order_mark_paid(*, order_id: int, actor=None, reason: str = "") -> Order:
    """Payment confirmed (deposit seen, or the gateway confirmed): every vendor order is paid."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status == OrderStatus.PAID:
        return order  # a second confirmation changes nothing
    _order_transition(order, OrderStatus.PAID, actor=actor, reason=reason)
    vendor_orders = list(order.vendor_orders.select_for_update().order_by("pk"))
    for vendor_order in vendor_orders:
        vendor_order_transition(vendor_order, V.PAID, actor=actor)
        vendor_order.order = order
        vendor_order_webhook(vendor_order, WebhookEvent.ORDER_PAID)
    vendor_orders_ship_by_set(vendor_orders, paid_at=order.paid_at)
    jobs.after_commit("orders.order_paid_notify_task", order_id=order.pk)
    jobs.after_commit("orders.order_documents_task", order_id=order.pk)
    return order


def _refund_paid(vendor_order: VendorOrder, order: Order, *, reason: str) -> None:
    """Give back what was paid for this vendor order (its total less its share of the coupon discount).

    Runs inside the caller's transaction: a refund the provider refuses rolls the step back.
    """
    # Lines cancelled or returned one by one were refunded already: only the rest goes back.
    payment_refund(order=order, amount=vendor_order.paid_total - vendor_order.refunded_amount, reason=reason)
    # Nothing is left to settle: every good is refunded (no commission), no coupon part is owed to the vendor.
    vendor_order.refunded_amount = vendor_order.paid_total
    vendor_order.refunded_items = vendor_order.items_total - vendor_order.vendor_discount
    vendor_order.refunded_subsidy = vendor_order.discount - vendor_order.vendor_discount
    vendor_order.save(update_fields=["refunded_amount", "refunded_items", "refunded_subsidy"])


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
    """Give back the stock, then the chosen delivery dates' capacity (the order order_place takes them in)."""
    lines = vendor_order.lines.filter(state=OrderLineState.ORDERED)  # cancelled lines gave theirs back already
    stock_return_many(items=lines.filter(variant__isnull=False).values_list("variant_id", "quantity"))
    delivery_slots_return_many(
        items=lines.filter(delivery_slot__isnull=False).values_list("delivery_slot_id", "quantity"))


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
    jobs.after_commit("orders.order_expired_notify_task", order_id=order.pk)
    return order


def orders_expire_due() -> int:
    """Expire every unpaid order past its deadline (beat task)."""
    due = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, expires_at__lte=timezone.now()).values_list(
        "pk", flat=True
    )
    return sum(1 for pk in list(due) if order_expire(order_id=pk))


@transaction.atomic
def vendor_order_cancel(*, vendor_order_id: int, actor, reason: str = "", guest_ok: bool = False) -> VendorOrder:
    """Cancel before shipping (buyer, vendor or operator): stock back, refund through the provider."""
    vendor_order = VendorOrder.objects.select_for_update().select_related("order").get(pk=vendor_order_id)
    order = vendor_order.order
    if not (guest_ok or buyer_may(actor, order) or vendor_member_may(actor, vendor_order)):
        raise NotAllowed(_("이 주문을 취소할 권한이 없습니다."))
    _no_open_claim(vendor_order)
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
        _refund_paid(vendor_order, order, reason=reason or _("주문 취소"))
    if whole_order:
        _order_transition(Order.objects.select_for_update().get(pk=order.pk), OrderStatus.CANCELLED,
                          actor=actor if actor and actor.is_authenticated else None, reason=reason)
    if was_paid:
        vendor_order_webhook(vendor_order, WebhookEvent.ORDER_CANCELLED)
    jobs.after_commit("orders.vendor_order_cancelled_notify_task", vendor_order_id=vendor_order.pk)
    return vendor_order


# --- preparing and shipping ------------------------------------------------------------


@dataclass
class PrepareResult:
    changed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # vendor orders not in 'paid', left as they are


@transaction.atomic
def vendor_orders_prepare(*, vendor_order_ids, actor) -> PrepareResult:
    """Move the paid ones among these vendor orders to 'preparing'; the others are skipped.

    Every vendor order must be the actor's to handle, or nothing changes.
    """
    ids = sorted({int(pk) for pk in vendor_order_ids})
    vendor_orders = list(VendorOrder.objects.select_for_update(of=("self",)).select_related("vendor")
                         .filter(pk__in=ids).order_by("pk"))
    if len(vendor_orders) != len(ids):
        raise NotAllowed(_("이 주문을 처리할 권한이 없습니다."))
    for vendor_order in vendor_orders:
        _vendor_check(actor, vendor_order)
    result = PrepareResult()
    for vendor_order in vendor_orders:
        if vendor_order.status != V.PAID:
            result.skipped.append(vendor_order)
            continue
        vendor_order_transition(vendor_order, V.PREPARING, actor=_user(actor))
        result.changed.append(vendor_order)
    return result


_TRACKING_CHARS = re.compile(r"^[0-9-]+$")


def tracking_clean(carrier: str, tracking_number: str) -> tuple[str, str]:
    """Check a carrier and tracking number; return them as stored (digits only). Raise OrderError."""
    carrier = (carrier or "").strip()
    if carrier not in Carrier.values:
        raise OrderError(_("택배사를 골라 주세요."))
    number = re.sub(r"\s+", "", tracking_number or "")
    if not number:
        if carrier == Carrier.DIRECT:
            return carrier, ""
        raise OrderError(_("송장번호를 입력해 주세요."))
    digits = number.replace("-", "")
    if not _TRACKING_CHARS.match(number) or not 8 <= len(digits) <= 20:
        raise OrderError(_("송장번호는 숫자 8~20자리로 입력해 주세요 (하이픈은 넣어도 됩니다)."))
    return carrier, digits


def vendor_order_ship_locked(vendor_order: VendorOrder, carrier: str, number: str, actor) -> StatusEvent:
    """Ship a vendor order the caller has locked (one by one, or every row of a tracking-number file)."""
    if vendor_order.status not in SHIPPABLE:
        raise InvalidTransition(
            _("'%(status)s' 상태의 주문은 발송 처리할 수 없습니다.") % {"status": vendor_order.get_status_display()}
        )
    label = Carrier(carrier).label
    event = vendor_order_transition(vendor_order, V.SHIPPED, actor=_user(actor),
                                    reason=f"{label} {number}".strip())
    vendor_order.carrier, vendor_order.tracking_number = carrier, number
    vendor_order.save(update_fields=["carrier", "tracking_number"])
    _notify_event(event)
    return event


@transaction.atomic
def vendor_order_ship(*, vendor_order_id: int, carrier: str, tracking_number: str, actor) -> VendorOrder:
    """Ship a paid or preparing vendor order with its carrier and tracking number; the buyer is told."""
    carrier, number = tracking_clean(carrier, tracking_number)
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    vendor_order_ship_locked(vendor_order, carrier, number, actor)
    return vendor_order


@transaction.atomic
def vendor_order_tracking_correct(*, vendor_order_id: int, carrier: str, tracking_number: str, actor) -> VendorOrder:
    """Fix a mistyped carrier or tracking number of a shipped vendor order; the buyer gets the new one."""
    carrier, number = tracking_clean(carrier, tracking_number)
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    if vendor_order.status != V.SHIPPED:
        raise InvalidTransition(_("배송 중인 주문만 송장번호를 고칠 수 있습니다."))
    if (vendor_order.carrier, vendor_order.tracking_number) == (carrier, number):
        return vendor_order
    vendor_order.carrier, vendor_order.tracking_number = carrier, number
    vendor_order.save(update_fields=["carrier", "tracking_number", "updated_at"])
    logger.info("vendor order %s: tracking corrected to %s %s by %s", vendor_order.pk, carrier, number,
                getattr(actor, "pk", None))
    jobs.after_commit("orders.vendor_order_tracking_notify_task", vendor_order_id=vendor_order.pk)
    return vendor_order


# --- delivery and completion -----------------------------------------------------------


@transaction.atomic
def vendor_order_deliver(*, vendor_order_id: int, actor) -> VendorOrder:
    """The vendor (or an operator) marks a shipped vendor order delivered; the buyer is told."""
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    if vendor_order.status != V.SHIPPED:
        # The table also leads from 'return requested' back to 'delivered': that is a refusal, with a reason.
        raise InvalidTransition(
            _("'%(status)s' 상태의 주문은 배송 완료로 바꿀 수 없습니다.") % {"status": vendor_order.get_status_display()}
        )
    _notify_event(vendor_order_transition(vendor_order, V.DELIVERED, actor=_user(actor)))
    return vendor_order


@transaction.atomic
def vendor_order_complete(*, vendor_order_id: int, actor, guest_ok: bool = False) -> VendorOrder:
    """The buyer confirms the purchase (구매 확정); confirming twice changes nothing."""
    vendor_order = _locked(vendor_order_id)
    _buyer_check(actor, vendor_order, guest_ok=guest_ok)
    if vendor_order.status == V.COMPLETED:
        return vendor_order
    _no_open_claim(vendor_order)
    vendor_order_transition(vendor_order, V.COMPLETED, actor=_user(actor), reason=_("구매 확정"))
    return vendor_order


def _exchange_waits_q(cutoff) -> Q:
    """Vendor orders whose exchange replacement arrived less than ORDER_AUTO_COMPLETE_DAYS ago:
    the confirmation clock starts again from the replacement (open claims wait anyway)."""
    return Q(Exists(Claim.objects.filter(vendor_order=OuterRef("pk"), kind=ClaimKind.EXCHANGE,
                                         status=ClaimStatus.COMPLETED, completed_at__gt=cutoff)))


@transaction.atomic
def _auto_complete(vendor_order_id: int, cutoff) -> bool:
    vendor_order = (VendorOrder.objects.select_for_update()
                    .filter(pk=vendor_order_id, status=V.DELIVERED, delivered_at__lte=cutoff)
                    .exclude(_exchange_waits_q(cutoff)).first())
    if vendor_order is None or _claim_open(vendor_order):
        return False  # confirmed, returned, re-delivered, claimed or just exchanged meanwhile
    vendor_order_transition(
        vendor_order, V.COMPLETED,
        reason=_("배송 완료 후 %(days)s일이 지나 자동으로 구매 확정되었습니다.") % {"days": settings.ORDER_AUTO_COMPLETE_DAYS},
    )
    return True


def vendor_orders_auto_complete() -> int:
    """Confirm vendor orders delivered more than ORDER_AUTO_COMPLETE_DAYS ago; safe to repeat."""
    cutoff = timezone.now() - timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS)
    # A vendor order with a return or exchange in progress waits for it to close.
    due = list(VendorOrder.objects.filter(status=V.DELIVERED, delivered_at__lte=cutoff)
               .exclude(claims__status__in=CLAIM_OPEN_STATUSES).exclude(_exchange_waits_q(cutoff))
               .order_by("pk").values_list("pk", flat=True))
    # One short transaction per vendor order: a buyer confirming at the same moment waits for one row only.
    return sum(1 for pk in due if _auto_complete(pk, cutoff))


# --- returns ---------------------------------------------------------------------------


def vendor_order_return_request(*, vendor_order_id: int, actor, reason: str, photos=(),
                                guest_ok: bool = False) -> VendorOrder:
    """The buyer asks to return a delivered vendor order, with a reason and photos; the vendor is told.

    Photos are checked by content and re-encoded before any lock is taken; a bad file refuses
    the whole request.
    """
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("반품 사유를 적어 주세요."))
    cleaned = return_photos_clean(photos)
    return _return_request(vendor_order_id=vendor_order_id, actor=actor, reason=reason[:NOTE_MAX_CHARS],
                           photos=cleaned, guest_ok=guest_ok)


@transaction.atomic
def _return_request(*, vendor_order_id, actor, reason, photos, guest_ok) -> VendorOrder:
    vendor_order = _locked(vendor_order_id)
    _buyer_check(actor, vendor_order, guest_ok=guest_ok)
    _no_open_claim(vendor_order)
    event = vendor_order_transition(vendor_order, V.RETURN_REQUESTED, actor=_user(actor), reason=reason)
    vendor_order.return_reason = reason
    vendor_order.save(update_fields=["return_reason"])
    return_photos_save(vendor_order_id=vendor_order.pk, event_id=event.pk, photos=photos)
    vendor_order_webhook(vendor_order, WebhookEvent.RETURN_REQUESTED)
    _notify_event(event)
    return vendor_order


@transaction.atomic
def vendor_order_return_accept(*, vendor_order_id: int, actor) -> VendorOrder:
    """The vendor accepts the return (→ returned); the buyer is told, the refund follows."""
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    _notify_event(vendor_order_transition(vendor_order, V.RETURNED, actor=_user(actor)))
    return vendor_order


@transaction.atomic
def vendor_order_return_reject(*, vendor_order_id: int, actor, reason: str) -> VendorOrder:
    """The vendor refuses the return with a reason: back to delivered (the confirmation clock restarts)."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("반품을 거절하는 사유를 적어 주세요."))
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    if vendor_order.status != V.RETURN_REQUESTED:
        raise InvalidTransition(_("반품 요청 상태의 주문만 거절할 수 있습니다."))
    _notify_event(vendor_order_transition(vendor_order, V.DELIVERED, actor=_user(actor), reason=reason))
    return vendor_order


@transaction.atomic
def vendor_order_return_refund(*, vendor_order_id: int, actor) -> VendorOrder:
    """Refund a returned vendor order in full through the payment provider (→ refunded)."""
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    if vendor_order.status != V.RETURNED:
        # The table also leads from 'delivered' to 'refunded' (every line returned one by one): not this step.
        raise InvalidTransition(
            _("'%(status)s' 상태의 주문은 환불할 수 없습니다.") % {"status": vendor_order.get_status_display()})
    event = vendor_order_transition(vendor_order, V.REFUNDED, actor=_user(actor), reason=_("반품 환불"))
    # Inside the transaction: a refund the provider refuses leaves the vendor order 'returned'.
    _refund_paid(vendor_order, vendor_order.order, reason=_("반품 환불 %(number)s") % {"number": vendor_order.number})
    _notify_event(event)
    jobs.after_commit("orders.order_documents_task", order_id=vendor_order.order_id)
    return vendor_order


# --- notes to the buyer ----------------------------------------------------------------


@transaction.atomic
def vendor_order_note(*, vendor_order_id: int, actor, note: str) -> VendorOrder:
    """Leave a note for the buyer (kept, dated, under the earlier ones); the buyer is told."""
    note = (note or "").strip()
    if not note:
        raise OrderError(_("구매자에게 보낼 내용을 적어 주세요."))
    if len(note) > NOTE_MAX_CHARS:
        raise OrderError(_("%(n)s자까지 적을 수 있습니다.") % {"n": NOTE_MAX_CHARS})
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    if vendor_order.status == V.PENDING_PAYMENT:
        raise InvalidTransition(_("결제가 끝난 주문에만 메시지를 남길 수 있습니다."))
    entry = f"[{timezone.localtime():%Y-%m-%d %H:%M}] {note}"
    start = len(vendor_order.vendor_note) + 2 if vendor_order.vendor_note else 0
    vendor_order.vendor_note = f"{vendor_order.vendor_note}\n\n{entry}" if vendor_order.vendor_note else entry
    vendor_order.save(update_fields=["vendor_note"])
    end = len(vendor_order.vendor_note)
    # The note's place in the text is its identity: the notice is sent once per note.
    jobs.after_commit("orders.vendor_order_note_notify_task", vendor_order_id=vendor_order.pk, start=start, end=end)
    return vendor_order
