"""Demo of the vendor's own numbers and the other channels (issue 14), for `manage.py seed_demo`.

- vendor1@ddasum.kr's enterprise gets confirmed (구매 확정) orders this month from buyers in several
  provinces, one of them a business buyer asking for a 세금계산서, placed and taken through the real
  services; with the 2017 history and the public purchases of the procurement demo, its sales report
  (/partner/sales/) has shop, procurement and region figures for this year and for 2017, and the
  세금계산서 waits in the 홈택스 일괄발급 export.
- The 네이버 쇼핑 feed is written (/feeds/naver-ep.tsv), as the hourly task does.

Keyed on the orders' idempotency keys (`demo-channels-…`): a second run creates nothing.
"""
import random

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from campaigns.services.naver_feed import naver_feed_generate
from catalog.models import Product, ProductVariant
from orders.models import Carrier, Cart, Order, PaymentMethod
from orders.services.actions import (
    order_mark_paid,
    vendor_order_complete,
    vendor_order_deliver,
    vendor_order_ship,
    vendor_orders_prepare,
)
from orders.services.cart import cart_line_set
from orders.services.checkout import Checkout, order_place
from procurement.selectors.vendor_sales import vendor_sales_report

from .orders import HISTORY_YEAR
from .vendors import VENDOR1_EMAIL, demo_vendor1

KEY = "demo-channels-"

# (buyer, postal code, address, business number and name for a 세금계산서 or "")
BUYERS = (
    ("consumer1@ddasum.kr", "32244", "충청남도 홍성군 홍성읍 아문길 27", ""),
    ("consumer2@ddasum.kr", "04524", "서울특별시 중구 세종대로 110", ""),
    ("consumer1@ddasum.kr", "48058", "부산광역시 해운대구 해운대해변로 264", ""),
    ("consumer2@ddasum.kr", "35242", "대전광역시 서구 둔산로 100", "따숨상사"),
)
BUSINESS_NUMBER = "123-45-67891"


def seed(*, stdout, rng: random.Random) -> None:
    vendor = demo_vendor1()
    if vendor is None:
        stdout.write("  vendor1의 기업이 없어 매출 보고서 데모를 만들지 않습니다")
    else:
        made = _confirmed_orders(vendor, rng)
        today = vendor_sales_report(vendor=vendor, year=timezone.localdate().year)
        past = vendor_sales_report(vendor=vendor, year=HISTORY_YEAR)
        stdout.write(
            f"  {vendor.name}({VENDOR1_EMAIL}) 매출 보고서 /partner/sales/: 이번 달 구매 확정 주문 {made}건 새로; "
            f"올해 쇼핑몰 {today.year_total.b2c:,}원, 공공구매 {today.year_total.b2g:,}원, "
            f"{HISTORY_YEAR}년 쇼핑몰 {past.year_total.b2c:,}원 (시도 {len(today.by_region)}곳)")
    feed = naver_feed_generate()
    stdout.write(f"  네이버 쇼핑 상품 피드 /feeds/naver-ep.tsv: 상품 {feed.rows}개")


def _confirmed_orders(vendor, rng: random.Random) -> int:
    owner = User.objects.filter(email=VENDOR1_EMAIL).first()
    mine = list(ProductVariant.objects.filter(product__in=Product.objects.on_sale().filter(vendor=vendor),
                                              is_active=True)
                .filter(Q(track_stock=False) | Q(stock__gte=5)).order_by("pk"))
    if owner is None or not mine:
        return 0
    made = 0
    for n, (email, postal_code, address, business_name) in enumerate(BUYERS):
        key = f"{KEY}{n}"
        buyer = User.objects.filter(email=email).first()
        if buyer is None or Order.objects.filter(idempotency_key=key).exists():
            continue
        cart = Cart.objects.create(session_key=key)
        cart_line_set(cart=cart, variant_id=mine[n % len(mine)].pk, quantity=1 + n % 2)
        checkout = Checkout(
            email=buyer.email, orderer_name=buyer.name, orderer_phone="010-2345-6789", recipient_name=buyer.name,
            recipient_phone="010-2345-6789", postal_code=postal_code, address=address, address_detail="1층",
            payment_method=PaymentMethod.CARD, business_number=BUSINESS_NUMBER if business_name else "",
            business_name=business_name,
        )
        order = order_place(cart=cart, buyer=buyer, checkout=checkout, idempotency_key=key)
        cart.delete()
        order_mark_paid(order_id=order.pk, reason="데모: 결제 확인")
        vo = order.vendor_orders.get(vendor=vendor)
        vendor_orders_prepare(vendor_order_ids=[vo.pk], actor=owner)
        vendor_order_ship(vendor_order_id=vo.pk, carrier=Carrier.CJ, tracking_number=f"{rng.randint(10**11, 10**12 - 1)}",
                          actor=owner)
        vendor_order_deliver(vendor_order_id=vo.pk, actor=owner)
        vendor_order_complete(vendor_order_id=vo.pk, actor=buyer)
        made += 1
    return made
