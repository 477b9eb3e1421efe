"""Chosen delivery dates (김장용 절임배추): offered dates, capacity taken like stock, shown everywhere."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from catalog.delivery_dates import (
    delivery_problem,
    delivery_slot_save,
    delivery_slot_take,
    delivery_slots_open,
    delivery_slots_return_many,
    delivery_slots_take_many,
    earliest_date,
)
from catalog.exceptions import DeliveryDateFull
from catalog.models import DeliverySlot
from orders.exceptions import CartError, OutOfStock
from orders.models import Cart, Order, VendorOrder
from orders.services.actions import order_expire, vendor_order_cancel
from orders.services.cart import cart_line_set
from orders.services.checkout import order_place
from orders.services.documents import packing_slip_facts
from tests.factories import MembershipFactory, ProductFactory, VendorFactory, checkout_data, place_order

from .helpers import checkouts_at_once, put

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def cabbage(vendor):
    """절임배추 20kg, delivered on the chosen day: three dates, the second nearly full."""
    product = ProductFactory(vendor=vendor, name="절임배추", variants=[{"name": "20kg", "price": 39000, "stock": 500}])
    product.delivery_date_required = True
    product.save(update_fields=["delivery_date_required"])
    DeliverySlot.objects.create(product=product, date=days(5), capacity=30)
    DeliverySlot.objects.create(product=product, date=days(6), capacity=10, taken=9)
    DeliverySlot.objects.create(product=product, date=days(1), capacity=30)  # too soon to choose
    return product


def slot(product, n):
    return product.delivery_slots.get(date=days(n))


# --- rules ------------------------------------------------------------------------------------


def test_open_dates_start_after_the_lead_days(cabbage, settings):
    settings.DELIVERY_DATE_LEAD_DAYS = 2
    assert earliest_date() == days(2)
    assert [s.date for s in delivery_slots_open(cabbage)] == [days(5), days(6)]


def test_delivery_problem_names_what_is_wrong(cabbage, variant):
    other = ProductFactory(vendor=cabbage.vendor, variants=[{"name": "x", "price": 1000, "stock": 5}])
    assert delivery_problem(cabbage, None, 1) == "배송일을 골라 주세요."
    assert delivery_problem(cabbage, slot(cabbage, 1), 1).startswith("고른 배송일")
    assert "1개 남았습니다" in delivery_problem(cabbage, slot(cabbage, 6), 2)
    assert delivery_problem(cabbage, slot(cabbage, 6), 1) == ""
    assert delivery_problem(other, None, 1) == ""  # products without dates need none
    foreign = DeliverySlot.objects.create(product=other, date=days(5), capacity=5)
    assert delivery_problem(cabbage, foreign, 1) == "배송일을 골라 주세요."


def test_take_never_goes_over_capacity_and_return_never_below_zero(cabbage):
    nearly = slot(cabbage, 6)
    assert delivery_slot_take(slot_id=nearly.pk, quantity=2) is False
    assert delivery_slot_take(slot_id=nearly.pk, quantity=1) is True
    nearly.refresh_from_db()
    assert nearly.taken == 10 and nearly.remaining == 0
    delivery_slots_return_many(items=[(nearly.pk, 50)])
    nearly.refresh_from_db()
    assert nearly.taken == 10
    delivery_slots_return_many(items=[(nearly.pk, 4)])
    nearly.refresh_from_db()
    assert nearly.taken == 6


def test_take_many_is_all_or_nothing(cabbage):
    open_day, nearly = slot(cabbage, 5), slot(cabbage, 6)
    with pytest.raises(DeliveryDateFull) as raised:
        delivery_slots_take_many(items=[(open_day.pk, 3), (nearly.pk, 1), (nearly.pk, 1)])  # 2 on the nearly full
    assert raised.value.slot_id == nearly.pk


def test_vendor_cannot_set_capacity_under_what_was_ordered(cabbage):
    nearly = slot(cabbage, 6)
    nearly.capacity = 8
    with pytest.raises(ValidationError):
        delivery_slot_save(slot=nearly)
    nearly.capacity, nearly.taken = 12, 0  # a stale `taken` from a form is never written
    delivery_slot_save(slot=nearly)
    nearly.refresh_from_db()
    assert (nearly.capacity, nearly.taken) == (12, 9)


# --- cart and checkout ---------------------------------------------------------------------------


def test_the_cart_needs_a_date_of_this_product(cabbage, rice):
    cart = Cart.objects.create(session_key="s1")
    variant = cabbage.variants.get()
    with pytest.raises(CartError, match="배송일을 골라 주세요"):
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    other = DeliverySlot.objects.create(product=rice.product, date=days(5), capacity=5)
    with pytest.raises(CartError, match="배송일을 골라 주세요"):
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=1, delivery_slot_id=other.pk)
    with pytest.raises(CartError, match="1개 남았습니다"):
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=2, delivery_slot_id=slot(cabbage, 6).pk)
    line = cart_line_set(cart=cart, variant_id=variant.pk, quantity=2, delivery_slot_id=slot(cabbage, 5).pk)
    assert line.delivery_slot == slot(cabbage, 5)
    # Products without dates are put in the cart as before.
    assert cart_line_set(cart=cart, variant_id=rice.pk, quantity=1).delivery_slot is None


def test_checkout_takes_the_dates_capacity_and_records_the_date(cabbage, rice, buyer):
    variant = cabbage.variants.get()
    cart = Cart.objects.create(user=buyer)
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=3, delivery_slot_id=slot(cabbage, 5).pk)
    cart_line_set(cart=cart, variant_id=rice.pk, quantity=1)
    order = order_place(cart=cart, buyer=buyer, checkout=checkout_data(), idempotency_key="k1")
    line = order.lines.get(variant=variant)
    assert line.delivery_date == days(5) and line.delivery_slot == slot(cabbage, 5)
    assert order.lines.get(variant=rice).delivery_date is None
    assert order.vendor_orders.get(vendor=cabbage.vendor).delivery_date == days(5)
    assert slot(cabbage, 5).taken == 3


def test_a_date_filled_since_the_cart_refuses_the_order_and_names_it(cabbage, buyer):
    variant = cabbage.variants.get()
    cart = Cart.objects.create(user=buyer)
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=1, delivery_slot_id=slot(cabbage, 6).pk)
    DeliverySlot.objects.filter(pk=slot(cabbage, 6).pk).update(taken=10)
    with pytest.raises(OutOfStock, match="0개 남았습니다"):
        order_place(cart=cart, buyer=buyer, checkout=checkout_data(), idempotency_key="k2")
    assert not Order.objects.exists()


def test_cancel_and_expiry_give_the_capacity_back(cabbage, buyer, refunds):
    variant = cabbage.variants.get()
    day = slot(cabbage, 5)
    first = _order(buyer, variant, day, 4)
    second = _order(buyer, variant, day, 2)
    assert slot(cabbage, 5).taken == 6
    vendor_order_cancel(vendor_order_id=first.vendor_orders.get().pk, actor=buyer, reason="날을 바꿀게요")
    assert slot(cabbage, 5).taken == 2
    Order.objects.filter(pk=second.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    order_expire(order_id=second.pk)
    assert slot(cabbage, 5).taken == 0
    assert variant.__class__.objects.get(pk=variant.pk).stock == 500


def _order(buyer, variant, day, quantity):
    cart = Cart.objects.create(session_key=f"s{quantity}{day.pk}")
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=quantity, delivery_slot_id=day.pk)
    return order_place(cart=cart, buyer=buyer, checkout=checkout_data(), idempotency_key=f"k{quantity}")


def test_packing_slip_carries_the_date_and_others_stay_as_they_were(cabbage, buyer, rice):
    order = _order(buyer, cabbage.variants.get(), slot(cabbage, 5), 1)
    vendor_order = order.vendor_orders.get()
    facts = packing_slip_facts(order, vendor_order)
    assert facts["delivery_date"] == days(5).isoformat() and facts["lines"][0]["delivery_date"] == days(5).isoformat()
    plain = place_order(items=[(rice, 1)])
    assert "delivery_date" not in packing_slip_facts(plain, plain.vendor_orders.get())


# --- pages --------------------------------------------------------------------------------------


def test_product_page_offers_the_dates_with_full_ones_closed(client, cabbage, settings):
    page = client.get(cabbage.get_absolute_url()).content.decode()
    assert 'name="delivery_slot"' in page
    assert f'value="{slot(cabbage, 5).pk}">{days(5):%Y-%m-%d}' in page and "30개 남음" in page
    assert f'value="{slot(cabbage, 6).pk}">' in page and "1개 남음" in page
    assert f'value="{slot(cabbage, 1).pk}"' not in page  # too soon
    DeliverySlot.objects.filter(pk=slot(cabbage, 6).pk).update(taken=10)
    page = client.get(cabbage.get_absolute_url()).content.decode()
    assert f'value="{slot(cabbage, 6).pk}" disabled>' in page and "마감" in page


def test_adding_without_a_date_goes_back_with_the_reason(client, cabbage):
    response = client.post("/orders/cart/add/", {"variant": cabbage.variants.get().pk, "quantity": 1}, follow=True)
    assert "배송일을 골라 주세요." in response.content.decode()
    assert response.redirect_chain[-1][0] == cabbage.get_absolute_url()


def test_cart_checkout_and_order_pages_show_the_date(client, cabbage, buyer):
    client.force_login(buyer)
    day = slot(cabbage, 5)
    client.post("/orders/cart/add/", {"variant": cabbage.variants.get().pk, "quantity": 2, "delivery_slot": day.pk})
    label = f"배송일 {days(5):%Y-%m-%d}"
    assert label in client.get("/orders/cart/").content.decode()
    assert label in client.get("/orders/checkout/").content.decode()
    order = _order(buyer, cabbage.variants.get(), day, 1)
    assert label in client.get(order.get_absolute_url()).content.decode()


def test_vendor_order_list_filters_and_sorts_by_delivery_date(client, cabbage, owner, buyer, other_owner,
                                                              django_assert_max_num_queries):
    variant = cabbage.variants.get()
    late = _order(buyer, variant, slot(cabbage, 6), 1)
    early = _order(buyer, variant, slot(cabbage, 5), 2)
    for order in (late, early):
        put(order.vendor_orders.get(), "paid", paid_at=timezone.now())
    client.force_login(owner)
    url = "/partner/orders/vendororder/"
    with django_assert_max_num_queries(40):
        page = client.get(url).content.decode()
    assert f"{days(5):%Y-%m-%d} (1)" in page and "다가오는 배송일 전체" in page
    filtered = client.get(url, {"delivery_date": days(6).isoformat()}).content.decode()
    assert late.vendor_orders.get().number in filtered and early.vendor_orders.get().number not in filtered
    upcoming = client.get(url, {"delivery_date": "upcoming"}).content.decode()
    assert upcoming.index(early.vendor_orders.get().number) < upcoming.index(late.vendor_orders.get().number)
    # The delivery-date column sorts (list_display index 3: number, placed_at, delivery date …).
    sorted_page = client.get(url, {"o": "-3"}).content.decode()
    assert sorted_page.index(late.vendor_orders.get().number) < sorted_page.index(early.vendor_orders.get().number)
    # Another vendor sees none of these dates or orders.
    client.force_login(other_owner)
    page = client.get(url).content.decode()
    assert f"{days(5):%Y-%m-%d} (1)" not in page and early.vendor_orders.get().number not in page


def test_partner_product_page_has_the_dates_inline(client, cabbage, owner, other_owner):
    client.force_login(owner)
    page = client.get(f"/partner/catalog/product/{cabbage.pk}/change/").content.decode()
    assert "delivery_slots-TOTAL_FORMS" in page and "배송일 지정 상품" in page
    client.force_login(other_owner)
    assert client.get(f"/partner/catalog/product/{cabbage.pk}/change/").status_code in (302, 404)


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_checkouts_never_oversell_a_date():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    product = ProductFactory(vendor=VendorFactory(), variants=[{"name": "20kg", "price": 39000, "stock": 500}])
    product.delivery_date_required = True
    product.save(update_fields=["delivery_date_required"])
    MembershipFactory(vendor=product.vendor)
    day = DeliverySlot.objects.create(product=product, date=days(5), capacity=10)
    variant = product.variants.get()
    results = checkouts_at_once([[{"variant": variant, "quantity": 1, "delivery_slot": day}]] * 50)
    day.refresh_from_db()
    variant.refresh_from_db()
    assert results.count("ok") == 10 and len(results) == 50
    assert all("마감" in r or "남았습니다" in r for r in results if r != "ok")
    assert day.taken == 10 and variant.stock == 490
    assert Order.objects.count() == 10 and VendorOrder.objects.filter(delivery_date=days(5)).count() == 10
