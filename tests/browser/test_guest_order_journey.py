"""A guest buys without an account or a password, then opens the order again from the mailed link,
on another device, after asking the lookup page for it."""
import re

import pytest
from django.core import mail

from orders.models import Order, OrderStatus
from tests.browser.helpers import checkout_by_bank_transfer
from tests.factories import ProductFactory, VendorFactory, category

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://[^/\s]+(/orders/\d{8}-\d+/access/[0-9a-f]{40}/)")


def test_a_guest_orders_without_a_password_and_opens_the_order_from_the_mail(live_server, new_page):
    product = ProductFactory(vendor=VendorFactory(name="홍성햇살농장"), name="홍성 유기농 현미",
                             category=category("rice-grains"),
                             variants=[{"name": "5kg", "price": 25000, "stock": 10, "sku": "RICE-5"}])
    page = new_page()
    page.goto(live_server.url + product.get_absolute_url())
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_url("**/orders/cart/")
    page.get_by_test_id("checkout-link").click()
    page.wait_for_url("**/orders/checkout/")
    assert page.get_by_test_id("guest-note").is_visible()
    assert page.locator("input[type=password]").count() == 0
    checkout_by_bank_transfer(page, name="박손님", phone="010-4444-5555", email="guest@example.kr")
    order = Order.objects.get()
    assert order.buyer is None and order.status == OrderStatus.PENDING_PAYMENT
    assert order.number in page.content() and "주문 조회 링크" in page.content()

    # On another device: the order page alone shows nothing; the lookup page mails the link.
    phone = new_page()
    response = phone.goto(live_server.url + order.get_absolute_url())
    assert response.status == 404 and "홍성 유기농 현미" not in phone.content()
    mail.outbox.clear()
    phone.goto(live_server.url + "/orders/lookup/")
    phone.locator("#id_number").fill(order.number)
    phone.locator("#id_email").fill("guest@example.kr")
    phone.get_by_role("button", name="조회 링크 받기").click()
    phone.get_by_test_id("lookup-sent").wait_for()
    [message] = [m for m in mail.outbox if m.to == ["guest@example.kr"]]
    phone.goto(live_server.url + LINK.search(message.body).group(1))
    phone.wait_for_url(f"**{order.get_absolute_url()}")
    assert order.number in phone.content() and "홍성 유기농 현미" in phone.content()
    # The link is gone from the address bar: the page's own address is the order's.
    assert "/access/" not in phone.url
