"""Demo: vendor1's paid orders past their shipping day, at each step of the escalation.

Three orders of consumer1 from vendor1's enterprise, paid through the services, then dated back:
one just past its day (the vendor will be reminded by the next run), one whose vendor was
reminded, and one escalated to the operators with the buyer's apology and new date. The partner
dashboard's "발송 기한이 지난 주문" and the operator's notices show them.
"""
import random
from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from catalog.models import Product, ProductVariant
from ddasum.business_days import add_business_days
from orders.models import Cart, Order, PaymentMethod, VendorOrder
from orders.services.actions import order_mark_paid
from orders.services.cart import cart_line_set
from orders.services.checkout import Checkout, order_place
from orders.services.late_shipping import late_buyer_apologise, late_operators_alert, late_vendor_remind

from .vendors import demo_vendor1

LATE_KEY = "demo-late-"
# Business days each order is past its shipping day, and how far the escalation went.
LATE = ((1, "none"), (3, "reminded"), (6, "escalated"))


def _at(day, hour=9, minute=40) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed(*, stdout, rng: random.Random) -> None:
    consumer = User.objects.filter(email="consumer1@ddasum.kr").first()
    vendor = demo_vendor1()
    on_sale = Product.objects.on_sale().filter(vendor=vendor) if vendor else Product.objects.none()
    variant = (ProductVariant.objects.filter(product__in=on_sale, is_active=True)
               .filter(Q(track_stock=False) | Q(stock__gte=3)).order_by("pk").first())
    if consumer is None or variant is None:
        stdout.write("  발송 지연 데모: vendor1의 판매 중 상품이 없어 만들지 않습니다")
        return
    today = timezone.localdate()
    made = 0
    for n, (late_days, step) in enumerate(LATE, start=1):
        key = f"{LATE_KEY}{n}"
        if Order.objects.filter(idempotency_key=key).exists():
            continue
        cart = Cart.objects.create(session_key=key)
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
        checkout = Checkout(
            email=consumer.email, orderer_name=consumer.name, orderer_phone="010-2345-6789",
            recipient_name=consumer.name, recipient_phone="010-2345-6789", postal_code="32244",
            address="충청남도 홍성군 홍성읍 아문길 27", address_detail="101동 1001호", memo="",
            payment_method=PaymentMethod.CARD,
        )
        order = order_place(cart=cart, buyer=consumer, checkout=checkout, idempotency_key=key)
        cart.delete()
        order_mark_paid(order_id=order.pk, reason="데모: 결제 확인")
        vo = order.vendor_orders.get(vendor=vendor)
        # Dated back: paid two business days before a shipping day `late_days` business days ago.
        ship_by = add_business_days(today, -late_days)
        paid_at = _at(add_business_days(ship_by, -2), hour=10 + n)
        Order.objects.filter(pk=order.pk).update(placed_at=paid_at, paid_at=paid_at)
        VendorOrder.objects.filter(pk=vo.pk).update(paid_at=paid_at, ship_by=ship_by)
        vo = VendorOrder.objects.select_related("order__buyer", "vendor").get(pk=vo.pk)
        if step in ("reminded", "escalated"):
            reminded_on = add_business_days(ship_by, 1)
            late_vendor_remind(vo, now=_at(reminded_on))
            if step == "escalated":
                escalated = _at(add_business_days(reminded_on, 1))
                late_operators_alert(vo, now=escalated)
                late_buyer_apologise(vo, now=escalated, shipping_days=2)
        made += 1
    overdue = VendorOrder.objects.filter(order__idempotency_key__startswith=LATE_KEY).count()
    stdout.write(f"  발송 기한이 지난 {vendor.name} 주문 {overdue}건 (새로 {made}건): "
                 "기한 직후, 입점기업 안내, 운영자 알림과 구매자 사과까지")
