"""Per-line after-sales in Chromium: a partial cancel with the right refund, refunded through the fake PG; a
return with the fee deducted (the buyer asks, the vendor accepts, collects and refunds in its partner admin,
the buyer sees the refunded amount)."""
import pytest

from catalog.models import ShippingPolicy
from orders.models import Claim, ClaimStatus, Order, OrderStatus, PaymentMethod, RefundStatus, VendorOrderStatus
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory, place_order
from tests.orders.helpers import put

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paid_order(live_server, new_page, pg):
    """A buyer pays by card in the PG's window for 2 × 현미 (20,000) and 1 × 비누 (10,000): 50,000, shipped free.

    Returns (buyer page, order, vendor owner).
    """
    vendor = VendorFactory(name="햇살농장협동조합")
    owner = MembershipFactory(vendor=vendor).user
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=50000, return_fee=3000)
    rice = ProductFactory(vendor=vendor, name="홍성 현미", variants=[{"name": "5kg", "price": 20000, "stock": 10}])
    soap = ProductFactory(vendor=vendor, name="쌀겨 비누", variants=[{"name": "3개", "price": 10000, "stock": 10}])
    buyer = UserFactory(email="buyer@example.kr", name="이구매")
    order = place_order(items=[(rice.variants.get(), 2), (soap.variants.get(), 1)], buyer=buyer,
                        payment_method=PaymentMethod.CARD)
    page = new_page()
    log_in(page, live_server, buyer.email, f"/orders/payments/card/{order.number}/")
    page.get_by_test_id("pay-button").click()
    page.wait_for_url("**/orders/payments/card/success/**")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.total == 50000
    return page, order, owner


def test_a_partial_cancel_shows_the_right_refund_and_is_refunded_through_the_pg(live_server, paid_order, pg):
    page, order, _owner = paid_order
    page.goto(live_server.url + order.get_absolute_url())
    page.get_by_test_id("claim-cancel-link").click()
    page.get_by_label("쌀겨 비누 · 3개 × 1 (10,000원)").check()
    page.locator("#id_reason").select_option("change_of_mind")
    page.get_by_test_id("claim-preview-button").click()
    # 40,000 of rice left, under the 50,000 free-shipping line: 10,000 − 3,000.
    assert page.get_by_test_id("claim-refund").inner_text() == "7,000원"
    assert page.get_by_test_id("claim-shipping-charge").inner_text() == "-3,000원"
    assert "무료배송 기준" in page.get_by_test_id("claim-notes").inner_text()
    page.get_by_test_id("claim-confirm").click()
    page.wait_for_url("**" + order.get_absolute_url())
    claim = page.get_by_test_id("claim")
    assert claim.get_by_test_id("claim-refund-amount").inner_text() == "7,000원"
    assert claim.get_by_test_id("claim-refund-status").inner_text() == "환불 완료"
    lines = page.get_by_test_id("order-line")
    assert lines.filter(has_text="쌀겨 비누").get_attribute("data-state") == "cancelled"
    [cancel] = [r for r in pg.requests if r.path.endswith("/cancel")]
    assert cancel.body["cancelAmount"] == 7000
    assert Claim.objects.get().refund_status == RefundStatus.DONE
    assert Order.objects.get(pk=order.pk).vendor_orders.get().refunded_amount == 7000


def test_a_return_with_the_fee_deducted(live_server, new_page, paid_order, pg):
    page, order, owner = paid_order
    put(order.vendor_orders.get(), VendorOrderStatus.DELIVERED)
    page.goto(live_server.url + order.get_absolute_url())
    page.get_by_test_id("claim-return-link").click()
    page.get_by_label("홍성 현미 · 5kg × 2 (40,000원)").check()
    page.locator("#id_reason").select_option("change_of_mind")
    page.get_by_test_id("claim-preview-button").click()
    # 10,000 left: under the free-shipping line, so the one-way fee and the first delivery's fee.
    assert page.get_by_test_id("claim-return-fee").inner_text() == "-6,000원"
    assert page.get_by_test_id("claim-refund").inner_text() == "34,000원"
    page.get_by_test_id("claim-confirm").click()
    page.wait_for_url("**" + order.get_absolute_url())
    assert page.get_by_test_id("claim-status").inner_text() == "요청"
    claim = Claim.objects.get()

    admin = new_page(viewport={"width": 1280, "height": 900})
    log_in(admin, live_server, owner.email, f"/partner/orders/claim/{claim.pk}/change/")
    assert "34,000원" in admin.content()
    admin.locator("[data-step=accept]").click()
    admin.get_by_label("회수 택배사").select_option("cj")
    admin.get_by_label("회수 송장번호").fill("123456789012")
    admin.get_by_test_id("claim-action-submit").click()
    admin.wait_for_url(f"**/partner/orders/claim/{claim.pk}/change/")
    admin.locator("[data-step=collect]").click()
    admin.get_by_test_id("claim-action-submit").click()
    admin.wait_for_url(f"**/partner/orders/claim/{claim.pk}/change/")
    admin.locator("[data-step=refund]").click()
    admin.get_by_test_id("claim-action-submit").click()
    admin.wait_for_url(f"**/partner/orders/claim/{claim.pk}/change/")
    claim.refresh_from_db()
    assert (claim.status, claim.refund_status, claim.refund_amount) == (ClaimStatus.COMPLETED, RefundStatus.DONE, 34000)

    page.reload()
    assert page.get_by_test_id("claim-refund-amount").inner_text() == "34,000원"
    assert page.get_by_test_id("claim-refund-status").inner_text() == "환불 완료"
    assert page.get_by_test_id("claim-status").inner_text() == "완료"
    [cancel] = [r for r in pg.requests if r.path.endswith("/cancel")]
    assert cancel.body["cancelAmount"] == 34000
