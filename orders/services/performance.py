"""The orders' part of vendor performance: on-time shipping, cancellations by the vendor, returns.

Registered with vendors.performance from OrdersConfig.ready(). Vendor orders count in a window
by when they were paid.
"""
from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import SHIPPING_DAYS_DEFAULT
from vendors.models import VendorMembership
from vendors.performance import rate

from ..models import Claim, ClaimKind, StatusEvent, VendorOrder, VendorOrderStatus
from .late_shipping import ship_by_for

V = VendorOrderStatus

# Not shipped and still to be: past its due time such an order is late.
_AWAITING_SHIPMENT = frozenset({V.PAID, V.PREPARING})


def shipping_due(vendor_order: VendorOrder) -> datetime:
    """When the vendor order should have left: the end of its last shipping day.

    The one rule of "on time": the vendor's promise in business days (holidays counted), fixed as
    `ship_by` when the order was paid (orders.services.late_shipping); an order paid before promises
    were kept gets the default promise counted from its payment day.
    """
    day = vendor_order.ship_by or ship_by_for(paid_on=timezone.localdate(vendor_order.paid_at),
                                              shipping_days=SHIPPING_DAYS_DEFAULT,
                                              delivery_date=vendor_order.delivery_date)
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def vendor_order_metrics(*, vendor_ids: list[int], start: datetime, end: datetime) -> dict[int, dict]:
    """Paid orders, on-time shipping, cancellations by the vendor's members and returns, per vendor.

    On time: among vendor orders paid in the window, those shipped by `shipping_due` out of those
    shipped or still unshipped past it at `end` (orders cancelled before shipping are left out).
    Cancellation rate: cancelled by a member of the vendor (the whole vendor order, or some of its
    lines through a cancel claim), out of the orders paid.
    Return rate: return requested (the whole vendor order, or lines through a return claim), out of
    the orders delivered.
    """
    paid = VendorOrder.objects.filter(vendor_id__in=vendor_ids, paid_at__gte=start, paid_at__lt=end)
    vendor_member = VendorMembership.objects.filter(user=OuterRef("actor_id"), vendor=OuterRef("vendor_order__vendor"))
    cancelled_by_vendor = set(
        StatusEvent.objects.filter(vendor_order__in=paid, to_status=V.CANCELLED)
        .filter(Exists(vendor_member)).values_list("vendor_order_id", flat=True)
    ) | set(
        Claim.objects.filter(vendor_order__in=paid, kind=ClaimKind.CANCEL)
        .filter(Exists(VendorMembership.objects.filter(user=OuterRef("requested_by_id"),
                                                       vendor=OuterRef("vendor_order__vendor"))))
        .values_list("vendor_order_id", flat=True)
    )
    return_requested = set(
        StatusEvent.objects.filter(vendor_order__in=paid, to_status=V.RETURN_REQUESTED)
        .values_list("vendor_order_id", flat=True)
    ) | set(Claim.objects.filter(vendor_order__in=paid, kind=ClaimKind.RETURN).values_list("vendor_order_id", flat=True))
    counts: dict[int, dict] = {}
    for vo in paid.only("pk", "vendor_id", "paid_at", "ship_by", "delivery_date", "shipped_at", "delivered_at",
                        "status").order_by():
        c = counts.setdefault(vo.vendor_id, {"paid_orders": 0, "ship_due_orders": 0, "shipped_on_time": 0,
                                              "vendor_cancels": 0, "delivered_orders": 0, "returns": 0})
        c["paid_orders"] += 1
        due = shipping_due(vo)
        if vo.shipped_at is not None:
            c["ship_due_orders"] += 1
            c["shipped_on_time"] += vo.shipped_at <= due
        elif vo.status in _AWAITING_SHIPMENT and due <= end:
            c["ship_due_orders"] += 1
        c["vendor_cancels"] += vo.pk in cancelled_by_vendor
        if vo.delivered_at is not None:
            c["delivered_orders"] += 1
            c["returns"] += vo.pk in return_requested
    for c in counts.values():
        c["on_time_rate"] = rate(c["shipped_on_time"], c["ship_due_orders"])
        c["vendor_cancel_rate"] = rate(c["vendor_cancels"], c["paid_orders"])
        c["return_rate"] = rate(c["returns"], c["delivered_orders"])
    return counts
