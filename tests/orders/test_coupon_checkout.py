"""Coupons at checkout: the page, the order's discount and its division, VAT, refunds, releases, settlements."""
import threading
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from campaigns.exceptions import CouponRefused
from campaigns.models import Coupon, CouponScope, CouponUse, FundedBy
from campaigns.services.coupons import coupon_choose
from catalog.models import ShippingPolicy
from ddasum.money import EXEMPT, TAXABLE
from orders.models import Cart, Order, OrderStatus, PaymentEvent, VendorOrder, VendorOrderStatus
from orders.services import settlements as service
from orders.services.actions import order_expire, order_mark_paid, vendor_order_cancel
from orders.services.cart import cart_line_set
from orders.services.checkout import order_place
from orders.services.documents import statement_facts
from orders.services.payments import payment_start
from orders.services.settlements import previous_month, settlement_build, settlement_csv
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory, CouponFactory
from tests.factories import ProductFactory, VendorFactory, checkout_data

from .helpers import CART, CHECKOUT, add, checkout_page_data, html, messages_of, vendor_order_completed

pytestmark = pytest.mark.django_db
V = VendorOrderStatus


def variant(price, *, vendor=None, stock=50, exempt=False):
    product = ProductFactory(vendor=vendor or VendorFactory(), variants=[{"name": "기본", "price": price, "stock": stock}])
    if exempt:
        product.tax_type = "exempt"
        product.save(update_fields=["tax_type"])
    return product.variants.get()


def cart_of(*items) -> Cart:
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for v, quantity in items:
        cart_line_set(cart=cart, variant_id=v.pk, quantity=quantity)
    return cart


def place(*items, code="", buyer=None, **kw) -> Order:
    return order_place(cart=cart_of(*items), buyer=buyer, checkout=checkout_data(coupon_code=code, **kw),
                       idempotency_key=uuid.uuid4().hex)


# --- the checkout page ------------------------------------------------------------------------------


def test_apply_shows_the_discount_and_the_order_is_placed_with_it(client, user):
    CouponFactory(name="가을 감사 쿠폰", code="FALL3000", amount=3000, min_order_amount=20000)
    client.force_login(user)
    add(client, variant(25000), 1)
    data = checkout_page_data(client)
    assert data["expected_total"] == "25000"
    response = client.post(CHECKOUT, {**data, "coupon_code": "fall3000", "apply_coupon": "1"})
    page = html(response)
    assert response.status_code == 200 and not Order.objects.exists()
    assert "'가을 감사 쿠폰' 쿠폰으로 3,000원 할인됩니다." in page
    assert 'data-testid="discount-total">-3,000원' in page and 'name="expected_total" value="22000"' in page
    assert 'value="fall3000"' in page and 'value="101동 202호"' in page  # what was typed stays
    response = client.post(CHECKOUT, {**data, "coupon_code": "fall3000", "expected_total": "22000"})
    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.items_total, order.discount_total, order.total, order.coupon_code) == (25000, 3000, 22000,
                                                                                        "FALL3000")
    assert order.coupon.used_count == 1
    assert CouponUse.objects.get(coupon=order.coupon, customer=f"u{user.pk}").count == 1
    page = html(client.get(order.get_absolute_url()))
    assert 'data-testid="order-discount">-3,000원' in page and "가을 감사 쿠폰" in page


@pytest.mark.parametrize("coupon, reason", [
    ({"min_order_amount": 30000}, "최소 주문 금액 30,000원 이상일 때 사용할 수 있습니다."),
    ({"total_limit": 3, "used_count": 3}, "선착순 수량이 모두 소진되었습니다."),
    ({"starts_at": timezone.now() - timedelta(days=9), "ends_at": timezone.now() - timedelta(days=1)},
     "만료된 쿠폰입니다."),
    ({"starts_at": timezone.now() + timedelta(days=1), "ends_at": timezone.now() + timedelta(days=9)},
     "쿠폰 사용 기간이 아닙니다."),
    ({"scope": CouponScope.VENDOR}, "적용 대상 상품이 없습니다."),
])
def test_a_refused_code_says_why_next_to_the_field_and_nothing_is_ordered(client, coupon, reason):
    if coupon.get("scope") == CouponScope.VENDOR:
        coupon["vendor"] = VendorFactory()
    CouponFactory(code="TRYME", **coupon)
    add(client, variant(25000), 1)
    data = checkout_page_data(client, guest=True, coupon_code="TRYME")
    page = html(client.post(CHECKOUT, {**data, "apply_coupon": "1"}))
    refused = page.split('data-testid="coupon-refused">')[1].split("</p>")[0]
    assert refused == reason
    assert 'name="expected_total" value="25000"' in page
    response = client.post(CHECKOUT, data)  # ordering with the refused code: refused too, with the reason
    assert response.status_code == 200 and not Order.objects.exists()
    assert any(reason in m for m in messages_of(response))


def test_a_code_already_used_by_this_customer(client, user):
    coupon = CouponFactory(code="ONCE", per_user_limit=1)
    place((variant(20000), 1), code="ONCE", buyer=user, email=user.email)
    client.force_login(user)
    add(client, variant(20000), 1)
    page = html(client.post(CHECKOUT, {**checkout_page_data(client), "coupon_code": "ONCE", "apply_coupon": "1"}))
    assert 'data-testid="coupon-refused">이미 사용한 쿠폰입니다.' in page
    coupon.refresh_from_db()
    assert coupon.used_count == 1


def test_the_automatic_coupon_is_shown_applied_on_the_cart_and_the_checkout(client):
    CouponFactory(code=None, name="첫 구매 자동 할인", amount=2000)
    add(client, variant(15000), 1)
    page = html(client.get(CART))
    assert 'data-testid="discount-total">-2,000원' in page and "첫 구매 자동 할인" in page
    page = html(client.get(CHECKOUT))
    assert "자동 적용 쿠폰 '첫 구매 자동 할인'으로 2,000원 할인됩니다." in page
    client.post(CHECKOUT, checkout_page_data(client, guest=True))
    order = Order.objects.get()
    assert order.discount_total == 2000 and order.total == 13000 and order.coupon.name == "첫 구매 자동 할인"
    assert order.coupon_code == ""


def test_a_larger_automatic_coupon_beats_a_smaller_code():
    CouponFactory(code=None, amount=5000)
    CouponFactory(code="SMALL", amount=1000)
    order = place((variant(30000), 1), code="SMALL")
    assert order.discount_total == 5000 and order.coupon.code is None


def test_a_coupon_used_up_at_the_last_moment_refuses_the_order(monkeypatch):
    CouponFactory(code="LAST", total_limit=1)
    monkeypatch.setattr("orders.services.checkout.coupon_redeem", lambda **kw: "선착순 수량이 모두 소진되었습니다.")
    with pytest.raises(CouponRefused) as exc:
        place((variant(30000), 1), code="LAST")
    assert "선착순 수량이 모두 소진되었습니다." in exc.value.message and not Order.objects.exists()


# --- the discount's division, VAT, payment ------------------------------------------------------------


def test_the_discount_is_divided_among_vendors_and_lines_exactly_and_lowers_vat():
    a, b = VendorFactory(), VendorFactory()
    ShippingPolicy.objects.create(vendor=a, base_fee=3000)
    rice = variant(10001, vendor=a, exempt=True)
    soap = variant(20000, vendor=a)
    honey = variant(30000, vendor=b)
    CouponFactory(code="TEN", discount_kind="percent", amount=None, percent=10, max_discount=100000)
    order = place((rice, 1), (soap, 1), (honey, 1), code="TEN")
    assert order.items_total == 60001 and order.discount_total == 6000
    vos = {vo.vendor_id: vo for vo in order.vendor_orders.all()}
    assert vos[a.pk].discount + vos[b.pk].discount == 6000
    assert (vos[a.pk].discount, vos[b.pk].discount) == (3000, 3000)  # 30,001 : 30,000, largest remainder
    for vo in vos.values():
        assert sum(vo.lines.values_list("discount", flat=True)) == vo.discount
        assert vo.vendor_discount == 0  # operator-funded
    rice_line = order.lines.get(variant=rice)
    assert rice_line.discount == 1000  # 3,000 × 10,001 / 30,001 → 1,000.03
    assert order.exempt_total == 10001 - 1000
    assert order.taxable_total == 20000 + 30000 - 5000
    assert order.taxable_total + order.exempt_total + order.shipping_total == order.total == 60001 + 3000 - 6000
    payment = payment_start(order_id=order.pk)
    assert payment.amount == order.total
    facts = statement_facts(order, None)  # the receipt: what was paid, split on the discounted amounts
    assert facts["total"] == order.total
    taxes = {row["tax_type"]: row["total"] for row in facts["tax"]}
    assert taxes[EXEMPT] == order.exempt_total and taxes[TAXABLE] == order.taxable_total + order.shipping_total
    from ddasum.pdf import weasyprint_missing

    if not weasyprint_missing():
        import io

        from pypdf import PdfReader

        from orders.services.documents import document_make

        order_mark_paid(order_id=order.pk)
        document = document_make(order_id=order.pk, kind="receipt")
        with document.file.open("rb") as f:
            text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(f.read())).pages)
        assert "쿠폰 할인" in text and "-3,000" in text and f"{order.total:,}" in text


def test_scope_limits_the_discount_to_eligible_lines_and_vendors():
    campaign = CampaignFactory()
    on_sale = variant(20000)
    CampaignItemFactory(campaign=campaign, product=on_sale.product, percent_off=50)  # 10,000원
    other = variant(40000)
    CouponFactory(code="CAMP", scope=CouponScope.CAMPAIGN, campaign=campaign, discount_kind="percent", amount=None,
                  percent=20)
    order = place((on_sale, 1), (other, 1), code="CAMP")
    assert order.discount_total == 2000  # 20% of the campaign line only (at its campaign price)
    assert order.lines.get(variant=other).discount == 0
    assert order.vendor_orders.get(vendor=other.product.vendor).discount == 0


def test_vendor_funded_coupon_records_what_the_vendor_pays():
    vendor = VendorFactory()
    CouponFactory(code="VENDOR5", amount=5000, funded_by=FundedBy.VENDOR, scope=CouponScope.VENDOR, vendor=vendor)
    order = place((variant(40000, vendor=vendor), 1), (variant(10000), 1), code="VENDOR5")
    vo = order.vendor_orders.get(vendor=vendor)
    assert (vo.discount, vo.vendor_discount) == (5000, 5000)
    assert order.vendor_orders.exclude(vendor=vendor).get().discount == 0


# --- refunds and releases --------------------------------------------------------------------------------


def test_cancelling_refunds_what_was_paid_and_the_whole_order_gives_the_coupon_back(user):
    coupon = CouponFactory(code="HALF", amount=4000, total_limit=5, per_user_limit=1)
    a, b = variant(30000), variant(10000)
    order = place((a, 1), (b, 1), code="HALF", buyer=user, email=user.email)
    order_mark_paid(order_id=order.pk)
    first = order.vendor_orders.get(vendor=a.product.vendor)
    assert first.discount == 3000
    vendor_order_cancel(vendor_order_id=first.pk, actor=user)
    first.refresh_from_db()
    assert first.refunded_amount == 30000 - 3000
    refund = PaymentEvent.objects.filter(payment__order=order, kind="refund_due").order_by("pk").last()
    assert refund.request["amount"] == 27000
    coupon.refresh_from_db()
    assert coupon.used_count == 1  # part of the order goes on: the coupon stays used
    second = order.vendor_orders.get(vendor=b.product.vendor)
    vendor_order_cancel(vendor_order_id=second.pk, actor=user)
    second.refresh_from_db()
    assert second.refunded_amount == 10000 - 1000
    order.refresh_from_db()
    coupon.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.coupon_released
    assert coupon.used_count == 0 and CouponUse.objects.get(coupon=coupon).count == 0
    assert first.refunded_amount + second.refunded_amount == order.total


def test_expiry_gives_the_coupon_back_once():
    coupon = CouponFactory(code="EXP", total_limit=1)
    order = place((variant(20000), 1), code="EXP")
    coupon.refresh_from_db()
    assert coupon.used_count == 1
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now())
    order_expire(order_id=order.pk)
    coupon.refresh_from_db()
    assert coupon.used_count == 0
    assert order_expire(order_id=order.pk) is None
    coupon.refresh_from_db()
    assert coupon.used_count == 0
    assert place((variant(20000), 1), code="EXP").discount_total == 3000  # usable again


# --- settlements -------------------------------------------------------------------------------------------


def _completed(order: Order, vendor, at) -> VendorOrder:
    order_mark_paid(order_id=order.pk)
    return vendor_order_completed(order.vendor_orders.get(vendor=vendor), at=at)


@pytest.mark.parametrize("funded_by", [FundedBy.OPERATOR, FundedBy.VENDOR])
def test_settlement_of_operator_and_vendor_funded_coupons(funded_by):
    start, end = previous_month()
    at = timezone.make_aware(datetime(start.year, start.month, 10, 12))
    vendor = VendorFactory(commission_rate=Decimal("10"))
    CouponFactory(code="SET", amount=5000, funded_by=funded_by)
    order = place((variant(50000, vendor=vendor), 1), code="SET")
    assert order.total == 45000
    vo = _completed(order, vendor, at)
    s = settlement_build(vendor_id=vendor.pk, period_start=start, period_end=end)
    line = s.lines.get()
    if funded_by == FundedBy.OPERATOR:
        # The operator's promotion: the vendor is paid as if the buyer paid 50,000원.
        assert (s.commission_total, s.discount_total, s.payout) == (5000, 0, 45000)
        assert service.csv_header(s) == service.CSV_HEADER
    else:
        # The vendor's own discount: commission on the 45,000원 sold for, and the discount off the payout.
        assert (s.commission_total, s.discount_total, s.payout) == (4500, 5000, 50000 - 4500 - 5000)
        rows = [r.split(",") for r in settlement_csv(s).decode("utf-8-sig").strip().splitlines()]
        header = rows.index(list(service.csv_header(s)))
        assert "입점기업 부담 할인" in rows[header]
        assert rows[header + 1][3:] == ["50000", "0", "0", "10.00", "4500", "5000", "40500"]
        assert rows[-1][-2:] == ["5000", "40500"]
        facts = service.settlement_facts(s)
        assert facts["settlement"]["discount_total"] == 5000 and facts["lines"][0]["vendor_discount"] == 5000
        from ddasum.pdf import weasyprint_missing

        if not weasyprint_missing():
            import io

            from pypdf import PdfReader

            document = service.settlement_pdf_make(settlement_id=s.pk)
            with document.file.open("rb") as f:
                text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(f.read())).pages)
            assert "입점기업 부담 할인" in text and "40,500" in text
    assert (line.vendor_discount, line.payout) == (vo.vendor_discount, s.payout)
    assert sum(s.lines.values_list("payout", flat=True)) == s.payout


# --- concurrency (PostgreSQL) --------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_checkouts_never_use_a_coupon_past_its_limit():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    from django.db import connections

    coupon = CouponFactory(code="FIRST10", total_limit=10, per_user_limit=1)
    v = variant(20000, stock=100)
    carts = [cart_of((v, 1)) for _ in range(30)]
    results, barrier = [], threading.Barrier(30)

    def buy(i, cart):
        try:
            barrier.wait()
            order_place(cart=cart, buyer=None, checkout=checkout_data(email=f"c{i}@example.kr", coupon_code="FIRST10"),
                        idempotency_key=f"coupon-{i}")
            results.append("ok")
        except CouponRefused as exc:
            results.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(i, c)) for i, c in enumerate(carts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    coupon = Coupon.objects.get(pk=coupon.pk)
    assert results.count("ok") == 10 == coupon.used_count == Order.objects.filter(coupon=coupon).count()
    assert len(results) == 30 and all("선착순 수량이 모두 소진되었습니다." in r for r in results if r != "ok")


def test_choice_reads_the_customer_uses_in_one_query(django_assert_max_num_queries):
    coupons = [CouponFactory(code=None, amount=1000 + i) for i in range(3)]
    CouponUse.objects.create(coupon=coupons[-1], customer="u1", count=1)
    from campaigns.services.coupons import CouponLine

    lines = [CouponLine(key=1, amount=50000, vendor_id=1)]
    coupon_choose(lines=lines, customer="u1")  # the cache of automatic coupons is filled
    with django_assert_max_num_queries(2):  # the running automatic coupons, this customer's uses
        choice = coupon_choose(lines=lines, customer="u1")
    assert choice.applied.coupon == coupons[1]  # the largest one not used up by this customer


def test_sales_reports_count_what_was_paid_after_the_coupon(user):
    from orders.selectors.reports import sales_by_month, sales_by_vendor

    CouponFactory(code="REPORT", amount=4000)
    a, b = variant(30000), variant(10000)
    order = place((a, 1), (b, 1), code="REPORT", buyer=user, email=user.email)
    order_mark_paid(order_id=order.pk)
    vendor_order_cancel(vendor_order_id=order.vendor_orders.get(vendor=b.product.vendor).pk, actor=user)
    today = timezone.localdate()
    month = sales_by_month(year=today.year).months[today.month - 1]
    vendors = {row.label: row.revenue for row in sales_by_vendor(year=today.year, month=today.month)}
    assert month.revenue == 36000 - 9000 == 27000  # paid 36,000원, 9,000원 refunded for the cancelled part
    assert vendors == {a.product.vendor.name: 27000, b.product.vendor.name: 0}


def test_the_vendor_sees_the_coupon_discount_and_its_own_share_in_the_partner_admin(client):
    from tests.factories import MembershipFactory

    shop = VendorFactory()
    owner = MembershipFactory(vendor=shop).user
    CouponFactory(name="입점기업 쿠폰", code="SHOP2000", amount=2000, funded_by=FundedBy.VENDOR,
                  scope=CouponScope.VENDOR, vendor=shop)
    order = place((variant(30000, vendor=shop), 1), code="SHOP2000")
    order_mark_paid(order_id=order.pk)  # the partner admin lists paid orders
    vendor_order = order.vendor_orders.get()
    client.force_login(owner)
    page = html(client.get(f"/partner/orders/vendororder/{vendor_order.pk}/change/"))
    assert "쿠폰 할인 2,000원 (입점기업 부담 2,000원)" in page
