"""Demo orders for `manage.py seed_demo`: the mall's 2017 sales, to the won, and a few live orders.

History: the year 2017 itself, so the sales report for 2017 reads exactly like the mall's
own table in PRODUCT.md (Jan 11,873,500 … Dec 1,212,500; total 40,449,030). A fixed
year never meets the live orders of today and stays the same whenever the seed runs.
Each month gets orders of the demo catalog's products with realistic quantities — the
campaign months (설, 가족의 달, 건강식품, 추석, 김장, 성탄) lean on their campaign's products —
until the month is nearly full; the month's last order then absorbs the remainder (one
line at the price that makes the month exact). Revenue is the report's: totals of the
orders paid in the month minus their refunds; the few orders cancelled after payment
are refunded in full and add nothing. Every order is paid, shipped, delivered and
confirmed (completed), with its status events and payment row, and every month from
January 2017 is settled and paid.

History rows are written directly (bulk inserts; no stock is taken for the past), but
they are consistent: lines add up to their vendor order, vendor orders to the order.

Live: consumer1 has an order with vendor1's enterprise (vendor1@ddasum.kr owns the first
approved vendor) in each state — waiting for the deposit, paid, preparing, shipped,
delivered — placed through the real cart and `order_place`, so they take real stock.

Payments through the PG (no network: the PG's answers are the documented shapes, applied by the
same services the webhook and the success URL use): a virtual account waiting for its deposit, a
card order paid through the window, and a bank-transfer order with its 현금영수증 issued.

After-sales (per line, through the claim services; bank transfer, so the refunds are the operator's
to send and mark done — no network): an order with one line cancelled before shipping and refunded,
a return in progress (accepted, pick-up tracking given), and a return completed with the buyer's
return fee deducted.

Keyed on the orders' idempotency keys (`demo-2017-…`, `demo-live-…`): a second run
creates nothing.
"""
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from catalog.models import Product, ProductKind, ProductStatus, ProductVariant, TaxType
from catalog.shipping import shipping_fee
from ddasum.numbering import daily_number
from orders.models import (
    Carrier,
    Cart,
    CashReceipt,
    CashReceiptStatus,
    CashReceiptType,
    ClaimReason,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Settlement,
    SettlementStatus,
    StatusEvent,
    VendorOrder,
    VendorOrderStatus,
)
from orders.services.actions import order_mark_paid, vendor_order_deliver, vendor_order_ship, vendor_orders_prepare
from orders.services.cart import cart_line_set
from orders.services.checkout import Checkout, order_place
from orders.services.claims import claim_accept, claim_collect
from orders.services.confirmations import payment_deposit_confirm, payment_pg_sync, virtual_account_issued
from orders.services.guest_access import guest_access_path
from orders.services.payments import payment_start, refund_account_set
from orders.services.refunds import claim_refund_manual_done
from orders.services.returns import claim_cancel, claim_return_refund, claim_return_request
from orders.services.settlements import month_period, settlements_build_period
from vendors.models import Vendor

from .accounts import OPERATOR_EMAIL
from .vendors import VENDOR1_EMAIL, demo_vendor1

V = VendorOrderStatus
HISTORY_YEAR = 2017
# PRODUCT.md: the mall's monthly revenue in 2017, in won.
MONTHLY_REVENUE = {
    1: 11_873_500, 2: 702_000, 3: 495_100, 4: 2_907_630, 5: 936_500, 6: 3_169_600,
    7: 514_000, 8: 786_600, 9: 13_562_100, 10: 982_000, 11: 3_307_500, 12: 1_212_500,
}
# The month's campaign and the words of the products it sells (in the product's name or category slug).
CAMPAIGNS = {
    1: ("설맞이 판매전", ("선물세트", "한과", "홍삼", "한우", "조미김", "떡국떡", "꽃게", "호두", "꿀")),
    4: ("가족의 달 기획전", ("홍삼", "한과", "꿀", "아로니아", "체험", "머그", "양갱", "비누")),
    6: ("건강식품 기획전", ("health-food", "아로니아", "홍삼", "즙", "꿀", "수삼")),
    9: ("추석 판매전", ("선물세트", "한과", "홍삼", "한우", "조미김", "꿀사과", "꽃게", "알밤", "호두")),
    11: ("김장 절임배추 판매", ("절임배추", "김치", "고추장", "된장", "조청")),
    12: ("성탄 기획전", ("딸기", "비누", "머그", "한과", "쌀빵", "양갱", "장바구니")),
}
HISTORY_KEY = f"demo-{HISTORY_YEAR}-"
LIVE_KEY = "demo-live-"
GUEST_KEY = "demo-guest-order"
GUEST_EMAIL = "guest@ddasum.kr"
RESERVE = 12_000  # what is left for the month's last order at least
GUEST_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GUEST_GIVEN = ("민준", "서연", "지훈", "하은", "도윤", "수빈", "예준", "지민", "현우", "유진", "성민", "은지",
               "영희", "정호", "미경", "상철", "순자", "경수", "혜진", "동현")
ADDRESSES = (
    ("32244", "충청남도 홍성군 홍성읍 아문길 27"), ("31116", "충청남도 천안시 동남구 만남로 43"),
    ("32560", "충청남도 공주시 봉황로 1"), ("31538", "충청남도 아산시 시민로 456"),
    ("32942", "충청남도 논산시 시민로 270"), ("35242", "대전광역시 서구 둔산로 100"),
    ("04524", "서울특별시 중구 세종대로 110"), ("32409", "충청남도 예산군 예산읍 군청로 1"),
    ("31776", "충청남도 당진시 시청1로 1"), ("33140", "충청남도 서천군 서천읍 군청로 57"),
    ("30151", "세종특별자치시 한누리대로 2130"), ("32200", "충청남도 홍성군 홍북읍 충남대로 21"),
)


@dataclass
class Item:
    variant: ProductVariant
    product: Product
    vendor: Vendor


@dataclass
class LineSpec:
    item: Item
    quantity: int
    unit_price: int

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price


@dataclass
class GroupSpec:
    vendor: Vendor
    lines: list[LineSpec] = field(default_factory=list)
    shipping: int = 0

    @property
    def items_total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def total(self) -> int:
        return self.items_total + self.shipping


@dataclass
class OrderSpec:
    groups: list[GroupSpec]
    postal_code: str
    address: str
    cancelled: bool = False  # refunded in full after payment (adds nothing to revenue)
    paid_at: datetime | None = None

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)


def seed(*, stdout, rng: random.Random) -> None:
    items = _items()
    if not items:
        stdout.write("  판매한 적 있는 상품이 없어 주문을 만들지 않습니다")
        return
    made = _history(items, rng) if not Order.objects.filter(idempotency_key__startswith=HISTORY_KEY).exists() else 0
    history = Order.objects.filter(idempotency_key__startswith=HISTORY_KEY)
    stdout.write(f"  {HISTORY_YEAR}년 주문 {history.count()}건 (새로 {made}건): 월별 매출이 PRODUCT.md의 표와 같습니다 "
                 f"(합계 {sum(MONTHLY_REVENUE.values()):,}원)")
    settled = Settlement.objects.filter(period_start__year__in=[HISTORY_YEAR, HISTORY_YEAR + 1]).count()
    stdout.write(f"  {HISTORY_YEAR}년 정산 {settled}건 (지급 완료)")
    live = _live(rng)
    stdout.write(f"  consumer1@ddasum.kr의 진행 중 주문 {live}건 (새로): 결제 대기, 결제 완료, 상품 준비 중, 배송 중, 배송 완료")
    pg = _live_payments()
    stdout.write(f"  PG 결제 데모 주문 {pg}건 (새로): 가상계좌 입금 대기, 카드 결제 완료, 현금영수증 발급")
    claims = _live_claims(rng)
    stdout.write(f"  취소·반품 데모 주문 {claims}건 (새로): 상품별 부분 취소, 반품 진행 중, 반품 완료(배송비 차감)")
    guest = _guest_order()
    if guest is not None:
        stdout.write(f"  비회원 주문 {guest.number} ({GUEST_EMAIL}, 비밀번호 없음): 메일로 보낸 주문 조회 링크 "
                     f"{guest_access_path(guest)}")


# --- history -----------------------------------------------------------------------------------


def _items() -> list[Item]:
    variants = (
        ProductVariant.objects.filter(is_active=True, product__status__in=[ProductStatus.ON_SALE, ProductStatus.HIDDEN])
        .select_related("product__vendor__shipping_policy", "product__category").order_by("pk")
    )
    return [Item(v, v.product, v.product.vendor) for v in variants]


def _fits(item: Item, words) -> bool:
    return any(w in item.product.name or w == item.product.category.slug for w in words)


def _quantity(rng: random.Random, item: Item, campaign: bool) -> int:
    price = item.variant.price
    if item.product.kind == ProductKind.SERVICE:
        return 1 if price > 30_000 else rng.choice((1, 1, 2, 4))
    if campaign and price <= 60_000 and rng.random() < 0.03:
        return rng.randint(5, 12)  # a company's or a church's gift order
    return rng.choices((1, 2, 3, 4), weights=(70, 20, 6, 4))[0]


def _fee(vendor: Vendor, lines: list[LineSpec], postal_code: str) -> int:
    if not any(line.item.product.kind == ProductKind.GOODS for line in lines):
        return 0
    policy = getattr(vendor, "shipping_policy", None)
    return shipping_fee(policy, items_total=sum(line.total for line in lines), postal_code=postal_code).total


def _draw_order(rng: random.Random, month: int, pools) -> OrderSpec:
    campaign_pool, everyday_pool = pools
    postal_code, address = rng.choice(ADDRESSES)
    by_vendor: dict[int, GroupSpec] = {}
    n_lines = rng.choices((1, 2, 3), weights=(62, 28, 10))[0]
    first_vendor = None
    for _n in range(n_lines):
        campaign = bool(campaign_pool) and rng.random() < 0.75
        pool = campaign_pool if campaign else everyday_pool
        if first_vendor is not None and rng.random() < 0.7:
            # A second line mostly comes from the same enterprise (one parcel).
            same = [i for i in pool if i.vendor.pk == first_vendor] or [i for i in everyday_pool if i.vendor.pk == first_vendor]
            pool = same or pool
        item = rng.choice(pool)
        first_vendor = first_vendor or item.vendor.pk
        group = by_vendor.setdefault(item.vendor.pk, GroupSpec(item.vendor))
        if any(line.item.variant.pk == item.variant.pk for line in group.lines):
            continue
        group.lines.append(LineSpec(item, _quantity(rng, item, campaign), item.variant.price))
    groups = list(by_vendor.values())
    for g in groups:
        g.shipping = _fee(g.vendor, g.lines, postal_code)
    return OrderSpec(groups=groups, postal_code=postal_code, address=address)


def _remainder_order(rng: random.Random, remainder: int, items: list[Item]) -> OrderSpec:
    """One order of one line whose price makes the month's sum exact (the product closest to it)."""
    postal_code, address = rng.choice(ADDRESSES)
    best = None
    for item in items:
        if item.product.kind != ProductKind.GOODS:
            continue
        policy = getattr(item.vendor, "shipping_policy", None)
        base = policy.base_fee if policy else 0
        free = policy.free_threshold if policy else None
        # The fee that goes with the goods amount it leaves: consistent with the vendor's policy.
        if free is None or remainder - base < free:
            items_total, fee = remainder - base, base
        else:
            items_total, fee = remainder, 0
        if items_total <= 0:
            continue
        quantity = max(1, round(items_total / item.variant.price))
        while quantity > 1 and items_total % quantity:
            quantity -= 1
        unit = items_total // quantity
        distance = abs(unit - item.variant.price) / item.variant.price
        if best is None or distance < best[0]:
            best = (distance, item, quantity, unit, fee)
    _distance, item, quantity, unit, fee = best
    group = GroupSpec(item.vendor, [LineSpec(item, quantity, unit)], shipping=fee)
    return OrderSpec(groups=[group], postal_code=postal_code, address=address)


def _month_orders(rng: random.Random, month: int, items: list[Item]) -> list[OrderSpec]:
    target = MONTHLY_REVENUE[month]
    words = CAMPAIGNS.get(month, (None, ()))[1]
    campaign_pool = [i for i in items if _fits(i, words) and i.variant.price <= 120_000]
    everyday_pool = [i for i in items if i.variant.price <= 60_000] or items
    specs, running, misses = [], 0, 0
    while misses < 40:
        spec = _draw_order(rng, month, (campaign_pool, everyday_pool))
        if running + spec.total <= target - RESERVE:
            specs.append(spec)
            running += spec.total
            misses = 0
        else:
            misses += 1
    last = _remainder_order(rng, target - running, items)
    # Paid moments: spread over the month; the remainder order is the month's last.
    start = timezone.make_aware(datetime(HISTORY_YEAR, month, 1, 0, 0))
    end = timezone.make_aware(datetime(HISTORY_YEAR + (month == 12), month % 12 + 1, 1, 0, 0))
    span = (end - start).total_seconds() - 3 * 3600
    moments = sorted(start + timedelta(seconds=rng.uniform(7 * 3600, span)) for _s in specs)
    for spec, moment in zip(specs, moments, strict=True):
        spec.paid_at = moment
    last.paid_at = end - timedelta(minutes=rng.randint(20, 150))
    # In busy months one or two buyers cancelled after paying: refunded in full, revenue unchanged.
    cancelled = [rng.choice(specs) for _i in range(len(specs) // 60)]
    for spec in cancelled:
        extra = _draw_order(rng, month, (campaign_pool, everyday_pool))
        extra.cancelled = True
        extra.paid_at = spec.paid_at + timedelta(minutes=rng.randint(1, 30))
        specs.append(extra)
    specs.append(last)
    specs.sort(key=lambda s: s.paid_at)
    return specs


def _buyers():
    consumers = list(User.objects.filter(email__startswith="consumer", email__endswith="@ddasum.kr").order_by("email"))
    return consumers


def _history(items: list[Item], rng: random.Random) -> int:
    consumers = _buyers()
    made = 0
    settle_months = []
    for month in range(1, 13):
        specs = _month_orders(rng, month, items)
        made += _write(specs, month, consumers, rng)
        settle_months.append((HISTORY_YEAR, month))
    settle_months.append((HISTORY_YEAR + 1, 1))  # December's last deliveries are confirmed in January
    _settle(settle_months)
    return made


def _person(rng: random.Random, consumers):
    if consumers and rng.random() < 0.25:
        user = rng.choice(consumers)
        return user, user.email, user.name
    name = rng.choice(GUEST_SURNAMES) + rng.choice(GUEST_GIVEN)
    return None, f"guest{rng.randint(1000, 99999)}@example.kr", name


def _phone(rng: random.Random) -> str:
    return f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}"


def _write(specs: list[OrderSpec], month: int, consumers, rng: random.Random) -> int:
    """Write one month's orders with their vendor orders, lines, payments and events (bulk inserts)."""
    orders, vendor_orders, lines, payments, events = [], [], [], [], []
    plans = []
    for i, spec in enumerate(specs):
        paid_at = spec.paid_at
        method = rng.choices((PaymentMethod.CARD, PaymentMethod.BANK_TRANSFER), weights=(55, 45))[0]
        placed_at = paid_at - (timedelta(minutes=rng.randint(1, 6)) if method == PaymentMethod.CARD
                               else timedelta(hours=rng.uniform(1, 40)))
        buyer, email, name = _person(rng, consumers)
        phone = _phone(rng)
        taxable = sum(ln.total for g in spec.groups for ln in g.lines if ln.item.product.tax_type == TaxType.TAXABLE)
        number = daily_number("order", timezone.localdate(placed_at))
        order = Order(
            number=number, buyer=buyer, email=email, orderer_name=name, orderer_phone=phone, recipient_name=name,
            recipient_phone=phone, postal_code=spec.postal_code, address=spec.address,
            payment_method=method, status=OrderStatus.CANCELLED if spec.cancelled else OrderStatus.PAID,
            items_total=sum(g.items_total for g in spec.groups), shipping_total=sum(g.shipping for g in spec.groups),
            total=spec.total, taxable_total=taxable, exempt_total=sum(g.items_total for g in spec.groups) - taxable,
            idempotency_key=f"{HISTORY_KEY}{month:02d}-{i:04d}", placed_at=placed_at,
            expires_at=placed_at + timedelta(days=3), paid_at=paid_at,
            cancelled_at=paid_at + timedelta(hours=rng.uniform(1, 20)) if spec.cancelled else None,
        )
        orders.append(order)
        plans.append((order, spec, buyer))
    Order.objects.bulk_create(orders)
    for order, spec, buyer in plans:
        events.append(StatusEvent(order=order, actor=buyer, to_status=OrderStatus.PENDING_PAYMENT,
                                  created_at=order.placed_at))
        events.append(StatusEvent(order=order, from_status=OrderStatus.PENDING_PAYMENT, to_status=OrderStatus.PAID,
                                  created_at=order.paid_at))
        if spec.cancelled:
            events.append(StatusEvent(order=order, actor=buyer, from_status=OrderStatus.PAID,
                                      to_status=OrderStatus.CANCELLED, reason="단순 변심", created_at=order.cancelled_at))
        payments.append(Payment(
            order=order, method=order.payment_method,
            status=PaymentStatus.CANCELLED if spec.cancelled else PaymentStatus.DONE, amount=order.total,
            cancelled_amount=order.total if spec.cancelled else 0, idempotency_key=f"demo-pay-{order.number}",
            provider_key=f"demo_{order.number}" if order.payment_method == PaymentMethod.CARD else "",
            approved_at=order.paid_at, created_at=order.placed_at,
        ))
        for n, group in enumerate(spec.groups, start=1):
            vo = VendorOrder(
                order=order, vendor=group.vendor, number=f"{order.number}-{n}", items_total=group.items_total,
                shipping_fee=group.shipping, total=group.total, commission_rate=group.vendor.commission_rate,
                paid_at=order.paid_at,
            )
            preparing_at = _timeline(vo, order, spec.cancelled, rng)
            vendor_orders.append((vo, group, preparing_at))
    VendorOrder.objects.bulk_create([vo for vo, _g, _p in vendor_orders])
    for vo, group, preparing_at in vendor_orders:
        for ln in group.lines:
            product = ln.item.product
            lines.append(OrderLine(
                order_id=vo.order_id, vendor_order=vo, variant=ln.item.variant, product_id_snapshot=product.pk,
                product_name=product.name, variant_name=ln.item.variant.name, sku=ln.item.variant.sku,
                unit_price=ln.unit_price, quantity=ln.quantity, line_total=ln.total, tax_type=product.tax_type,
                vendor_name=group.vendor.name,
            ))
        events.extend(_vendor_events(vo, preparing_at))
    OrderLine.objects.bulk_create(lines, batch_size=2000)
    Payment.objects.bulk_create(payments, batch_size=2000)
    StatusEvent.objects.bulk_create(events, batch_size=2000)
    return len(orders)


def _timeline(vo: VendorOrder, order: Order, cancelled: bool, rng: random.Random) -> datetime | None:
    """Stamp the vendor order's way to completion (or its cancellation); returns when it was being prepared."""
    if cancelled:
        vo.status = V.CANCELLED
        vo.cancelled_at = order.cancelled_at
        vo.refunded_amount = vo.total
        return None
    preparing = vo.paid_at + timedelta(hours=rng.uniform(1, 20))
    vo.shipped_at = preparing + timedelta(hours=rng.uniform(4, 40))
    vo.delivered_at = vo.shipped_at + timedelta(hours=rng.uniform(18, 60))
    vo.completed_at = vo.delivered_at + timedelta(days=rng.choice((0, 1, 2, 7)), hours=rng.uniform(0, 6))
    vo.status = V.COMPLETED
    vo.carrier = rng.choice((Carrier.CJ, Carrier.POST, Carrier.LOTTE, Carrier.HANJIN))
    vo.tracking_number = f"{rng.randint(10**11, 10**12 - 1)}"
    return preparing


def _vendor_events(vo: VendorOrder, preparing_at: datetime | None) -> list[StatusEvent]:
    steps = [(V.PENDING_PAYMENT, V.PAID, vo.paid_at)]
    if vo.status == V.CANCELLED:
        steps.append((V.PAID, V.CANCELLED, vo.cancelled_at))
    else:
        steps += [(V.PAID, V.PREPARING, preparing_at), (V.PREPARING, V.SHIPPED, vo.shipped_at),
                  (V.SHIPPED, V.DELIVERED, vo.delivered_at), (V.DELIVERED, V.COMPLETED, vo.completed_at)]
    return [StatusEvent(order_id=vo.order_id, vendor_order=vo, from_status=a, to_status=b, created_at=at)
            for a, b, at in steps]


def _settle(months: list[tuple[int, int]]) -> None:
    """Settle each month of the history and mark it paid on the 10th of the next month (history, no notices)."""
    for year, month in months:
        start, end = month_period(year, month)
        settlements_build_period(period_start=start, period_end=end, notify=False)
        built, paid = end + timedelta(days=1), end + timedelta(days=10)
        Settlement.objects.filter(period_start=start, period_end=end, status=SettlementStatus.CONFIRMED).update(
            status=SettlementStatus.PAID, created_at=timezone.make_aware(datetime(built.year, built.month, built.day, 5)),
            paid_at=timezone.make_aware(datetime(paid.year, paid.month, paid.day, 14)),
        )


# --- live orders for consumer1 and vendor1's enterprise --------------------------------------------

LIVE_STATES = (V.PENDING_PAYMENT, V.PAID, V.PREPARING, V.SHIPPED, V.DELIVERED)


def _live(rng: random.Random) -> int:
    consumer = User.objects.filter(email="consumer1@ddasum.kr").first()
    owner = User.objects.filter(email=VENDOR1_EMAIL).first()
    vendor = demo_vendor1()
    if consumer is None or vendor is None:
        return 0
    on_sale = Product.objects.on_sale()
    mine = list(ProductVariant.objects.filter(product__in=on_sale.filter(vendor=vendor), is_active=True)
                .filter(Q(track_stock=False) | Q(stock__gte=3)).order_by("pk"))
    others = list(ProductVariant.objects.filter(product__in=on_sale.exclude(vendor=vendor), is_active=True,
                                                track_stock=True, stock__gte=3).order_by("pk")[:20])
    if not mine:
        return 0
    postal_code, address = ADDRESSES[0]  # consumer1 lives in Hongseong
    made = 0
    for n, state in enumerate(LIVE_STATES):
        key = f"{LIVE_KEY}{state}"
        if Order.objects.filter(idempotency_key=key).exists():
            continue
        cart = Cart.objects.create(session_key=f"{LIVE_KEY}{state}"[:40])
        cart_line_set(cart=cart, variant_id=mine[n % len(mine)].pk, quantity=1 + (n % 2))
        if state == V.PAID and others:
            cart_line_set(cart=cart, variant_id=rng.choice(others).pk, quantity=1)  # two enterprises, two parcels
        method = PaymentMethod.BANK_TRANSFER if state == V.PENDING_PAYMENT else PaymentMethod.CARD
        checkout = Checkout(
            email=consumer.email, orderer_name=consumer.name, orderer_phone="010-2345-6789",
            recipient_name=consumer.name, recipient_phone="010-2345-6789", postal_code=postal_code,
            address=address, address_detail="101동 1001호", memo="문 앞에 놓아 주세요",
            payment_method=method,
        )
        order = order_place(cart=cart, buyer=consumer, checkout=checkout, idempotency_key=key)
        cart.delete()
        made += 1
        if state == V.PENDING_PAYMENT:
            continue
        order_mark_paid(order_id=order.pk, reason="데모: 결제 확인")
        vo = order.vendor_orders.get(vendor=vendor)
        # The vendor's own steps, through the fulfilment services (events and notices as in real use).
        if state in (V.PREPARING, V.SHIPPED, V.DELIVERED):
            vendor_orders_prepare(vendor_order_ids=[vo.pk], actor=owner)
        if state in (V.SHIPPED, V.DELIVERED):
            vendor_order_ship(vendor_order_id=vo.pk, carrier=Carrier.CJ,
                              tracking_number=f"{rng.randint(10**11, 10**12 - 1)}", actor=owner)
        if state == V.DELIVERED:
            vendor_order_deliver(vendor_order_id=vo.pk, actor=owner)
    return made


def _guest_order() -> Order | None:
    """A guest's bank-transfer order: it opens from the link in the guest's mail (no order password)."""
    existing = Order.objects.filter(idempotency_key=GUEST_KEY).first()
    if existing is not None:
        return existing
    variant = (ProductVariant.objects.filter(product__in=Product.objects.on_sale(), is_active=True)
               .filter(Q(track_stock=False) | Q(stock__gte=3)).order_by("pk").first())
    if variant is None:
        return None
    postal_code, address = ADDRESSES[0]
    cart = Cart.objects.create(session_key=GUEST_KEY)
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    checkout = Checkout(
        email=GUEST_EMAIL, orderer_name="박손님", orderer_phone="010-4567-8901", recipient_name="박손님",
        recipient_phone="010-4567-8901", postal_code=postal_code, address=address, address_detail="2층",
        payment_method=PaymentMethod.BANK_TRANSFER,
    )
    order = order_place(cart=cart, buyer=None, checkout=checkout, idempotency_key=GUEST_KEY)
    cart.delete()
    return order


# --- payments through the PG ----------------------------------------------------------------------

PG_KEYS = ("virtual_account", "card", "cash_receipt")


def _live_payments() -> int:
    consumer = User.objects.filter(email="consumer1@ddasum.kr").first()
    variant = (ProductVariant.objects.filter(product__in=Product.objects.on_sale(), is_active=True)
               .filter(Q(track_stock=False) | Q(stock__gte=3)).order_by("pk").first())
    if consumer is None or variant is None:
        return 0
    postal_code, address = ADDRESSES[0]
    made = 0
    for kind in PG_KEYS:
        key = f"{LIVE_KEY}pg-{kind}"
        if Order.objects.filter(idempotency_key=key).exists():
            continue
        method = {"virtual_account": PaymentMethod.VIRTUAL_ACCOUNT, "card": PaymentMethod.CARD}.get(
            kind, PaymentMethod.BANK_TRANSFER)
        cart = Cart.objects.create(session_key=key[:40])
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
        checkout = Checkout(email=consumer.email, orderer_name=consumer.name, orderer_phone="010-2345-6789",
                            recipient_name=consumer.name, recipient_phone="010-2345-6789", postal_code=postal_code,
                            address=address, address_detail="101동 1001호", payment_method=method)
        order = order_place(cart=cart, buyer=consumer, checkout=checkout, idempotency_key=key)
        cart.delete()
        made += 1
        payment = payment_start(order_id=order.pk)
        if kind == "virtual_account":
            due = timezone.localtime() + timedelta(days=3)
            with transaction.atomic():
                locked = Order.objects.select_for_update().get(pk=order.pk)
                virtual_account_issued(locked, Payment.objects.select_for_update().get(pk=payment.pk), {
                    "paymentKey": f"demo_va_{order.number}", "status": "WAITING_FOR_DEPOSIT",
                    "secret": f"demo_secret_{order.number}",
                    "virtualAccount": {"accountNumber": f"X{order.number.replace('-', '')[-12:]}", "bankCode": "20",
                                       "customerName": consumer.name, "dueDate": due.isoformat()},
                })
        elif kind == "card":
            Payment.objects.filter(pk=payment.pk).update(provider_key=f"demo_card_{order.number}")
            payment_pg_sync(payment_id=payment.pk, source="demo", pg={
                "paymentKey": f"demo_card_{order.number}", "orderId": order.number, "status": "DONE",
                "totalAmount": order.total, "approvedAt": timezone.localtime().isoformat(),
            })
        else:
            payment_deposit_confirm(order_id=order.pk, depositor=consumer.name, source="demo")
            CashReceipt.objects.get_or_create(order=order, defaults={
                "type": CashReceiptType.INCOME, "identity_number": "01023456789", "status": CashReceiptStatus.ISSUED,
                "amount": order.total, "receipt_key": f"demo_rcpt_{order.number}", "issue_number": "238475610",
                "issued_at": timezone.now()})
    return made


# --- after-sales: per-line cancels and returns ------------------------------------------------------

CLAIM_KEYS = ("partial-cancel", "return-open", "return-done")


def _live_claims(rng: random.Random) -> int:
    """Three bank-transfer orders of two of vendor1's products, each taken to an after-sales state."""
    consumer = User.objects.filter(email="consumer1@ddasum.kr").first()
    owner = User.objects.filter(email=VENDOR1_EMAIL).first()
    operator = User.objects.filter(email=OPERATOR_EMAIL).first()
    vendor = demo_vendor1()
    if consumer is None or owner is None or operator is None or vendor is None:
        return 0
    mine = list(ProductVariant.objects.filter(product__in=Product.objects.on_sale().filter(vendor=vendor),
                                              is_active=True)
                .filter(Q(track_stock=False) | Q(stock__gte=5)).order_by("pk")[:2])
    if len(mine) < 2:
        return 0
    postal_code, address = ADDRESSES[0]
    made = 0
    for kind in CLAIM_KEYS:
        key = f"{LIVE_KEY}claim-{kind}"
        if Order.objects.filter(idempotency_key=key).exists():
            continue
        cart = Cart.objects.create(session_key=key[:40])
        for variant in mine:
            cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
        checkout = Checkout(email=consumer.email, orderer_name=consumer.name, orderer_phone="010-2345-6789",
                            recipient_name=consumer.name, recipient_phone="010-2345-6789", postal_code=postal_code,
                            address=address, address_detail="101동 1001호", payment_method=PaymentMethod.BANK_TRANSFER)
        order = order_place(cart=cart, buyer=consumer, checkout=checkout, idempotency_key=key)
        cart.delete()
        made += 1
        payment_start(order_id=order.pk)
        payment_deposit_confirm(order_id=order.pk, depositor=consumer.name, source="demo")
        refund_account_set(order_id=order.pk, bank_code="88", account_number="110234567890", holder_name=consumer.name)
        vo = order.vendor_orders.get(vendor=vendor)
        first, second = vo.lines.order_by("pk")
        if kind == "partial-cancel":
            claim = claim_cancel(vendor_order_id=vo.pk, line_ids=[second.pk], actor=consumer,
                                 reason=ClaimReason.CHANGE_OF_MIND, reason_detail="하나만 먼저 받아 볼게요")
            claim_refund_manual_done(claim_id=claim.pk, actor=operator, note="데모: 환불 계좌로 이체")
            continue
        vendor_orders_prepare(vendor_order_ids=[vo.pk], actor=owner)
        vendor_order_ship(vendor_order_id=vo.pk, carrier=Carrier.CJ,
                          tracking_number=f"{rng.randint(10**11, 10**12 - 1)}", actor=owner)
        vendor_order_deliver(vendor_order_id=vo.pk, actor=owner)
        reason = ClaimReason.DEFECT if kind == "return-open" else ClaimReason.CHANGE_OF_MIND
        claim = claim_return_request(vendor_order_id=vo.pk, line_ids=[first.pk], actor=consumer, reason=reason,
                                     reason_detail="포장이 터져서 왔어요" if kind == "return-open" else "생각보다 양이 많아요")
        claim_accept(claim.pk, owner, pickup_carrier=Carrier.CJ,
                     pickup_tracking_number=f"{rng.randint(10**11, 10**12 - 1)}")
        if kind == "return-done":
            claim_collect(claim.pk, owner)
            claim_return_refund(claim.pk, owner)
            claim_refund_manual_done(claim_id=claim.pk, actor=operator, note="데모: 환불 계좌로 이체")
    return made
