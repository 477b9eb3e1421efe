"""Fixtures of the review and question tests: a product, its buyer and a delivered line."""
import pytest

from orders.models import VendorOrderStatus
from orders.services.actions import vendor_order_transition
from tests.factories import ProductFactory, UserFactory
from tests.orders.helpers import paid_vendor_order

V = VendorOrderStatus


def deliver(vendor_order):
    for to in (V.PREPARING, V.SHIPPED, V.DELIVERED):
        vendor_order_transition(vendor_order, to)
    vendor_order.refresh_from_db()
    return vendor_order


@pytest.fixture
def product(vendor):
    return ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 50}])


@pytest.fixture
def buyer(db):
    return UserFactory(name="김구매")


def delivered_line(product, buyer, qty=1):
    """A line of `product` bought by `buyer` and delivered now."""
    vendor_order = deliver(paid_vendor_order(product.variants.first(), buyer=buyer, qty=qty))
    return vendor_order.lines.get()


@pytest.fixture
def line(product, buyer):
    return delivered_line(product, buyer)
