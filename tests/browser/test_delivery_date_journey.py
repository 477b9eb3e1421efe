"""A 절임배추 order with a chosen delivery date, in Chromium: product page → cart → checkout → order,
and the vendor sees the date in its order list."""
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import DeliverySlot
from orders.models import Order
from orders.services.actions import order_mark_paid
from tests.browser.helpers import checkout_by_bank_transfer
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory, category

from .test_purchase_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_cabbage_order_with_a_chosen_date(live_server, new_page):
    farm = VendorFactory(name="예산김장마을")
    farm_owner = MembershipFactory(vendor=farm).user
    cabbage = ProductFactory(vendor=farm, name="김장용 절임배추", category=category("fruit-vegetables"),
                             variants=[{"name": "20kg", "price": 39000, "stock": 200}])
    cabbage.delivery_date_required = True
    cabbage.save(update_fields=["delivery_date_required"])
    today = timezone.localdate()
    full = DeliverySlot.objects.create(product=cabbage, date=today + timedelta(days=5), capacity=5, taken=5)
    chosen = DeliverySlot.objects.create(product=cabbage, date=today + timedelta(days=6), capacity=20, taken=18)
    buyer = UserFactory(email="kimjang@example.kr", name="박김장", phone="010-4444-5555")

    page = new_page()
    log_in(page, live_server, buyer.email, cabbage.get_absolute_url())
    select = page.get_by_test_id("delivery-slot")
    assert select.locator(f"option[value='{full.pk}']").is_disabled()
    page.get_by_label("받으실 날").select_option(str(chosen.pk))
    page.locator("#qty").fill("2")
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_url("**/orders/cart/")
    label = f"배송일 {chosen.date:%Y-%m-%d}"
    assert label in page.get_by_test_id("line-delivery-date").inner_text()

    page.get_by_test_id("checkout-link").click()
    page.wait_for_url("**/orders/checkout/")
    assert label in page.get_by_test_id("checkout-delivery-date").inner_text()
    checkout_by_bank_transfer(page, name="박김장", phone="010-4444-5555", email=buyer.email, postal_code="32423",
                              address="충청남도 예산군 예산읍 천변로 1")
    assert label in page.get_by_test_id("order-line-delivery-date").inner_text()
    order = Order.objects.get(buyer=buyer)
    chosen.refresh_from_db()
    assert chosen.taken == 20 and order.vendor_orders.get().delivery_date == chosen.date

    # The farm sees the date in its order list once the order is paid.
    order_mark_paid(order_id=order.pk)
    vendor = new_page(viewport={"width": 1280, "height": 900})
    log_in(vendor, live_server, farm_owner.email, "/partner/orders/vendororder/")
    vendor.get_by_role("link", name=f"{chosen.date:%Y-%m-%d} (1)").click()
    assert order.vendor_orders.get().number in vendor.locator("#result_list").inner_text()
    assert f"{chosen.date:%Y-%m-%d}" in vendor.locator("#result_list").inner_text()
