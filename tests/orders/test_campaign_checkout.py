"""Campaign prices in the cart, at checkout and on the order; caps and per-customer limits; releases."""
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from campaigns.exceptions import CampaignLimitReached
from campaigns.models import CampaignItem, CampaignItemUse
from campaigns.services.limits import TakeResult
from catalog.models import ShippingPolicy
from ddasum.money import TAXABLE
from orders.models import Cart, Order, OrderLine, OrderStatus, VendorOrderStatus
from orders.services.actions import order_expire, order_mark_paid, vendor_order_cancel
from orders.services.cart import cart_line_set, cart_summary
from orders.services.checkout import order_place
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory
from tests.factories import ProductFactory, VendorFactory, checkout_data, place_order

from .helpers import CART, CHECKOUT, add, checkout_page_data, html, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """Sets what django.utils.timezone.now returns (every price read goes through it)."""

    def set_to(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_to


@pytest.fixture
def sale():
    """A 30,000원 product in a campaign at 20% off (24,000원) from an hour from now for a day."""
    now = timezone.now().replace(microsecond=0)
    campaign = CampaignFactory(title="추석 판매전", slug="chuseok-sale", starts_at=now + timedelta(hours=1),
                               ends_at=now + timedelta(days=1, hours=1))
    product = ProductFactory(name="홍성 한우 선물세트", variants=[{"name": "1kg", "price": 30000, "stock": 100}])
    item = CampaignItemFactory(campaign=campaign, product=product, percent_off=20)
    return campaign, item, product.variants.get()


def cart_with(variant, quantity=1, *, user=None) -> Cart:
    cart = Cart.objects.create(user=user) if user else Cart.objects.create(session_key=uuid.uuid4().hex)
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=quantity)
    return cart


# --- the price by the clock ---------------------------------------------------------------------


@pytest.mark.parametrize("offset, expected", [
    ("start-1s", 30000), ("start", 24000), ("end-1s", 24000), ("end", 30000),
])
def test_cart_price_at_the_campaign_boundaries(sale, clock, offset, expected):
    campaign, item, variant = sale
    cart = cart_with(variant)
    moments = {"start-1s": campaign.starts_at - timedelta(seconds=1), "start": campaign.starts_at,
               "end-1s": campaign.ends_at - timedelta(seconds=1), "end": campaign.ends_at}
    clock(moments[offset])
    line = cart_summary(cart).buyable_lines[0]
    assert line.unit_price == expected and line.regular_price == 30000
    assert (line.campaign is not None) == (expected == 24000)


@pytest.mark.parametrize("offset, expected", [
    ("start-1s", 30000), ("start", 24000), ("end-1s", 24000), ("end", 30000),
])
def test_order_price_at_the_campaign_boundaries(sale, clock, offset, expected):
    campaign, item, variant = sale
    moments = {"start-1s": campaign.starts_at - timedelta(seconds=1), "start": campaign.starts_at,
               "end-1s": campaign.ends_at - timedelta(seconds=1), "end": campaign.ends_at}
    clock(moments[offset])
    order = order_place(cart=cart_with(variant, 2), buyer=None, checkout=checkout_data(), idempotency_key=offset)
    line = order.lines.get()
    assert (line.unit_price, line.line_total, line.regular_price) == (expected, expected * 2, 30000)
    if expected == 24000:
        assert (line.campaign_item_id, line.campaign_id) == (item.pk, campaign.pk)
        item.refresh_from_db()
        assert item.sold_count == 2
    else:
        assert line.campaign_item_id is None and line.campaign_id is None
    assert order.items_total == expected * 2


def test_a_line_added_while_live_and_checked_out_after_the_end_pays_the_regular_price(sale, clock, client):
    campaign, item, variant = sale
    clock(campaign.starts_at + timedelta(hours=1))
    add(client, variant, 1)
    page = html(client.get(CART))
    assert "24,000원" in page and 'data-testid="line-campaign"' in page and "추석 판매전" in page
    assert 'data-testid="line-price-changed"' not in page
    data = checkout_page_data(client, guest=True)
    assert data["expected_total"] == "24000"  # the checkout page shows the campaign price
    clock(campaign.ends_at + timedelta(minutes=5))
    page = html(client.get(CART))
    assert 'data-testid="line-campaign"' not in page
    assert "담을 때 24,000원 → 지금 30,000원" in page  # the cart says the price changed
    # The checkout page was shown at the campaign price: placing now shows the new total first.
    response = client.post(CHECKOUT, data)
    assert response.status_code == 200 and not Order.objects.exists()
    assert any("30,000원" in m for m in messages_of(response))
    response = client.post(CHECKOUT, checkout_page_data(client, guest=True))
    line = Order.objects.get().lines.get()
    assert (line.unit_price, line.campaign_id, line.regular_price) == (30000, None, 30000)
    item.refresh_from_db()
    assert item.sold_count == 0


def test_totals_vat_and_free_shipping_use_the_campaign_price(clock, sale):
    campaign, item, variant = sale
    ShippingPolicy.objects.create(vendor=variant.product.vendor, base_fee=3000, free_threshold=30000)
    clock(campaign.starts_at)
    summary = cart_summary(cart_with(variant))
    assert summary.items_total == 24000 and summary.shipping_total == 3000  # 24,000 < 30,000: not free
    assert summary.vat[TAXABLE].total == 27000
    assert summary.regular_savings == 6000


# --- pages ----------------------------------------------------------------------------------------


def test_cart_checkout_and_order_pages_show_the_campaign_price_and_name(sale, clock, client, user):
    campaign, item, variant = sale
    clock(campaign.starts_at + timedelta(minutes=1))
    client.force_login(user)
    add(client, variant, 2)
    page = html(client.get(CART))
    line = page.split('data-testid="cart-line"')[1].split("</li>")[0]
    assert "24,000원" in line and "<del" in line and "30,000원" in line and "추석 판매전" in line
    assert 'data-testid="campaign-savings">-12,000원' in page
    page = html(client.get(CHECKOUT))
    line = page.split('data-testid="checkout-line"')[1].split("</li>")[0]
    assert "48,000원" in line and "60,000원" in line and "추석 판매전" in line and "20%" in line
    response = client.post(CHECKOUT, checkout_page_data(client))
    order = Order.objects.get()
    assert response.status_code == 302 and order.items_total == 48000
    page = html(client.get(order.get_absolute_url()))
    row = page.split('data-testid="order-line-campaign"')[1].split("</td>")[0]
    assert "추석 판매전" in row and "24,000원" in row and "30,000원" in row


@pytest.mark.parametrize("lines", [2, 6])
def test_cart_page_with_campaign_lines_runs_a_fixed_number_of_queries(client, user, lines, clock,
                                                                      django_assert_max_num_queries):
    campaign = CampaignFactory()
    client.force_login(user)
    for i in range(lines):
        product = ProductFactory(variants=[{"name": "기본", "price": 10000 + i, "stock": 10}])
        CampaignItemFactory(campaign=campaign, product=product, stock_cap=50, per_customer_limit=5)
        add(client, product.variants.get(), 1)
    client.get(CART)
    # session, user, cart, default address, lines, campaign prices, the customer's uses, images; bell, partner link.
    with django_assert_max_num_queries(10):
        response = client.get(CART)
    assert html(response).count('data-testid="line-campaign"') == lines


# --- caps ------------------------------------------------------------------------------------------


def test_cap_left_short_falls_back_to_the_regular_price_and_says_so(sale, clock):
    campaign, item, variant = sale
    CampaignItem.objects.filter(pk=item.pk).update(stock_cap=3)
    clock(campaign.starts_at)
    first = order_place(cart=cart_with(variant, 2), buyer=None, checkout=checkout_data(email="a@example.kr"),
                        idempotency_key="a")
    assert first.lines.get().unit_price == 24000
    cart = cart_with(variant, 2)
    line = cart_summary(cart).buyable_lines[0]
    assert line.unit_price == 30000 and line.campaign is None
    assert "기획전 한정 수량이 1개 남아 정상가가 적용되었습니다" in line.campaign_note
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    assert cart_summary(cart).buyable_lines[0].unit_price == 24000
    order_place(cart=cart, buyer=None, checkout=checkout_data(email="b@example.kr"), idempotency_key="b")
    line = cart_summary(cart_with(variant, 1)).buyable_lines[0]
    assert line.unit_price == 30000 and line.campaign_note == "기획전 한정 수량 소진 — 정상가 적용"
    item.refresh_from_db()
    assert item.sold_count == 3


def test_cap_taken_by_someone_else_at_the_last_moment_refuses_the_order(sale, clock, monkeypatch):
    campaign, item, variant = sale
    clock(campaign.starts_at)
    cart = cart_with(variant, 2)
    monkeypatch.setattr("orders.services.checkout.item_take", lambda **kw: TakeResult(False, "cap", left=1))
    with pytest.raises(CampaignLimitReached) as exc:
        order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key="late")
    assert "기획전 한정 수량이 1개 남아" in exc.value.message
    assert not Order.objects.exists() and cart.lines.exists()


# --- per-customer limits ----------------------------------------------------------------------------


def test_per_customer_limit_refuses_with_the_limit_and_what_is_left(sale, clock, client, user):
    campaign, item, variant = sale
    CampaignItem.objects.filter(pk=item.pk).update(per_customer_limit=3)
    clock(campaign.starts_at)
    place_order(items=[(variant, 2)], buyer=user)
    client.force_login(user)
    add(client, variant, 2)
    page = html(client.get(CART))
    assert "기획전 1인 구매 한도는 3개입니다. 지금 1개 더 살 수 있습니다." in page
    response = client.post(CHECKOUT, checkout_page_data(client))
    assert response.status_code == 200 and Order.objects.count() == 1
    assert any("1인 구매 한도는 3개입니다. 지금 1개 더 살 수 있습니다" in m for m in messages_of(response))
    with pytest.raises(CampaignLimitReached):
        order_place(cart=user.cart, buyer=user, checkout=checkout_data(), idempotency_key="over")
    cart_line_set(cart=user.cart, variant_id=variant.pk, quantity=1)
    order = order_place(cart=user.cart, buyer=user, checkout=checkout_data(), idempotency_key="ok")
    assert order.lines.get().unit_price == 24000
    assert CampaignItemUse.objects.get(item=item, customer=f"u{user.pk}").quantity == 3


def test_guests_are_limited_by_their_email(sale, clock):
    campaign, item, variant = sale
    CampaignItem.objects.filter(pk=item.pk).update(per_customer_limit=1)
    clock(campaign.starts_at)
    order_place(cart=cart_with(variant, 1), buyer=None, checkout=checkout_data(email="Guest@Example.kr"),
                idempotency_key="g1")
    with pytest.raises(CampaignLimitReached) as exc:
        order_place(cart=cart_with(variant, 1), buyer=None, checkout=checkout_data(email="guest@example.KR"),
                    idempotency_key="g2")
    assert "지금 0개 더 살 수 있습니다" in exc.value.message
    order_place(cart=cart_with(variant, 1), buyer=None, checkout=checkout_data(email="other@example.kr"),
                idempotency_key="g3")


# --- releases ---------------------------------------------------------------------------------------


def test_expiry_gives_the_campaign_quantity_back_once(sale, clock):
    campaign, item, variant = sale
    CampaignItem.objects.filter(pk=item.pk).update(stock_cap=10, per_customer_limit=5)
    clock(campaign.starts_at)
    order = order_place(cart=cart_with(variant, 3), buyer=None, checkout=checkout_data(), idempotency_key="x")
    item.refresh_from_db()
    assert item.sold_count == 3
    clock(order.expires_at + timedelta(seconds=1))
    order_expire(order_id=order.pk)
    item.refresh_from_db()
    assert item.sold_count == 0
    assert CampaignItemUse.objects.get(item=item, customer="ebuyer@example.kr").quantity == 0
    assert OrderLine.objects.get(order=order).campaign_released
    assert order_expire(order_id=order.pk) is None
    item.refresh_from_db()
    assert item.sold_count == 0


def test_cancelling_a_vendor_order_gives_its_campaign_quantity_back(sale, clock, user):
    campaign, item, variant = sale
    CampaignItem.objects.filter(pk=item.pk).update(stock_cap=10, per_customer_limit=2)
    other = ProductFactory(variants=[{"name": "기본", "price": 5000, "stock": 10}]).variants.get()
    clock(campaign.starts_at)
    order = place_order(items=[(variant, 2), (other, 1)], buyer=user, paid=True)
    vendor_order = order.vendor_orders.get(vendor=variant.product.vendor)
    vendor_order_cancel(vendor_order_id=vendor_order.pk, actor=user)
    item.refresh_from_db()
    assert item.sold_count == 0 and CampaignItemUse.objects.get(item=item).quantity == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # the other vendor's part goes on
    # The limit is free again: the customer may buy the two units anew.
    again = place_order(items=[(variant, 2)], buyer=user)
    assert again.lines.get().campaign_item_id == item.pk


# --- concurrency (PostgreSQL) -------------------------------------------------------------------------


def _race(carts, place):
    results, barrier = [], threading.Barrier(len(carts))

    def run(i, cart):
        from django.db import connections

        try:
            barrier.wait()
            results.append(place(i, cart))
        except CampaignLimitReached as exc:
            results.append(exc.message)
        except IntegrityError as exc:  # a CheckConstraint would land here
            results.append(f"integrity: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(carts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_buyers_for_a_cap_of_ten():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    campaign = CampaignFactory()
    product = ProductFactory(vendor=VendorFactory(), variants=[{"name": "1kg", "price": 10000, "stock": 100}])
    item = CampaignItemFactory(campaign=campaign, product=product, percent_off=20, stock_cap=10)
    variant = product.variants.get()
    carts = []
    for i in range(30):
        cart = Cart.objects.create(session_key=f"cap{i}")
        cart.lines.create(variant=variant, quantity=1)
        carts.append(cart)

    def place(i, cart):
        order = order_place(cart=cart, buyer=None, checkout=checkout_data(email=f"b{i}@example.kr"),
                            idempotency_key=f"cap-{i}")
        return order.lines.get().unit_price

    results = _race(carts, place)
    item.refresh_from_db()
    assert len(results) == 30 and not [r for r in results if str(r).startswith("integrity")]
    assert results.count(8000) == 10 and item.sold_count == 10
    # The rest either saw the cap used up (regular price) or lost the race at the last moment (refused).
    assert all(r == 10000 or "기획전 한정 수량" in str(r) for r in results if r != 8000)
    assert OrderLine.objects.filter(campaign_item=item).count() == 10
    assert OrderLine.objects.filter(unit_price=8000).count() == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_customer_ordering_concurrently_stays_within_the_limit():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    campaign = CampaignFactory()
    product = ProductFactory(vendor=VendorFactory(), variants=[{"name": "1kg", "price": 10000, "stock": 100}])
    item = CampaignItemFactory(campaign=campaign, product=product, percent_off=20, per_customer_limit=3)
    variant = product.variants.get()
    carts = []
    for i in range(10):
        cart = Cart.objects.create(session_key=f"one{i}")
        cart.lines.create(variant=variant, quantity=1)
        carts.append(cart)

    def place(i, cart):
        order_place(cart=cart, buyer=None, checkout=checkout_data(email="same@example.kr"), idempotency_key=f"one-{i}")
        return "ok"

    results = _race(carts, place)
    assert results.count("ok") == 3 == Order.objects.count()
    assert all("1인 구매 한도는 3개" in r for r in results if r != "ok")
    assert CampaignItemUse.objects.get(item=item, customer="esame@example.kr").quantity == 3
    item.refresh_from_db()
    assert item.sold_count == 3


def test_paid_orders_keep_their_campaign_count(sale, clock):
    campaign, item, variant = sale
    clock(campaign.starts_at)
    order = place_order(items=[(variant, 1)])
    order_mark_paid(order_id=order.pk)
    clock(order.expires_at + timedelta(days=1))
    assert order_expire(order_id=order.pk) is None
    item.refresh_from_db()
    assert item.sold_count == 1
    assert order.vendor_orders.get().status == VendorOrderStatus.PAID
