"""An exchange (교환) in Chromium: the buyer swaps a delivered T-shirt for another size, the vendor accepts
with the pick-up's tracking, collects, marks the fee received, ships the replacement with its own
tracking number and completes; the buyer's order page then reads the new option and the replacement's
tracking number."""
import pytest
from django.utils import timezone

from catalog.models import ShippingPolicy
from orders.models import Claim, ClaimStatus, VendorOrderStatus
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory, place_order
from tests.orders.helpers import put

from .test_purchase_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def vendor_step(page, live_server, claim, link_name, fill=None):
    """On the claim's partner page, follow a step's link, fill its form and submit it."""
    page.goto(f"{live_server.url}/partner/orders/claim/{claim.pk}/change/")
    page.get_by_role("link", name=link_name).first.click()
    if fill:
        fill(page)
    page.locator("input[type=submit]").first.click()
    page.wait_for_url(f"**/partner/orders/claim/{claim.pk}/change/**")


def test_exchange_to_another_option_until_the_replacement_arrives(live_server, new_page):
    vendor = VendorFactory(name="홍성면직물협동조합")
    owner = MembershipFactory(vendor=vendor).user
    ShippingPolicy.objects.create(vendor=vendor, exchange_fee=6000)
    product = ProductFactory(vendor=vendor, name="유기농 면 티셔츠", variants=[
        {"name": "M", "price": 19000, "stock": 10, "sku": "TEE-M"},
        {"name": "L", "price": 19000, "stock": 5, "sku": "TEE-L"}])
    buyer = UserFactory(email="buyer@example.kr", name="이구매")
    order = place_order(items=[(product.variants.get(name="M"), 1)], buyer=buyer, paid=True)
    vendor_order = put(order.vendor_orders.get(), VendorOrderStatus.DELIVERED, delivered_at=timezone.now())

    # The buyer asks to exchange M for L, sees the fee and how to pay it, and confirms.
    page = new_page()
    log_in(page, live_server, buyer.email, order.get_absolute_url())
    page.get_by_test_id("exchange-start").click()
    page.wait_for_url(f"**/{vendor_order.pk}/exchange/")
    page.locator("input[name=line]").check()
    page.get_by_test_id("exchange-option").select_option(label="L")
    page.get_by_label("교환 사유").select_option("option_change")
    page.get_by_label("자세한 사유").fill("한 치수 크게 바꾸고 싶어요")
    page.get_by_role("button", name="교환 내용 확인").click()
    assert "6,000원" in page.get_by_test_id("exchange-fee").inner_text()
    page.get_by_label("회수 상자에 동봉").check()
    page.get_by_test_id("exchange-confirm").click()
    page.wait_for_url(f"**{order.get_absolute_url()}")
    exchange = page.get_by_test_id("exchange")
    assert "M → L" in exchange.inner_text() and "회수 상자에 동봉해 주세요" in exchange.inner_text()
    claim = Claim.objects.get()
    assert product.variants.get(name="L").stock == 4  # held for the replacement

    # The vendor accepts with the pick-up's tracking, collects, marks the fee received, ships and completes.
    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, live_server, owner.email, "/partner/")

    def pickup(p):
        p.get_by_label("회수 택배사").select_option("cj")
        p.get_by_label("회수 송장번호").fill("5555-6666-7777")

    def reship(p):
        p.get_by_label("택배사").select_option("hanjin")
        p.get_by_label("송장번호").fill("4321-8765-2109")

    vendor_step(desk, live_server, claim, "승인(회수 접수)", pickup)
    vendor_step(desk, live_server, claim, "회수 완료")
    vendor_step(desk, live_server, claim, "교환 배송비 받음")
    vendor_step(desk, live_server, claim, "교환 상품 발송", reship)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESHIPPED and claim.reship_tracking_number == "432187652109"
    vendor_step(desk, live_server, claim, "교환 완료")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED

    # The buyer's order page reads the new option and the replacement's tracking number.
    page.goto(live_server.url + order.get_absolute_url())
    assert "유기농 면 티셔츠 · L" in page.get_by_test_id("order-line").first.inner_text()
    assert page.get_by_test_id("exchange-reship-number").inner_text() == "432187652109"
    assert "wblnum=432187652109" in page.get_by_test_id("exchange-reship").get_by_role("link").get_attribute("href")
    assert "완료" in page.get_by_test_id("exchange").inner_text()
