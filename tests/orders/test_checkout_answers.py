"""What the checkout answers a double submit and a sell-out (issue 11, items 12 and 13).

A double submit of one checkout form lands on the order the first submit made, for members
and guests, however the two interleave (PostgreSQL, two threads). Every buyer refused for
stock is told which item sold out and how many are left, whether the cart already showed the
line sold out or the conditional UPDATE of the stock refused it.
"""
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client

from catalog.models import ProductVariant
from orders.exceptions import OutOfStock
from orders.models import Cart, Order
from orders.services import checkout as checkout_service
from orders.services.cart import cart_line_set
from orders.services.checkout import order_place
from tests.factories import ProductFactory, UserFactory, VendorFactory, checkout_data

from .helpers import CART, CHECKOUT, add, checkout_page_data, messages_of

GENERIC = "주문할 수 있는 상품이 없습니다"


def rice(stock=10):
    """홍성 현미 (option 5kg) at 25,000원 with `stock` units."""
    product = ProductFactory(vendor=VendorFactory(), name="홍성 현미",
                             variants=[{"name": "5kg", "price": 25000, "stock": stock}])
    return product.variants.get()


def set_stock(variant, stock):
    ProductVariant.objects.filter(pk=variant.pk).update(stock=stock)


def require_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")


# --- sold out: which item and how many are left (SQLite is enough) ----------------------------


@pytest.mark.django_db
def test_a_cart_sold_out_since_the_page_was_shown_names_the_item_and_that_none_are_left(client):
    variant = rice()
    add(client, variant, 1)
    data = checkout_page_data(client, guest=True)
    set_stock(variant, 0)  # the others bought the rest while this buyer typed the address
    response = client.post(CHECKOUT, data, follow=True)
    said = messages_of(response)
    assert response.redirect_chain[-1][0] == CART and not Order.objects.exists()
    assert any("홍성 현미 5kg" in m and "품절" in m and "남은 수량 0개" in m for m in said), said
    assert not any(GENERIC in m for m in said), said


@pytest.mark.django_db
def test_a_cart_with_more_than_is_left_names_the_item_and_how_many_are_left(client, user):
    client.force_login(user)
    variant = rice()
    add(client, variant, 3)
    data = checkout_page_data(client)
    set_stock(variant, 2)
    said = messages_of(client.post(CHECKOUT, data, follow=True))
    assert any("홍성 현미 5kg" in m and "남은 수량 2개" in m for m in said), said
    assert not any(GENERIC in m for m in said) and not Order.objects.exists()


@pytest.mark.django_db
def test_a_refusal_by_the_conditional_update_names_the_item_and_how_many_are_left(client, monkeypatch):
    variant = rice()
    add(client, variant, 3)
    data = checkout_page_data(client, guest=True)
    real_take_many = checkout_service.stock_take_many

    def another_buyer_first(*, items):
        # Someone else's order commits between this buyer's cart check and its UPDATE … WHERE stock >= n.
        set_stock(variant, 1)
        return real_take_many(items=items)

    monkeypatch.setattr(checkout_service, "stock_take_many", another_buyer_first)
    response = client.post(CHECKOUT, data)
    said = messages_of(response)
    assert response.status_code == 200 and not Order.objects.exists()
    assert any("홍성 현미 5kg" in m and "남은 수량 1개" in m for m in said), said


@pytest.mark.django_db
def test_order_place_refuses_a_sold_out_cart_with_the_item_and_what_is_left():
    variant = rice()
    other = ProductFactory(vendor=VendorFactory(), name="수제 된장",
                           variants=[{"name": "1kg", "price": 12000, "stock": 5}]).variants.get()
    cart = Cart.objects.create(session_key="sold-out")
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=2)
    cart_line_set(cart=cart, variant_id=other.pk, quantity=4)
    set_stock(variant, 0)
    set_stock(other, 3)
    with pytest.raises(OutOfStock) as refused:
        order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key="sold-out")
    message = refused.value.message
    assert "품절/재고 부족" in message
    assert "홍성 현미 5kg" in message and "남은 수량 0개" in message
    assert "수제 된장 1kg" in message and "남은 수량 3개" in message


# --- a double submit lands on the order it made (PostgreSQL) -----------------------------------


def _member_client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _twin(client: Client) -> Client:
    """A second browser tab: another client with the same cookies (the same session)."""
    twin = Client()
    twin.cookies = client.cookies
    return twin


def _submit_twice(first: Client, second: Client, data: dict, *, interleave: bool, monkeypatch) -> list:
    """Post `data` from both clients at once; the answers (status, Location, messages) in thread order.

    `interleave`: the second submit is held after the order's number is drawn until the first
    submit's order has committed: it passed every check made before the order existed, and
    meets the committed order only inside its own transaction (the race the buyers hit).
    """
    if interleave:
        real_number = checkout_service.daily_number
        arrived = []
        lock = threading.Lock()
        both_checked = threading.Event()

        def number_then_wait(*args, **kwargs):
            number = real_number(*args, **kwargs)
            with lock:
                arrived.append(number)
                later = len(arrived) > 1
            if not later:
                both_checked.wait(timeout=20)  # the first goes on once the second has passed its checks too
                return number
            both_checked.set()
            deadline = time.monotonic() + 20
            while not Order.objects.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)  # and its transaction has ended
            return number

        monkeypatch.setattr(checkout_service, "daily_number", number_then_wait)
    answers: list = [None, None]
    barrier = threading.Barrier(2)

    def post(i, c):
        try:
            barrier.wait()
            response = c.post(CHECKOUT, data, follow=False)
            said = [str(m) for m in response.context["messages"]] if response.context else []
            answers[i] = (response.status_code, response.get("Location", ""), said)
        except Exception as exc:  # noqa: BLE001 — the test shows it
            answers[i] = ("error", repr(exc), [])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i, c)) for i, c in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return answers


def _assert_both_land_on_the_one_order(answers):
    order = Order.objects.get()
    assert answers == [(302, order.get_absolute_url(), []), (302, order.get_absolute_url(), [])], answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("interleave", [True, False], ids=["held-after-its-checks", "at-once"])
def test_a_members_double_submit_lands_on_the_order_it_made(interleave, monkeypatch):
    require_postgres()
    user = UserFactory(email="member@example.kr")
    variant = rice()
    first = _member_client(user)
    add(first, variant, 2)
    data = checkout_page_data(first)
    answers = _submit_twice(first, _twin(first), data, interleave=interleave, monkeypatch=monkeypatch)
    _assert_both_land_on_the_one_order(answers)
    assert Order.objects.get().buyer == user
    assert ProductVariant.objects.get(pk=variant.pk).stock == 8  # taken once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("interleave", [True, False], ids=["held-after-its-checks", "at-once"])
def test_a_guests_double_submit_lands_on_the_order_it_made(interleave, monkeypatch):
    require_postgres()
    variant = rice()
    first = Client()
    add(first, variant, 2)
    data = checkout_page_data(first, guest=True)
    answers = _submit_twice(first, _twin(first), data, interleave=interleave, monkeypatch=monkeypatch)
    _assert_both_land_on_the_one_order(answers)
    assert Order.objects.get().buyer is None
    assert ProductVariant.objects.get(pk=variant.pk).stock == 8


# --- a sell-out: every refused buyer is told what sold out (PostgreSQL) ---------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_buyer_refused_in_a_sell_out_is_told_which_item_and_how_many_are_left():
    require_postgres()
    buyers, units = 24, 5
    variant = rice(stock=units)
    clients, forms = [], []
    for _ in range(buyers):
        c = Client()
        add(c, variant, 1)
        clients.append(c)
        forms.append(checkout_page_data(c, guest=True))
    answers: list = [None] * buyers
    barrier = threading.Barrier(buyers)

    def buy(i):
        try:
            barrier.wait()
            response = clients[i].post(CHECKOUT, forms[i], follow=True)
            placed = any(url.startswith("/orders/") and url not in (CART, CHECKOUT)
                         for url, _status in response.redirect_chain)
            answers[i] = ("placed" if placed else "refused", messages_of(response), response.redirect_chain)
        except Exception as exc:  # noqa: BLE001
            answers[i] = ("error", [repr(exc)], [])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(buyers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Order.objects.count() == units == sum(1 for kind, *_rest in answers if kind == "placed"), answers
    refused = [said for kind, said, _chain in answers if kind == "refused"]
    assert len(refused) == buyers - units, answers
    for said in refused:
        assert any("홍성 현미 5kg" in m and "남은 수량 0개" in m for m in said), answers
        assert not any(GENERIC in m for m in said), said
    assert ProductVariant.objects.get(pk=variant.pk).stock == 0
