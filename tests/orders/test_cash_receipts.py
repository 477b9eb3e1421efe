"""현금영수증 (orders.services.cash_receipts) through the fake PG's cash-receipt API, and 구매안전서비스 at checkout."""
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orders.exceptions import FieldsInvalid, NotAllowed
from orders.models import CashReceipt, CashReceiptStatus, Order, OrderStatus, PaymentMethod
from orders.services.actions import vendor_order_cancel
from orders.services.cash_receipts import cash_receipt_issue, cash_receipt_number_clean, cash_receipt_request
from orders.services.confirmations import payment_deposit_confirm
from orders.services.payments import payment_refund_done, refunds_due
from tests.factories import UserFactory, place_order

from .helpers import success

pytestmark = pytest.mark.django_db

R = CashReceiptStatus


def receipts(gateway):
    return [r for r in gateway.requests if r.path.startswith("/v1/cash-receipts")]


@pytest.fixture
def bank_order(rice, buyer):
    return place_order(items=[(rice, 2)], buyer=buyer)


def test_numbers_are_checked_for_each_use():
    assert cash_receipt_number_clean("소득공제", "010-1234-5678") == "01012345678"
    assert cash_receipt_number_clean("지출증빙", "124-81-00998") == "1248100998"
    for kind, number in (("소득공제", "02-123-4567"), ("지출증빙", "123-45-67890"), ("영수증", "01012345678")):
        with pytest.raises(ValidationError):
            cash_receipt_number_clean(kind, number)


def test_asked_at_checkout_issued_once_paid_and_only_once(gateway, bank_order, operator,
                                                         django_capture_on_commit_callbacks):
    cash_receipt_request(order_id=bank_order.pk, receipt_type="소득공제", number="010-1234-5678")
    assert not receipts(gateway)  # not paid yet: nothing is issued
    with django_capture_on_commit_callbacks(execute=True):
        payment_deposit_confirm(order_id=bank_order.pk, actor=operator)
    receipt = CashReceipt.objects.get(order=bank_order)
    assert receipt.status == R.ISSUED and receipt.issue_number == "000000001" and receipt.amount == bank_order.total
    [issue] = receipts(gateway)
    assert issue.body == {"amount": bank_order.total, "orderId": bank_order.number, "orderName": issue.body["orderName"],
                          "customerIdentityNumber": "01012345678", "type": "소득공제", "taxFreeAmount": 0}
    assert issue.headers["Authorization"].startswith("Basic ") and len(issue.headers["Idempotency-Key"]) == 64
    assert cash_receipt_issue(order_id=bank_order.pk) == "nothing"  # the task again: nothing more
    assert len(receipts(gateway)) == 1


def test_a_refund_cancels_that_much_of_the_receipt(gateway, bank_order, operator, buyer,
                                                   django_capture_on_commit_callbacks):
    cash_receipt_request(order_id=bank_order.pk, receipt_type="지출증빙", number="124-81-00998")
    with django_capture_on_commit_callbacks(execute=True):
        payment_deposit_confirm(order_id=bank_order.pk, actor=operator)
    assert CashReceipt.objects.get(order=bank_order).status == R.ISSUED
    vendor_order_cancel(vendor_order_id=bank_order.vendor_orders.get().pk, actor=buyer, reason="취소")
    [due] = refunds_due()
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund_done(event_id=due.pk, actor=operator)
    receipt = CashReceipt.objects.get(order=bank_order)
    assert receipt.status == R.CANCELLED and receipt.cancelled_amount == bank_order.total
    cancel = receipts(gateway)[-1]
    assert cancel.path == f"/v1/cash-receipts/{receipt.receipt_key}/cancel" and cancel.body == {"amount": bank_order.total}


def test_a_refused_issue_is_shown_and_can_be_asked_again(gateway, bank_order, operator, buyer, client,
                                                         django_capture_on_commit_callbacks):
    cash_receipt_request(order_id=bank_order.pk, receipt_type="소득공제", number="01012345678")
    gateway.mode = "decline"
    with django_capture_on_commit_callbacks(execute=True):
        payment_deposit_confirm(order_id=bank_order.pk, actor=operator)
    assert CashReceipt.objects.get(order=bank_order).status == R.FAILED
    gateway.mode = "success"
    client.force_login(buyer)
    html = client.get(bank_order.get_absolute_url()).content.decode()
    assert "발급하지 못했습니다" in html and 'data-testid="cash-receipt-form"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orders:cash_receipt_request", args=[bank_order.number]),
                               {"type": "소득공제", "number": "010-9999-8888"})
    assert response.status_code == 302
    receipt = CashReceipt.objects.get(order=bank_order)
    assert receipt.status == R.ISSUED and receipt.identity_number == "01099998888"
    html = client.get(bank_order.get_absolute_url()).content.decode()
    assert receipt.issue_number in html and "010****8888" in html and "01099998888" not in html


def test_asked_later_on_the_order_page_with_korean_errors(client, bank_order, buyer):
    client.force_login(buyer)
    url = reverse("orders:cash_receipt_request", args=[bank_order.number])
    page = client.post(url, {"type": "지출증빙", "number": "123-45-67890"}, follow=True).content.decode()
    assert "올바른 사업자등록번호" in page and not CashReceipt.objects.exists()
    client.post(url, {"type": "지출증빙", "number": "124-81-00998"})
    assert CashReceipt.objects.get(order=bank_order).status == R.REQUESTED


def test_one_buyer_cannot_ask_or_see_anothers_cash_receipt(client, bank_order):
    cash_receipt_request(order_id=bank_order.pk, receipt_type="소득공제", number="01012345678")
    client.force_login(UserFactory())
    url = reverse("orders:cash_receipt_request", args=[bank_order.number])
    assert client.post(url, {"type": "소득공제", "number": "01055556666"}).status_code == 404
    assert client.get(bank_order.get_absolute_url()).status_code == 404
    assert CashReceipt.objects.get(order=bank_order).identity_number == "01012345678"


def test_card_orders_have_no_cash_receipt(card_order):
    with pytest.raises(NotAllowed):
        cash_receipt_request(order_id=card_order.pk, receipt_type="소득공제", number="01012345678")
    with pytest.raises(FieldsInvalid):
        cash_receipt_request(order_id=place_order(items=[(card_order.lines.get().variant, 1)]).pk,
                             receipt_type="소득공제", number="123")


def test_virtual_account_receipt_is_issued_by_the_deposit_webhook(client, gateway, rice, buyer,
                                                                  django_capture_on_commit_callbacks):
    order = place_order(items=[(rice, 1)], buyer=buyer, payment_method=PaymentMethod.VIRTUAL_ACCOUNT)
    cash_receipt_request(order_id=order.pk, receipt_type="소득공제", number="01012345678")
    gateway.virtual_account = True
    success(client, order, key="pk_va_r")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/orders/payments/webhook/", json.dumps(gateway.deposit("pk_va_r")),
                    content_type="application/json")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert CashReceipt.objects.get(order=order).status == R.ISSUED


# --- checkout: the choice and the escrow notice ----------------------------------------------------------


def test_checkout_offers_cash_receipt_and_escrow_with_its_notice(client, rice):
    from .helpers import add

    add(client, rice)
    html = client.get("/orders/checkout/").content.decode()
    assert "현금영수증" in html and "소득공제" in html and "지출증빙" in html
    assert "구매안전서비스" in html and 'data-testid="escrow-notice"' in html
    assert 'value="virtual_account"' in html and "가상계좌" in html
