"""On a phone, a vendor opens the partner admin, sees today's to-do and follows "발송 기한이 지난 주문" to the order."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import VendorOrder
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory, place_order

from .test_purchase_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_vendor_follows_the_overdue_count_to_the_late_order(live_server, new_page):
    farm = VendorFactory(name="홍성햇살농장")
    owner = MembershipFactory(vendor=farm).user
    rice = ProductFactory(vendor=farm, name="햇살 현미", variants=[{"name": "5kg", "price": 25000, "stock": 50}])
    buyer = UserFactory(email="late@example.kr", name="박기다림")
    variant = rice.variants.get()
    late = place_order(items=[(variant, 1)], buyer=buyer, paid=True).vendor_orders.get()
    VendorOrder.objects.filter(pk=late.pk).update(ship_by=timezone.localdate() - timedelta(days=7))
    place_order(items=[(variant, 1)], buyer=buyer, paid=True)  # on time

    page = new_page()  # 390×844
    log_in(page, live_server, owner.email, "/partner/")
    todo = page.get_by_test_id("partner-todo")
    assert "오늘 할 일" in todo.inner_text()
    todo.get_by_role("link", name="발주 확인할 주문").wait_for()
    assert todo.locator("[data-todo=to_confirm] .todo-count").inner_text() == "2"
    todo.get_by_role("link", name="발송 기한이 지난 주문").click()
    page.wait_for_url("**/partner/orders/vendororder/?todo=overdue")
    page.get_by_role("link", name=late.number).click()
    page.wait_for_url(re.compile(rf"/partner/orders/vendororder/{late.pk}/change/"))  # with the list's filter
    assert late.number in page.get_by_role("heading", level=2).first.inner_text()
