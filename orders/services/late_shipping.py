"""Late shipping: the promise fixed at payment, and the escalation of a paid order not shipped by it.

Each vendor ships within `ShippingPolicy.shipping_days` business days of the payment (Korean
holidays counted, ddasum.business_days); an order for a chosen delivery date may ship the business
day before that date. `VendorOrder.ship_by` is set when the order is paid and not moved after:
a vendor who changes its policy changes the promise of new orders only.

A vendor order still to ship after its `ship_by` day is escalated by the daily run, one step per
business day, each step once:

1. the vendor's members are reminded (`late_reminded_at`);
2. a business day later, the operators are alerted (`late_escalated_at`) and the buyer gets an
   apology with a new expected shipping date (`late_expected_on`, then `late_buyer_told_at`).

Everything is derived from the rows: a notice is keyed by the vendor order and the step (so a
run that dies between the notice and the stamp sends nothing twice), the stamp is written with
a conditional UPDATE, and a day the beat missed is done by the next run.
"""
import logging
from datetime import date, datetime

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import SHIPPING_DAYS_DEFAULT, ShippingPolicy
from ddasum.business_days import add_business_days, business_days_between, is_business_day
from notifications.services import Recipient, notify

from ..models import VendorOrder, VendorOrderStatus
from .notifications import _vendor_tell, buyer_notify

logger = logging.getLogger(__name__)

V = VendorOrderStatus
TO_SHIP = (V.PAID, V.PREPARING)


def shipping_days_of(vendor_ids) -> dict[int, int]:
    """{vendor id: business days it ships within}, the default for a vendor without a policy."""
    days = dict(ShippingPolicy.objects.filter(vendor_id__in=vendor_ids).values_list("vendor_id", "shipping_days"))
    return {vendor_id: days.get(vendor_id, SHIPPING_DAYS_DEFAULT) for vendor_id in vendor_ids}


def ship_by_for(*, paid_on: date, shipping_days: int, delivery_date: date | None = None) -> date:
    """The last day to ship an order paid on `paid_on`: `shipping_days` business days later, or
    the business day before a chosen delivery date when that comes later."""
    due = add_business_days(paid_on, shipping_days)
    if delivery_date:
        due = max(due, add_business_days(delivery_date, -1))
    return due


def vendor_orders_ship_by_set(vendor_orders, *, paid_at: datetime) -> None:
    """Fix the shipping promise of vendor orders just paid (inside the caller's transaction)."""
    days = shipping_days_of({vo.vendor_id for vo in vendor_orders})
    paid_on = timezone.localdate(paid_at)
    for vendor_order in vendor_orders:
        vendor_order.ship_by = ship_by_for(paid_on=paid_on, shipping_days=days[vendor_order.vendor_id],
                                           delivery_date=vendor_order.delivery_date)
        vendor_order.save(update_fields=["ship_by"])


def overdue_q(today: date) -> Q:
    """Vendor orders still to ship whose last shipping day is before `today`."""
    return Q(status__in=TO_SHIP, ship_by__lt=today)


def business_days_late(vendor_order: VendorOrder, today: date) -> int:
    return business_days_between(vendor_order.ship_by, today) if vendor_order.ship_by else 0


def _operator_path(vendor_order: VendorOrder) -> str:
    try:
        return reverse("admin:orders_vendororder_change", args=[vendor_order.pk])
    except NoReverseMatch:
        return ""


def _stamp(vendor_order: VendorOrder, field: str, value) -> bool:
    """Write a step's stamp once; False if another run wrote it first."""
    done = VendorOrder.objects.filter(pk=vendor_order.pk, **{f"{field}__isnull": True}).update(**{field: value})
    setattr(vendor_order, field, value if done else getattr(vendor_order, field))
    return bool(done)


def late_vendor_remind(vendor_order: VendorOrder, *, now: datetime) -> int:
    """Step 1: tell the vendor's members the order is past its shipping day."""
    ship_by = f"{vendor_order.ship_by:%Y-%m-%d}"
    body = _("주문 %(number)s의 발송 기한(%(date)s)이 지났습니다. 오늘 발송해 주시거나, 늦어지는 사유를 구매자에게 "
             "메시지로 알려 주세요. 내일(다음 영업일)까지 발송되지 않으면 운영자와 구매자에게 안내됩니다.") % {
        "number": vendor_order.number, "date": ship_by}
    sent = _vendor_tell(vendor_order, kind="vendor_late_shipping", key=f"late-ship-vendor:vo{vendor_order.pk}",
                        title=_("발송 기한이 지난 주문이 있습니다"), body=body, variables={"발송기한": ship_by})
    _stamp(vendor_order, "late_reminded_at", now)
    return sent


def late_operators_alert(vendor_order: VendorOrder, *, now: datetime) -> int:
    """Step 2a: tell every operator (in the app and by mail) which vendor has not shipped what."""
    today = timezone.localdate(now)
    body = _("%(vendor)s의 주문 %(number)s이 발송 기한(%(date)s)보다 영업일 %(days)s일 늦었습니다. "
             "입점기업에 안내한 지 하루가 지났습니다.") % {
        "vendor": vendor_order.vendor.name, "number": vendor_order.number,
        "date": f"{vendor_order.ship_by:%Y-%m-%d}", "days": business_days_late(vendor_order, today)}
    context = {"title": _("발송 지연: %(vendor)s") % {"vendor": vendor_order.vendor.name}, "body": body,
               "url": _operator_path(vendor_order)}
    sent = 0
    for operator in User.objects.filter(is_staff=True, is_active=True).order_by("pk"):
        sent += notify("operator_late_shipping", Recipient.member(operator), context,
                       f"late-ship-operator:vo{vendor_order.pk}:u{operator.pk}", now=now)
    _stamp(vendor_order, "late_escalated_at", now)
    return sent


def late_buyer_apologise(vendor_order: VendorOrder, *, now: datetime, shipping_days: int) -> bool:
    """Step 2b: apologise to the buyer with a new expected shipping date (chosen once, then kept)."""
    if vendor_order.late_expected_on is None:
        _stamp(vendor_order, "late_expected_on", add_business_days(timezone.localdate(now), shipping_days))
    expected = f"{vendor_order.late_expected_on:%Y-%m-%d}"
    body = _("죄송합니다. %(vendor)s에서 보내 드릴 상품의 발송이 약속한 날(%(date)s)보다 늦어지고 있습니다. "
             "%(expected)s까지 보내 드리도록 판매기업과 함께 챙기겠습니다. 기다리기 어려우시면 주문 상세에서 취소하실 수 "
             "있습니다.") % {"vendor": vendor_order.vendor.name, "date": f"{vendor_order.ship_by:%Y-%m-%d}",
                            "expected": expected}
    sent = buyer_notify(vendor_order.order, kind="order_late_shipping", key=f"late-ship-buyer:vo{vendor_order.pk}",
                        title=_("발송이 늦어져 죄송합니다"), body=body,
                        variables={"판매기업": vendor_order.vendor.name, "발송예정일": expected})
    _stamp(vendor_order, "late_buyer_told_at", now)
    return sent


def late_shipments_escalate(*, now: datetime | None = None) -> dict[str, int]:
    """Take every overdue vendor order one step further (on business days only); safe to run any time."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"vendor": 0, "operator": 0, "buyer": 0}
    if not is_business_day(today):
        return counts
    overdue = (VendorOrder.objects.filter(overdue_q(today))
               .filter(Q(late_reminded_at__isnull=True) | Q(late_escalated_at__isnull=True)
                       | Q(late_buyer_told_at__isnull=True))
               .select_related("order__buyer", "vendor").order_by("ship_by", "pk"))
    overdue = list(overdue)
    days = shipping_days_of({vo.vendor_id for vo in overdue})
    for vendor_order in overdue:
        if vendor_order.late_reminded_at is None:
            late_vendor_remind(vendor_order, now=now)
            counts["vendor"] += 1
            continue
        # A business day after the vendor was told (a reminder on Friday escalates on Monday).
        if business_days_between(timezone.localdate(vendor_order.late_reminded_at), today) < 1:
            continue
        if vendor_order.late_escalated_at is None:
            late_operators_alert(vendor_order, now=now)
            counts["operator"] += 1
        if vendor_order.late_buyer_told_at is None:
            late_buyer_apologise(vendor_order, now=now, shipping_days=days[vendor_order.vendor_id])
            counts["buyer"] += 1
    logger.info("late shipments escalated: %s", counts)
    return counts
