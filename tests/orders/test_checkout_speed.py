"""Checkout speed: no password hash for any checkout (a guest gets a mailed link); few queries."""
import uuid

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection

from catalog.models import ProductVariant
from orders.exceptions import OutOfStock
from orders.models import Cart, Order
from orders.services.cart import CartLook, cart_line_set, cart_look, cart_summary, problems_message
from orders.services.checkout import order_place
from orders.services.guest_access import guest_access_path
from tests.factories import ProductFactory, UserFactory, VendorFactory, checkout_data

from .helpers import CART, CHECKOUT, add, checkout_page_data, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def hashes(monkeypatch):
    """Every password hash made, with how deep in transactions it ran (the test's own counted out)."""
    made = []
    base = len(connection.atomic_blocks)
    encode = MD5PasswordHasher.encode

    def counting(self, password, salt):
        made.append(len(connection.atomic_blocks) - base)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return made


def _variant(stock=10):
    product = ProductFactory(vendor=VendorFactory(), variants=[{"name": "기본", "price": 9000, "stock": stock}])
    return product.variants.get()


def _guest_cart(variant, quantity=1):
    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32])
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=quantity)
    return cart


def test_a_sold_out_guest_checkout_costs_no_password_hash(hashes):
    variant = _variant(stock=1)
    cart = _guest_cart(variant)
    ProductVariant.objects.filter(pk=variant.pk).update(stock=0)  # someone else bought the last one
    with pytest.raises(OutOfStock):
        order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key=uuid.uuid4().hex)
    assert hashes == [] and not Order.objects.exists()


def test_a_short_guest_checkout_costs_no_password_hash(hashes):
    variant = _variant(stock=3)
    cart = _guest_cart(variant, quantity=3)
    ProductVariant.objects.filter(pk=variant.pk).update(stock=2)  # fewer left than the cart asks for
    with pytest.raises(OutOfStock):
        order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key=uuid.uuid4().hex)
    assert hashes == []


def test_a_placed_guest_order_costs_no_password_hash_and_gets_its_link(hashes):
    variant = _variant(stock=5)
    order = order_place(cart=_guest_cart(variant, 2), buyer=None, checkout=checkout_data(),
                        idempotency_key=uuid.uuid4().hex)
    assert hashes == []
    assert order.guest_access_nonce and guest_access_path(order).startswith(f"/orders/{order.number}/access/")
    variant.refresh_from_db()
    assert variant.stock == 3


def test_a_member_order_makes_no_hash_and_has_no_guest_link(hashes):
    user = UserFactory()
    cart = Cart.objects.create(user=user)
    cart_line_set(cart=cart, variant_id=_variant().pk, quantity=1)
    hashes.clear()  # the factory's own
    order = order_place(cart=cart, buyer=user, checkout=checkout_data(), idempotency_key=uuid.uuid4().hex)
    assert hashes == [] and order.guest_access_nonce == "" and guest_access_path(order) == ""


def test_the_checkout_page_refuses_a_sold_out_guest_without_hashing(client, hashes):
    variant = _variant(stock=1)
    add(client, variant, 1)
    data = checkout_page_data(client, guest=True)
    ProductVariant.objects.filter(pk=variant.pk).update(stock=0)
    response = client.post(CHECKOUT, data)
    assert response.status_code == 302 and response["Location"] == CART
    assert any("품절" in m or "남" in m for m in messages_of(client.get(CART)))
    assert hashes == [] and not Order.objects.exists()


def _statements(captured):
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_placing_an_order_runs_a_fixed_small_number_of_statements(django_assert_max_num_queries):
    """The service for one line: number (one UPDATE..RETURNING), the cart lock and key, the summary
    (lines, campaign items, coupons), the writes, one conditional UPDATE per variant."""
    order_place(cart=_guest_cart(_variant()), buyer=None, checkout=checkout_data(), idempotency_key="warm-the-day")
    cart = _guest_cart(_variant())
    with django_assert_max_num_queries(40) as captured:
        order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key=uuid.uuid4().hex)
    assert len(_statements(captured)) <= 12
    user = UserFactory()
    cart = Cart.objects.create(user=user)
    cart_line_set(cart=cart, variant_id=_variant().pk, quantity=1)
    with django_assert_max_num_queries(40) as captured:
        order_place(cart=cart, buyer=user, checkout=checkout_data(), idempotency_key=uuid.uuid4().hex)
    assert len(_statements(captured)) <= 12


def test_the_quick_look_says_all_buyable_all_sold_out_or_neither():
    buyable, other = _variant(stock=5), _variant(stock=5)
    cart = _guest_cart(buyable, 2)
    assert cart_look(cart).all_buyable and not cart_look(cart).sold_out_message
    cart_line_set(cart=cart, variant_id=other.pk, quantity=3)
    ProductVariant.objects.filter(pk__in=[buyable.pk, other.pk]).update(stock=1)
    look = cart_look(cart)
    # Every line short: the very message the full summary would give, each item with what is left.
    assert not look.all_buyable and look.sold_out_message == problems_message(cart_summary(cart).problems)
    assert "남은 수량 1개" in look.sold_out_message
    ProductVariant.objects.filter(pk=other.pk).update(stock=10)  # one short, one fine: the full read decides
    assert cart_look(cart) == CartLook()
    assert cart_look(None) == CartLook() and cart_look(Cart.objects.create(session_key="empty")) == CartLook()


def test_a_buyer_late_for_a_sell_out_is_sent_back_in_a_few_queries(client, django_assert_max_num_queries):
    variant = _variant(stock=1)
    add(client, variant, 1)
    data = checkout_page_data(client, guest=True)
    ProductVariant.objects.filter(pk=variant.pk).update(stock=0)
    with django_assert_max_num_queries(6):  # session, cart, key, the look (+ the session saved)
        response = client.post(CHECKOUT, data)
    assert response.status_code == 302 and response["Location"] == CART
    assert any("품절(남은 수량 0개)" in m for m in messages_of(client.get(CART)))
    assert not Order.objects.exists()
