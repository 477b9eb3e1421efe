"""Demo vendor performance and exit rules: every vendor's numbers, a warned vendor, one suggestion.

Runs last (in the reviews step), after every record the numbers read. The demo's vendor
(vendor1@ddasum.kr) sold a few orders to the demo consumers over the last three months and
shipped most of them late: the operator warned it, and the thresholds now suggest a
suspension, waiting in the operator's list (/admin/vendors/exitsuggestion/). The recent orders
are written like the orders demo's history (bulk rows, consistent totals, a payment and the
status events each), left delivered. Keyed on `demo-recent-…`: a second run creates nothing.
"""
import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from catalog.models import Product, TaxType
from ddasum.numbering import daily_number
from orders.models import (
    Carrier,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    StatusEvent,
    VendorOrder,
    VendorOrderStatus,
)
from vendors.models import ExitSuggestion, SanctionKind, VendorPerformance, VendorSanction
from vendors.performance import vendor_performance_refresh

from .vendors import demo_vendor1

V = VendorOrderStatus
RECENT_KEY = "demo-recent-"
RECENT_ORDERS = 9
WARNING_REASON = "최근 주문의 발송이 약속한 기한(결제 후 2일)을 자주 넘깁니다. 발송 일정을 점검해 주세요."


def _recent_orders(vendor, rng: random.Random) -> int:
    """RECENT_ORDERS delivered orders of the vendor paid over the last ~70 days; two of three shipped 4 days late."""
    if Order.objects.filter(idempotency_key__startswith=RECENT_KEY).exists():
        return 0
    consumers = list(User.objects.filter(email__startswith="consumer", email__endswith="@ddasum.kr").order_by("email"))
    product = Product.objects.on_sale().filter(vendor=vendor).order_by("pk").first()
    variant = product and product.variants.filter(is_active=True).order_by("pk").first()
    if not (consumers and variant):
        return 0
    now = timezone.now()
    made = 0
    for i in range(RECENT_ORDERS):
        buyer = consumers[i % len(consumers)]
        paid_at = now - timedelta(days=12 + 7 * i, hours=rng.uniform(0, 8))
        placed_at = paid_at - timedelta(minutes=rng.randint(1, 6))
        total = variant.price
        taxable = total if product.tax_type == TaxType.TAXABLE else 0
        order = Order.objects.create(
            number=daily_number("order", timezone.localdate(placed_at)), buyer=buyer, email=buyer.email,
            orderer_name=buyer.name, orderer_phone="010-2000-0000", recipient_name=buyer.name,
            recipient_phone="010-2000-0000", postal_code="32244", address="충청남도 홍성군 홍성읍 아문길 27",
            payment_method=PaymentMethod.CARD, status=OrderStatus.PAID, items_total=total, shipping_total=0,
            total=total, taxable_total=taxable, exempt_total=total - taxable, idempotency_key=f"{RECENT_KEY}{i:02d}",
            placed_at=placed_at, expires_at=placed_at + timedelta(days=3), paid_at=paid_at,
        )
        late = i % 3 != 0
        shipped_at = paid_at + timedelta(days=4 if late else 1, hours=rng.uniform(0, 4))
        delivered_at = shipped_at + timedelta(hours=rng.uniform(18, 48))
        vo = VendorOrder.objects.create(
            order=order, vendor=vendor, number=f"{order.number}-1", status=V.DELIVERED, items_total=total,
            shipping_fee=0, total=total, commission_rate=vendor.commission_rate, paid_at=paid_at,
            shipped_at=shipped_at, delivered_at=delivered_at, carrier=Carrier.CJ,
            tracking_number=f"{rng.randint(10**11, 10**12 - 1)}",
        )
        OrderLine.objects.create(
            order=order, vendor_order=vo, variant=variant, product_id_snapshot=product.pk, product_name=product.name,
            variant_name=variant.name, sku=variant.sku, unit_price=total, quantity=1, line_total=total,
            tax_type=product.tax_type, vendor_name=vendor.name,
        )
        Payment.objects.create(order=order, method=order.payment_method, status=PaymentStatus.DONE, amount=total,
                               idempotency_key=f"demo-pay-{order.number}", provider_key=f"demo_{order.number}",
                               approved_at=paid_at, created_at=placed_at)
        preparing_at = paid_at + timedelta(hours=rng.uniform(2, 12))
        StatusEvent.objects.bulk_create([
            StatusEvent(order=order, actor=buyer, to_status=OrderStatus.PENDING_PAYMENT, created_at=placed_at),
            StatusEvent(order=order, from_status=OrderStatus.PENDING_PAYMENT, to_status=OrderStatus.PAID,
                        created_at=paid_at),
            *[StatusEvent(order=order, vendor_order=vo, from_status=a, to_status=b, created_at=at) for a, b, at in (
                (V.PENDING_PAYMENT, V.PAID, paid_at), (V.PAID, V.PREPARING, preparing_at),
                (V.PREPARING, V.SHIPPED, shipped_at), (V.SHIPPED, V.DELIVERED, delivered_at))],
        ])
        made += 1
    return made


def seed(*, stdout, rng: random.Random) -> None:
    vendor = demo_vendor1()
    operator = User.objects.filter(is_staff=True).order_by("pk").first()
    if vendor is None or operator is None:
        stdout.write("  데모 입점기업이 없어 성과를 만들지 않습니다")
        return
    made = _recent_orders(vendor, rng)
    if not VendorSanction.objects.filter(vendor=vendor, kind=SanctionKind.WARNING).exists():
        VendorSanction.objects.create(vendor=vendor, kind=SanctionKind.WARNING, reason=WARNING_REASON, actor=operator,
                                      created_at=timezone.now() - timedelta(days=rng.randint(5, 9)))
    result = vendor_performance_refresh()
    stdout.write(f"  입점기업 성과 {VendorPerformance.objects.count()}줄 (최근 주문 새로 {made}건), "
                 f"경고 {VendorSanction.objects.filter(kind=SanctionKind.WARNING).count()}건, "
                 f"처리 대기 제안 {ExitSuggestion.objects.filter(closed_at__isnull=True).count()}건 "
                 f"(새로 {result.suggestions}건)")
