"""What several orders test files share besides fixtures (those are in conftest.py)."""
import base64
import hashlib
import json
import re
from html import unescape

from django.core.files.base import ContentFile
from django.urls import reverse

from catalog.models import ProductVariant
from orders.models import PaymentEvent, VendorOrder, VendorOrderStatus
from orders.services.actions import vendor_order_transition
from tests.factories import image_bytes, place_order
from vendors.models import VendorDocument

V = VendorOrderStatus


# --- checkouts racing for the last units (PostgreSQL) -------------------------------------------


def checkouts_at_once(lines_per_cart) -> list[str]:
    """Place one guest order per cart at the same moment, one thread each, and return each outcome:
    "ok", or the sold-out message the buyer would read. `lines_per_cart` is a list of
    [{"variant": …, "quantity": …, "delivery_slot": …}, …], one list per cart."""
    import threading

    from django.db import connections

    from orders.exceptions import OutOfStock
    from orders.models import Cart
    from orders.services.checkout import order_place
    from tests.factories import checkout_data

    carts = []
    for i, lines in enumerate(lines_per_cart):
        cart = Cart.objects.create(session_key=f"race-cart-{i}")
        for line in lines:
            cart.lines.create(**line)
        carts.append(cart)
    results, barrier = [], threading.Barrier(len(carts))

    def buy(cart):
        try:
            barrier.wait()
            order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key=f"race-{cart.pk}")
            results.append("ok")
        except OutOfStock as exc:
            results.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(cart,)) for cart in carts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


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


# --- files -------------------------------------------------------------------------------------


def seal_add(vendor):
    """A seal image among the vendor's documents (a statement shows the newest)."""
    data = image_bytes("PNG", size=(60, 60))
    return VendorDocument.objects.create(
        vendor=vendor, kind="seal", file=ContentFile(data, "seal.png"), original_name="seal.png",
        content_type="image/png", size=len(data), sha256=hashlib.sha256(data).hexdigest())


def csv_bytes(rows, *, encoding="utf-8-sig", header=("주문번호", "택배사", "송장번호")) -> bytes:
    """A CSV file as Excel saves it (CRLF; a BOM unless another encoding is asked for); a shipping file by default."""
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


# --- the shop's pages ---------------------------------------------------------------------------

CART, ADD, CHECKOUT = "/orders/cart/", "/orders/cart/add/", "/orders/checkout/"


def add(client, variant, quantity=1, follow=False):
    """Put a variant in the cart as the product page's form does."""
    return client.post(ADD, {"variant": variant.pk, "quantity": quantity, "product": variant.product_id}, follow=follow)


def html(response) -> str:
    return response.content.decode()


_MESSAGE = re.compile(r'<li class="msg msg-[^"]*">(.*?)</li>', re.S)


def messages_of(response) -> list[str]:
    """The messages as the page shows them (read from the HTML, not from the test client's
    captured context, which threads sharing one process do not reliably get)."""
    return [unescape(m).strip() for m in _MESSAGE.findall(response.content.decode())]


def checkout_form(client) -> dict:
    """The hidden fields of the checkout page as rendered (the idempotency key and the shown total)."""
    page = html(client.get(CHECKOUT))
    key = re.search(r'name="checkout_key" value="([0-9a-f]+)"', page).group(1)
    total = re.search(r'name="expected_total" value="(\d+)"', page).group(1)
    return {"checkout_key": key, "expected_total": total}


def checkout_page_data(client, *, guest=False, **overrides) -> dict:
    """What the buyer posts on the checkout page: its hidden fields and a filled-in form.

    `guest`: an order password instead of the saved-address choice; an override of None leaves a field out.
    """
    data = {
        **checkout_form(client),
        "orderer_name": "김구매", "orderer_phone": "01011112222", "email": "buyer@example.kr",
        "address_choice": "new", "recipient_name": "이받음", "recipient_phone": "010-3333-4444",
        "postal_code": "32244", "address": "충청남도 홍성군 홍성읍 아문길 27", "address_detail": "101동 202호",
        "memo": "문 앞에 놓아 주세요", "payment_method": "bank_transfer",
        "agree_terms": "on", "agree_third_party": "on",
    }
    if guest:
        data.pop("address_choice")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


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
