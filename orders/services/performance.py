"""The orders' part of vendor performance: on-time shipping, cancellations by the vendor, returns.

Registered with vendors.performance from OrdersConfig.ready(). Vendor orders count in a window
by when they were paid.
"""
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef

from vendors.models import VendorMembership
from vendors.performance import rate

from ..models import StatusEvent, VendorOrder, VendorOrderStatus

V = VendorOrderStatus

# Shipping days promised until vendors carry their own promise in business days.
SHIPPING_DAYS = 2
# Not shipped and still to be: past its due time such an order is late.
_AWAITING_SHIPMENT = frozenset({V.PAID, V.PREPARING})


def shipping_due(vendor_order: VendorOrder) -> datetime:
    """When the vendor order should have left: two calendar days after payment.

    The one rule of "on time"; it becomes the vendor's promise in business days (holidays
    counted) when that lands.
    """
    return vendor_order.paid_at + timedelta(days=SHIPPING_DAYS)


def vendor_order_metrics(*, vendor_ids: list[int], start: datetime, end: datetime) -> dict[int, dict]:
    """Paid orders, on-time shipping, cancellations by the vendor's members and returns, per vendor.

    On time: among vendor orders paid in the window, those shipped by `shipping_due` out of those
    shipped or still unshipped past it at `end` (orders cancelled before shipping are left out).
    Cancellation rate: cancelled by a member of the vendor, out of the orders paid.
    Return rate: return requested, out of the orders delivered.
    """
    paid = VendorOrder.objects.filter(vendor_id__in=vendor_ids, paid_at__gte=start, paid_at__lt=end)
    vendor_member = VendorMembership.objects.filter(user=OuterRef("actor_id"), vendor=OuterRef("vendor_order__vendor"))
    cancelled_by_vendor = set(
        StatusEvent.objects.filter(vendor_order__in=paid, to_status=V.CANCELLED)
        .filter(Exists(vendor_member)).values_list("vendor_order_id", flat=True)
    )
    return_requested = set(
        StatusEvent.objects.filter(vendor_order__in=paid, to_status=V.RETURN_REQUESTED)
        .values_list("vendor_order_id", flat=True)
    )
    counts: dict[int, dict] = {}
    for vo in paid.only("pk", "vendor_id", "paid_at", "shipped_at", "delivered_at", "status").order_by():
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
