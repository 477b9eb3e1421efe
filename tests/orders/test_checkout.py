"""Placing an order (orders.services.checkout): stock taken once, lines kept as sold, idempotency, 50 buyers at once."""

import pytest
from django.db import connection

from catalog.models import ProductVariant
from orders.models import Order
from orders.services.cart import cart_summary
from orders.services.checkout import order_place
from tests.factories import ProductFactory, VendorFactory, checkout_data

from .helpers import checkouts_at_once

pytestmark = pytest.mark.django_db


# --- placing ------------------------------------------------------------------------------------


def test_place_takes_stock_snapshots_lines_and_is_idempotent(two_vendor_cart, django_capture_on_commit_callbacks):
    cart, rice, soap = two_vendor_cart
    order = order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key="k1")
    again = order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key="k1")
    assert again.pk == order.pk and Order.objects.count() == 1
    assert order.vendor_orders.count() == 2
    assert ProductVariant.objects.get(product=rice).stock == 8
    line = order.lines.get(product_name=rice.name)
    assert (line.unit_price, line.quantity, line.tax_type, line.vendor_name) == (25000, 2, "exempt", rice.vendor.name)
    rice.name = "이름 바뀜"
    rice.save()
    line.refresh_from_db()
    assert line.product_name != "이름 바뀜"
    assert not cart.lines.exists()
    assert order.number.count("-") == 1 and order.vendor_orders.first().number.startswith(order.number)


def test_not_enough_stock_places_nothing(two_vendor_cart):
    cart, rice, soap = two_vendor_cart
    ProductVariant.objects.filter(product=soap).update(stock=0)
    # The cart flags it; placing leaves it out (sold out is not in the buyable lines).
    summary = cart_summary(cart)
    assert [line.problem for line in summary.problems] == ["품절된 상품입니다."]
    order = order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key="k2")
    assert order.vendor_orders.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_checkouts_for_ten_units():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    product = ProductFactory(vendor=VendorFactory(), variants=[{"name": "1kg", "price": 10000, "stock": 10}])
    variant = product.variants.get()
    results = checkouts_at_once([[{"variant": variant, "quantity": 1}]] * 50)
    variant.refresh_from_db()
    assert results.count("ok") == 10
    assert len(results) == 50 and all("품절/재고 부족" in r for r in results if r != "ok")
    assert variant.stock == 0
    assert Order.objects.count() == 10
