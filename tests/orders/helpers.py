"""What several orders test files share besides fixtures (those are in conftest.py)."""
import base64
import hashlib
import json

from django.core.files.base import ContentFile
from django.urls import reverse

from catalog.models import ProductVariant
from orders.models import PaymentEvent, VendorOrder, VendorOrderStatus
from orders.services.actions import vendor_order_transition
from tests.factories import image_bytes, place_order
from vendors.models import VendorDocument

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


def admin_url(site, name, *args):
    """The URL of a vendor-order admin view on `site`: "admin" (operators) or "partner" (vendors)."""
    return reverse(f"{site}:orders_vendororder_{name}", args=args)


def vo_of(order, vendor):
    """The vendor's part of an order."""
    return order.vendor_orders.get(vendor=vendor)


def seal_add(vendor):
    """A seal image among the vendor's documents (a statement shows the newest)."""
    data = image_bytes("PNG", size=(60, 60))
    return VendorDocument.objects.create(
        vendor=vendor, kind="seal", file=ContentFile(data, "seal.png"), original_name="seal.png",
        content_type="image/png", size=len(data), sha256=hashlib.sha256(data).hexdigest())


# --- files -------------------------------------------------------------------------------------


def csv_bytes(rows, *, encoding="utf-8-sig", header=("주문번호", "택배사", "송장번호")) -> bytes:
    """A CSV file as Excel saves it (CRLF; a BOM unless another encoding is asked for); a shipping file by default."""
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


# --- card payments -----------------------------------------------------------------------------

SECRET = "test_sk_do_not_store_4f9a"  # the gateway fixture's PAYMENT_SECRET_KEY


def success(client, order, key="pk_test_1", amount=None):
    """The buyer's browser back from the gateway's card window: the success URL with its query."""
    return client.get(reverse("orders:pay_card_success"),
                      {"paymentKey": key, "orderId": order.number,
                       "amount": order.total if amount is None else amount})


def stock(variant) -> int:
    return ProductVariant.objects.get(pk=variant.pk).stock


def assert_no_secret_stored():
    secret_b64 = base64.b64encode(f"{SECRET}:".encode()).decode()
    for event in PaymentEvent.objects.all():
        stored = json.dumps([event.request, event.response], ensure_ascii=False)
        assert SECRET not in stored and secret_b64 not in stored and "Authorization" not in stored
