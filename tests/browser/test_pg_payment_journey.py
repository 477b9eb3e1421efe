"""Paying through the PG's window in Chromium: checkout → our payment page → the SDK's window (the fake PG's
stand-in script, same JavaScript interface) → success URL → confirmed → paid; a virtual account paid by the
deposit webhook; a declined card shown in Korean with the order still payable."""
import json
import urllib.request

import pytest

from orders.models import Order, OrderStatus, Payment, PaymentStatus
from tests.factories import PASSWORD, ProductFactory, UserFactory, category

pytestmark = pytest.mark.django_db(transaction=True)


def checkout(page, live_server, email, method_label):
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("이메일").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + "/search/?q=현미")
    page.locator("[data-testid=product-card]").first.get_by_role("link").first.click()
    page.wait_for_url("**/products/**")
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_url("**/orders/cart/")
    page.get_by_test_id("checkout-link").click()
    page.wait_for_url("**/orders/checkout/")
    page.locator("#id_orderer_name").fill("이구매")
    page.locator("#id_orderer_phone").fill("010-2222-3333")
    page.locator("#id_email").fill(email)
    page.locator("#id_recipient_name").fill("이구매")
    page.locator("#id_recipient_phone").fill("010-2222-3333")
    page.locator("#id_postal_code").fill("32244")
    page.locator("#id_address").fill("충청남도 홍성군 홍성읍 아문길 27")
    page.get_by_label(method_label, exact=True).check()
    page.get_by_label("주문 상품의 구매조건을 확인했으며 결제 진행에 동의합니다 (필수)").check()
    page.get_by_label("개인정보 제3자(판매기업) 제공에 동의합니다 (필수)").check()
    page.get_by_test_id("place-order").click()
    page.wait_for_url("**/orders/payments/card/**")


@pytest.fixture
def shop(db):
    ProductFactory(name="홍성 유기농 현미", category=category("rice-grains"),
                   variants=[{"name": "5kg", "price": 25000, "stock": 10, "sku": "RICE-5"}])
    return UserFactory(email="buyer@example.kr", name="이구매", phone="010-2222-3333")


def test_card_through_the_pg_window_to_paid(live_server, new_page, pg, shop):
    page = new_page()
    checkout(page, live_server, shop.email, "카드·간편결제")
    order = Order.objects.get(buyer=shop)
    page.get_by_test_id("pay-button").click()  # the SDK's requestPayment → the window → successUrl
    page.wait_for_url("**/orders/payments/card/success/**")
    assert page.get_by_test_id("payment-result").get_attribute("data-outcome") == "paid"
    assert "결제가 완료되었습니다" in page.content()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    [confirm] = pg.confirms()
    assert confirm.body["orderId"] == order.number and confirm.body["amount"] == order.total
    assert confirm.headers["Authorization"].startswith("Basic ") and confirm.headers["Idempotency-Key"]
    # Reloading the success page confirms nothing twice.
    page.reload()
    assert len(pg.confirms()) == 1


def test_a_tampered_amount_is_refused_and_nothing_is_charged(live_server, new_page, pg, shop):
    pg.window_amount = 100
    page = new_page()
    checkout(page, live_server, shop.email, "카드·간편결제")
    page.get_by_test_id("pay-button").click()
    page.wait_for_url("**/orders/payments/card/success/**")
    assert page.get_by_test_id("payment-result").get_attribute("data-outcome") == "mismatch"
    assert not pg.confirms()
    assert Order.objects.get(buyer=shop).status == OrderStatus.PENDING_PAYMENT


def test_a_declined_card_says_why_in_korean_and_the_order_stays_payable(live_server, new_page, pg, shop):
    pg.window_mode = "decline"
    page = new_page()
    checkout(page, live_server, shop.email, "카드·간편결제")
    page.get_by_test_id("pay-button").click()
    page.wait_for_url("**/orders/payments/card/fail/**")
    assert "카드사에서 결제를 거절했습니다" in page.content()
    assert Order.objects.get(buyer=shop).status == OrderStatus.PENDING_PAYMENT
    # Paying again with another card works.
    pg.window_mode = "success"
    page.get_by_role("link", name="다시 결제하기").click()
    page.get_by_test_id("pay-button").click()
    page.wait_for_url("**/orders/payments/card/success/**")
    assert Order.objects.get(buyer=shop).status == OrderStatus.PAID


def test_virtual_account_waits_for_the_deposit_webhook(live_server, new_page, pg, shop):
    pg.virtual_account = True
    page = new_page()
    checkout(page, live_server, shop.email, "가상계좌")
    page.get_by_test_id("pay-button").click()
    page.wait_for_url("**/orders/payments/card/success/**")
    assert page.get_by_test_id("payment-result").get_attribute("data-outcome") == "waiting"
    assert page.get_by_test_id("va-number").inner_text() == "X6505636518308"
    order = Order.objects.get(buyer=shop)
    assert order.status == OrderStatus.PENDING_PAYMENT
    page.goto(live_server.url + order.get_absolute_url())
    assert "X6505636518308" in page.get_by_test_id("virtual-account-pending").inner_text()

    # The buyer pays at the bank; the PG calls our webhook (twice, as it may).
    payment = Payment.objects.get(order=order, status=PaymentStatus.WAITING_FOR_DEPOSIT)
    body = json.dumps(pg.deposit(payment.provider_key)).encode()
    for _ in range(2):
        request = urllib.request.Request(live_server.url + "/orders/payments/webhook/", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200
    page.reload()
    assert page.get_by_test_id("order-status").inner_text() == "결제 완료"
    assert order.events.filter(vendor_order__isnull=True, to_status=OrderStatus.PAID).count() == 1


def test_cash_receipt_chosen_at_checkout_is_issued_once_the_deposit_is_confirmed(live_server, new_page, pg, shop):
    from orders.services.confirmations import payment_deposit_confirm

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("이메일").fill(shop.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + "/search/?q=현미")
    page.locator("[data-testid=product-card]").first.get_by_role("link").first.click()
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_url("**/orders/cart/")
    page.get_by_test_id("checkout-link").click()
    page.wait_for_url("**/orders/checkout/")
    for field, value in (("#id_orderer_name", "이구매"), ("#id_orderer_phone", "010-2222-3333"), ("#id_email", shop.email),
                         ("#id_recipient_name", "이구매"), ("#id_recipient_phone", "010-2222-3333"),
                         ("#id_postal_code", "32244"), ("#id_address", "충청남도 홍성군 홍성읍 아문길 27")):
        page.locator(field).fill(value)
    page.get_by_label("무통장입금", exact=True).check()
    assert "구매안전서비스" in page.get_by_test_id("escrow").inner_text()
    page.get_by_label("소득공제 (휴대폰 번호)").check()
    page.locator("#id_cash_receipt_number").fill("010-2222-3333")
    page.get_by_label("주문 상품의 구매조건을 확인했으며 결제 진행에 동의합니다 (필수)").check()
    page.get_by_label("개인정보 제3자(판매기업) 제공에 동의합니다 (필수)").check()
    page.get_by_test_id("place-order").click()
    page.wait_for_url("**/orders/2**")
    assert page.get_by_test_id("cash-receipt-status").inner_text() == "발급 대기"

    order = Order.objects.get(buyer=shop)
    payment_deposit_confirm(order_id=order.pk, amount=order.total, source="test")  # the operator saw the deposit
    page.reload()
    assert page.get_by_test_id("cash-receipt-status").inner_text() == "발급 완료"
    assert page.get_by_test_id("cash-receipt-number").inner_text() == "000000001"
    [issue] = [r for r in pg.requests if r.path == "/v1/cash-receipts"]
    assert issue.body["customerIdentityNumber"] == "01022223333" and issue.body["type"] == "소득공제"
