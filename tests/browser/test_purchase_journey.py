"""The whole purchase in Chromium: search, two vendors' products in the cart, bank transfer,
the operator confirms the deposit, the vendor ships with tracking, the buyer sees it and
downloads the receipt."""
import pytest

from catalog.services import product_image_add
from orders.models import Order, OrderStatus, VendorOrderStatus
from tests.browser.helpers import checkout_by_bank_transfer, log_in
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OperatorFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
    category,
    image_bytes,
    upload,
)
from tests.otp import browser_operator_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def add_to_cart(page, live_server, query):
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox").fill(query)
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url("**/search/?q=*")
    page.locator("[data-testid=product-card]").first.get_by_role("link").first.click()
    page.wait_for_url("**/products/**")
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_url("**/orders/cart/")


def test_buy_from_two_vendors_by_bank_transfer_until_shipped(live_server, new_page):
    operator = OperatorFactory(email="ops@ddasum.kr")
    farm = VendorFactory(name="홍성햇살농장")
    soap_maker = VendorFactory(name="보령머드공방")
    farm_owner = MembershipFactory(vendor=farm).user
    rice = ProductFactory(vendor=farm, name="홍성 유기농 현미", category=category("rice-grains"),
                          variants=[{"name": "5kg", "price": 25000, "stock": 10, "sku": "RICE-5"}])
    soap = ProductFactory(vendor=soap_maker, name="머드 수제비누", category=category("household"), origin="",
                          variants=[{"name": "3개", "price": 15000, "stock": 10, "sku": "SOAP-3"}])
    for product in (rice, soap):
        product_image_add(product_id=product.pk, upload=upload("p.png", image_bytes("PNG", (300, 300))))
    buyer = UserFactory(email="buyer@example.kr", name="이구매", phone="010-2222-3333")

    # The buyer finds both products in Korean and puts them in the cart.
    page = new_page()
    log_in(page, live_server, buyer.email, "/")
    add_to_cart(page, live_server, "현미")
    add_to_cart(page, live_server, "비누")
    assert "홍성햇살농장" in page.content() and "보령머드공방" in page.content()
    page.get_by_test_id("checkout-link").click()
    page.wait_for_url("**/orders/checkout/")

    # Checkout with bank transfer.
    checkout_by_bank_transfer(page, name="이구매", phone="010-2222-3333", email=buyer.email)
    order = Order.objects.get(buyer=buyer)
    assert order.vendor_orders.count() == 2 and order.status == OrderStatus.PENDING_PAYMENT
    content = page.content()
    assert "농협은행" in content and order.number in content

    # The operator confirms the deposit.
    ops = new_page(viewport={"width": 1280, "height": 900})
    browser_operator_log_in(ops, live_server.url, operator, PASSWORD, next_url="/admin/orders/order/")
    ops.goto(f"{live_server.url}/admin/orders/order/{order.pk}/mark-paid/")
    ops.locator("input[type=submit][value='입금 확인']").click()
    ops.wait_for_url("**/admin/orders/order/**")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID

    # The farm ships its part with a tracking number.
    vendor = new_page(viewport={"width": 1280, "height": 900})
    log_in(vendor, live_server, farm_owner.email, "/partner/orders/vendororder/")
    farm_part = order.vendor_orders.get(vendor=farm)
    assert soap_maker.name not in vendor.locator("#result_list").inner_text()
    vendor.goto(f"{live_server.url}/partner/orders/vendororder/{farm_part.pk}/change/")
    vendor.get_by_role("link", name="발송 처리").first.click()
    vendor.get_by_label("택배사").select_option("cj")
    vendor.get_by_label("송장번호").fill("6012-3456-7890")
    vendor.locator("input[type=submit][value='발송 처리']").click()
    vendor.wait_for_url(f"**/partner/orders/vendororder/{farm_part.pk}/change/**")
    farm_part.refresh_from_db()
    assert farm_part.status == VendorOrderStatus.SHIPPED

    # The buyer sees it shipped and downloads the receipt.
    page.goto(live_server.url + order.get_absolute_url())
    assert "601234567890" in page.get_by_test_id("tracking").first.inner_text()
    assert "배송 중" in page.content()
    receipt = page.get_by_test_id("receipt-link")
    response = page.context.request.get(live_server.url + receipt.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
