"""Demo exchanges (교환) for consumer1@ddasum.kr with vendor1@ddasum.kr's enterprise: one in progress
(a size swapped for a smaller one: accepted, the pick-up on its way, the fee to be enclosed, the difference
to be refunded) and one completed (a damaged box replaced, the replacement delivered with its own
tracking number). Everything goes through the services, as in real use. Idempotent: by order key.
"""
import random

from django.db.models import Q

from accounts.models import User
from catalog.models import Product, ProductVariant
from orders.models import Carrier, Cart, ClaimReason, Order, PaymentMethod
from orders.services.actions import order_mark_paid, vendor_order_deliver, vendor_order_ship, vendor_orders_prepare
from orders.services.cart import cart_line_set
from orders.services.checkout import Checkout, order_place
from orders.services.claims import claim_accept, claim_collect
from orders.services.exchanges import exchange_complete, exchange_request, exchange_reship

from .orders import ADDRESSES
from .vendors import VENDOR1_EMAIL, demo_vendor1

KEY = "demo-exchange-"


def seed(*, stdout, rng: random.Random) -> None:
    made = _seed(rng)
    stdout.write(f"  consumer1@ddasum.kr의 교환 {made}건 (새로): 진행 중(회수 중, 차액 환불 예정), 완료(불량 교환)")


def _seed(rng: random.Random) -> int:
    consumer = User.objects.filter(email="consumer1@ddasum.kr").first()
    owner = User.objects.filter(email=VENDOR1_EMAIL).first()
    vendor = demo_vendor1()
    if consumer is None or owner is None or vendor is None:
        return 0
    variants = list(ProductVariant.objects.filter(product__in=Product.objects.on_sale().filter(vendor=vendor),
                                                  is_active=True)
                    .filter(Q(track_stock=False) | Q(stock__gte=4)).order_by("product_id", "price", "pk"))
    by_product = {}
    for variant in variants:
        by_product.setdefault(variant.product_id, []).append(variant)
    pairs = [options for options in by_product.values() if len(options) >= 2]
    made = 0
    if pairs and not Order.objects.filter(idempotency_key=f"{KEY}progress").exists():
        smaller, larger = pairs[0][0], pairs[0][-1]
        vendor_order = _delivered(consumer, owner, vendor, larger, f"{KEY}progress", rng)
        claim = exchange_request(vendor_order_id=vendor_order.pk, actor=consumer, reason=ClaimReason.OPTION_CHANGE,
                                 detail="생각보다 양이 많아 작은 옵션으로 바꾸고 싶어요.",
                                 lines={vendor_order.lines.get().pk: smaller.pk}, fee_payment="enclosed")
        claim_accept(claim.pk, owner, pickup_carrier=Carrier.CJ,
                     pickup_tracking_number=f"{rng.randint(10**11, 10**12 - 1)}")
        made += 1
    if variants and not Order.objects.filter(idempotency_key=f"{KEY}done").exists():
        variant = variants[-1]
        vendor_order = _delivered(consumer, owner, vendor, variant, f"{KEY}done", rng)
        claim = exchange_request(vendor_order_id=vendor_order.pk, actor=consumer, reason=ClaimReason.DEFECT,
                                 detail="상자가 찌그러져 내용물이 상했습니다.", lines={vendor_order.lines.get().pk: variant.pk})
        claim_accept(claim.pk, owner, pickup_carrier=Carrier.CJ,
                     pickup_tracking_number=f"{rng.randint(10**11, 10**12 - 1)}")
        claim_collect(claim.pk, owner)
        exchange_reship(claim_id=claim.pk, actor=owner, carrier=Carrier.LOTTE,
                        tracking_number=f"{rng.randint(10**11, 10**12 - 1)}")
        exchange_complete(claim_id=claim.pk, actor=owner)
        made += 1
    return made


def _delivered(consumer, owner, vendor, variant, key: str, rng: random.Random):
    """A card order of one variant, paid, shipped and delivered through the fulfilment services."""
    cart = Cart.objects.create(session_key=key[:40])
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    postal_code, address = ADDRESSES[0]
    order = order_place(cart=cart, buyer=consumer, idempotency_key=key, checkout=Checkout(
        email=consumer.email, orderer_name=consumer.name, orderer_phone="010-2345-6789",
        recipient_name=consumer.name, recipient_phone="010-2345-6789", postal_code=postal_code, address=address,
        address_detail="101동 1001호", payment_method=PaymentMethod.CARD))
    cart.delete()
    order_mark_paid(order_id=order.pk, reason="데모: 결제 확인")
    vendor_order = order.vendor_orders.get(vendor=vendor)
    vendor_orders_prepare(vendor_order_ids=[vendor_order.pk], actor=owner)
    vendor_order_ship(vendor_order_id=vendor_order.pk, carrier=Carrier.CJ,
                      tracking_number=f"{rng.randint(10**11, 10**12 - 1)}", actor=owner)
    vendor_order_deliver(vendor_order_id=vendor_order.pk, actor=owner)
    vendor_order.refresh_from_db()
    return vendor_order
