"""What several orders test files share besides fixtures (those are in conftest.py)."""
from orders.models import VendorOrder, VendorOrderStatus
from orders.services.actions import vendor_order_transition
from tests.factories import place_order

V = VendorOrderStatus


# --- vendor orders -----------------------------------------------------------------------------


def paid_vendor_order(variant, buyer=None, qty=1, **checkout) -> VendorOrder:
    """The vendor order of a paid order of one variant (checkout fields as in place_order)."""
    order = place_order(items=[(variant, qty)], buyer=buyer, paid=True, **checkout)
    return order.vendor_orders.get()


def put(vendor_order: VendorOrder, status: str, **fields) -> VendorOrder:
    """Test set-up only: put a vendor order in a status without going through the services."""
    VendorOrder.objects.filter(pk=vendor_order.pk).update(status=status, **fields)
    vendor_order.refresh_from_db()
    return vendor_order


def vendor_order_completed(vendor_order: VendorOrder, *, at, refunded=0) -> VendorOrder:
    """Take a paid vendor order through every state to 구매 확정, then date it `at` (tests cannot wait a month)."""
    for to in (V.PREPARING, V.SHIPPED, V.DELIVERED, V.COMPLETED):
        vendor_order_transition(vendor_order, to)
    VendorOrder.objects.filter(pk=vendor_order.pk).update(completed_at=at, refunded_amount=refunded)
    vendor_order.refresh_from_db()
    return vendor_order
