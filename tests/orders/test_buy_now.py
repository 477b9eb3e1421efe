"""바로구매: straight to checkout with one line; the cart stays as it was."""
import re

import pytest
from django.urls import reverse

from orders.models import Order
from tests.factories import ProductFactory

from .helpers import CART, add, checkout_page_data

pytestmark = pytest.mark.django_db


def test_buy_now_orders_only_that_line_and_leaves_the_cart(client, user):
    in_cart, now = ProductFactory(name="장바구니 쌀"), ProductFactory(name="바로 살 쌀")
    client.force_login(user)
    add(client, in_cart.variants.first(), 2)
    response = client.post(reverse("orders:buy_now"), {"product": now.pk, "variant": now.variants.first().pk,
                                                        "quantity": 1})
    assert response.status_code == 302 and response["Location"] == reverse("orders:checkout_now")
    page = client.get(reverse("orders:checkout_now")).content.decode().split('data-testid="checkout-form"')[1]
    assert "바로 살 쌀" in page and "장바구니 쌀" not in page
    assert f'action="{reverse("orders:checkout_now")}"' in client.get(reverse("orders:checkout_now")).content.decode()
    shown = client.get(reverse("orders:checkout_now")).content.decode()
    key = re.search(r'name="checkout_key" value="([0-9a-f]+)"', shown).group(1)
    total = re.search(r'name="expected_total" value="(\d+)"', shown).group(1)
    response = client.post(reverse("orders:checkout_now"),
                           checkout_page_data(client, checkout_key=key, expected_total=total))
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    assert [ln.product_name for ln in order.lines.all()] == ["바로 살 쌀"]
    assert "장바구니 쌀" in client.get(CART).content.decode()


def test_buy_now_of_a_sold_out_option_goes_back_with_a_message(client):
    product = ProductFactory(variants=[{"name": "5kg", "price": 25000, "stock": 0}])
    response = client.post(reverse("orders:buy_now"), {"product": product.pk, "variant": product.variants.first().pk,
                                                        "quantity": 1}, follow=True)
    assert response.redirect_chain[-1][0] == product.get_absolute_url()


def test_checkout_now_without_a_buy_now_cart_goes_to_the_cart(client):
    response = client.get(reverse("orders:checkout_now"))
    assert response.status_code == 302 and response["Location"] == reverse("orders:cart")


def test_product_page_has_the_buy_now_button(client):
    product = ProductFactory()
    assert 'data-testid="buy-now"' in client.get(product.get_absolute_url()).content.decode()
