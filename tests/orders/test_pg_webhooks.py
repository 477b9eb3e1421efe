"""The PG's window beyond cards: virtual accounts (가상계좌), the webhook endpoint, the refund call
(orders.services.confirmations, webhooks, payments.pg_cancel) against the fake PG over HTTP."""
import json
import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from orders.exceptions import FieldsInvalid, PaymentError
from orders.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentMethod,
    PaymentMismatch,
    PaymentStatus,
    RefundAccount,
    VendorOrderStatus,
)
from orders.services.actions import vendor_order_cancel
from orders.services.payments import payment_cancel, payment_refund, refund_account_set, refunds_due
from orders.tasks import orders_expire_due_task
from tests.factories import UserFactory, place_order

from .helpers import assert_no_secret_stored, stock, success

pytestmark = pytest.mark.django_db

WEBHOOK = "/orders/payments/webhook/"


def post_webhook(client, body):
    return client.post(WEBHOOK, json.dumps(body), content_type="application/json")


@pytest.fixture
def va_order(rice, buyer):
    """`buyer`'s unpaid virtual-account order of 2 × `rice` (50,000원)."""
    return place_order(items=[(rice, 2)], buyer=buyer, payment_method=PaymentMethod.VIRTUAL_ACCOUNT)


@pytest.fixture
def issued(client, gateway, va_order, django_capture_on_commit_callbacks):
    """The buyer came back from the window: the PG issued the account (WAITING_FOR_DEPOSIT)."""
    gateway.virtual_account = True
    with django_capture_on_commit_callbacks(execute=True):
        response = success(client, va_order, key="pk_va_1")
    assert response.status_code == 200
    return va_order


# --- virtual accounts ------------------------------------------------------------------------------


def test_virtual_account_is_issued_and_the_order_waits_for_the_deposit(client, issued, buyer, gateway):
    order = issued
    payment = Payment.objects.get(order=order, provider_key="pk_va_1")
    assert payment.status == PaymentStatus.WAITING_FOR_DEPOSIT and payment.provider_status == "WAITING_FOR_DEPOSIT"
    assert (payment.va_bank_code, payment.va_account_number) == ("20", "X6505636518308")
    assert payment.va_secret == "ps_secret_pk_va_1"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and order.expires_at == payment.va_due_at
    # The order page shows bank, number and due date; the payment page no longer offers the window.
    client.force_login(buyer)
    html = client.get(order.get_absolute_url()).content.decode()
    assert "우리은행" in html and "X6505636518308" in html and "2099-11-25" in html
    assert "data-payment-window" not in client.get(reverse("orders:pay_card", args=[order.number])).content.decode()
    # The order-received notice carries the account.
    notice = Notification.objects.filter(user=buyer, title="주문이 접수되었습니다").latest("pk")
    assert "X6505636518308" in notice.body and "우리은행" in notice.body and "2099" in notice.body
    assert_no_secret_stored()


def test_the_deposit_webhook_pays_once_however_often_it_arrives(client, issued, gateway):
    body = gateway.deposit("pk_va_1")
    for _ in range(3):
        assert post_webhook(client, body).status_code == 200
    order = Order.objects.get(pk=issued.pk)
    assert order.status == OrderStatus.PAID
    assert set(order.vendor_orders.values_list("status", flat=True)) == {VendorOrderStatus.PAID}
    payment = Payment.objects.get(order=order, provider_key="pk_va_1")
    assert payment.status == PaymentStatus.DONE and payment.supplied_amount + payment.vat == order.total
    assert payment.events.filter(kind="deposit", ok=True).count() == 1
    assert payment.events.filter(kind="webhook").count() == 1  # the same body twice is one notice
    assert order.events.filter(vendor_order__isnull=True, to_status=OrderStatus.PAID).count() == 1
    # The secret is compared, never logged.
    assert "ps_secret_pk_va_1" not in json.dumps(list(payment.events.values_list("request", flat=True)))


def test_a_deposit_webhook_with_the_wrong_secret_changes_nothing(client, issued, gateway):
    body = {**gateway.deposit("pk_va_1"), "secret": "guessed"}
    assert post_webhook(client, body).status_code == 403
    body = {**body, "secret": "ps_secret_pk_va_1", "orderId": place_order(
        items=[(Payment.objects.get(provider_key="pk_va_1").order.lines.get().variant, 1)]).number}
    assert post_webhook(client, body).status_code == 403  # another order's number with this secret
    assert Order.objects.get(pk=issued.pk).status == OrderStatus.PENDING_PAYMENT
    assert not PaymentEvent.objects.filter(kind__in=("deposit", "webhook")).exists()


def test_status_notices_out_of_order_never_move_back(client, issued, gateway):
    waiting_notice = gateway.status_changed("pk_va_1")  # WAITING_FOR_DEPOSIT, sent first, delivered last
    deposit = gateway.deposit("pk_va_1")
    done_notice = gateway.status_changed("pk_va_1", status="DONE")
    assert post_webhook(client, done_notice).status_code == 200
    assert Order.objects.get(pk=issued.pk).status == OrderStatus.PAID
    before = (PaymentEvent.objects.filter(kind="deposit").count(), Payment.objects.get(provider_key="pk_va_1").status)
    assert post_webhook(client, waiting_notice).status_code == 200
    assert post_webhook(client, {**deposit, "status": "WAITING_FOR_DEPOSIT"}).status_code == 200
    assert post_webhook(client, deposit).status_code == 200
    assert (PaymentEvent.objects.filter(kind="deposit").count(),
            Payment.objects.get(provider_key="pk_va_1").status) == before == (1, PaymentStatus.DONE)
    assert Order.objects.get(pk=issued.pk).status == OrderStatus.PAID


def test_a_status_notice_is_checked_with_the_pg_not_believed(client, card_order, gateway):
    """A forged PAYMENT_STATUS_CHANGED saying DONE pays nothing: the PG's own record is asked."""
    forged = {"eventType": "PAYMENT_STATUS_CHANGED", "createdAt": "2026-11-23T10:00:00.000000",
              "data": {"paymentKey": "pk_forged", "orderId": card_order.number, "status": "DONE",
                       "totalAmount": card_order.total}}
    assert post_webhook(client, forged).status_code == 200
    assert Order.objects.get(pk=card_order.pk).status == OrderStatus.PENDING_PAYMENT
    assert any(r.path == "/v1/payments/pk_forged" and r.method == "GET" for r in gateway.requests)
    assert not Payment.objects.filter(provider_key="pk_forged").exists()
    # A real paymentKey of another order named with this order's number is not taken either.
    other = place_order(items=[(card_order.lines.get().variant, 1)], payment_method=PaymentMethod.CARD)
    success(client, other, key="pk_other")
    Order.objects.filter(pk=other.pk).update(status=OrderStatus.PENDING_PAYMENT)
    Payment.objects.filter(provider_key="pk_other").update(provider_key="")
    forged["data"]["paymentKey"] = "pk_other"
    assert post_webhook(client, forged).status_code == 200
    assert Order.objects.get(pk=card_order.pk).status == OrderStatus.PENDING_PAYMENT


def test_a_card_approval_whose_redirect_was_lost_is_paid_by_the_status_notice(client, card_order, gateway, settings):
    # The browser's confirmation timed out and the buyer closed the tab; the PG approved it.
    gateway.queue("slow")
    gateway.slow_seconds = 1.5
    settings.PAYMENT_TIMEOUT_SECONDS = 0.5
    success(client, card_order, key="pk_lost")
    assert Order.objects.get(pk=card_order.pk).status == OrderStatus.PENDING_PAYMENT
    for _ in range(40):  # the PG finishes approving after we stopped waiting
        if "pk_lost" in gateway.payments:
            break
        time.sleep(0.1)
    notice = gateway.status_changed("pk_lost")
    assert post_webhook(client, notice).status_code == 200
    assert Order.objects.get(pk=card_order.pk).status == OrderStatus.PAID
    assert len(gateway.confirms()) == 1  # no second confirmation, no second charge


def test_an_expired_virtual_account_returns_the_stock(client, issued, gateway, rice):
    assert stock(rice) == 8
    notice = gateway.status_changed("pk_va_1", status="EXPIRED")
    assert post_webhook(client, notice).status_code == 200
    order = Order.objects.get(pk=issued.pk)
    assert order.status == OrderStatus.EXPIRED and stock(rice) == 10
    assert Payment.objects.get(provider_key="pk_va_1").status == PaymentStatus.EXPIRED
    # A deposit notice after that reopens nothing: the money goes on the operator's refund list.
    assert post_webhook(client, gateway.deposit("pk_va_1")).status_code == 200
    assert Order.objects.get(pk=issued.pk).status == OrderStatus.EXPIRED
    assert refunds_due().filter(payment__provider_key="pk_va_1").count() == 1


def test_the_beat_expires_a_virtual_account_order_past_its_due_date(issued, rice):
    Order.objects.filter(pk=issued.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_expire_due_task()
    assert Order.objects.get(pk=issued.pk).status == OrderStatus.EXPIRED and stock(rice) == 10
    assert Payment.objects.get(provider_key="pk_va_1").status == PaymentStatus.EXPIRED


def test_unknown_or_malformed_webhooks(client, gateway):
    assert client.post(WEBHOOK, "not json", content_type="application/json").status_code == 400
    assert post_webhook(client, {"eventType": "SOMETHING_ELSE"}).status_code == 200
    assert client.get(WEBHOOK).status_code == 405


# --- the refund call -----------------------------------------------------------------------------


@pytest.fixture
def paid_va(client, issued, gateway):
    post_webhook(client, gateway.deposit("pk_va_1"))
    order = Order.objects.get(pk=issued.pk)
    assert order.status == OrderStatus.PAID
    return order


def test_refund_account_is_checked(paid_va):
    with pytest.raises(FieldsInvalid) as exc:
        refund_account_set(order_id=paid_va.pk, bank_code="999", account_number="12-34", holder_name="")
    assert set(exc.value.fields) == {"bank_code", "account_number", "holder_name"}
    assert "숫자 10~16자리" in exc.value.fields["account_number"]
    account = refund_account_set(order_id=paid_va.pk, bank_code="88", account_number="110-123-456789",
                                 holder_name="김구매")
    assert account.account_number == "110123456789"


def test_partial_refunds_of_a_virtual_account_send_the_refund_account_and_tax_free_part(paid_va, gateway):
    refund_account_set(order_id=paid_va.pk, bank_code="88", account_number="110123456789", holder_name="김구매")
    payment = Payment.objects.get(order=paid_va, provider_key="pk_va_1")
    payment_cancel(payment_id=payment.pk, amount=10000, reason="한 줄 취소", tax_free_amount=10000)
    cancel = [r for r in gateway.requests if r.path == "/v1/payments/pk_va_1/cancel"][-1]
    assert cancel.body == {"cancelReason": "한 줄 취소", "cancelAmount": 10000, "taxFreeAmount": 10000,
                           "refundReceiveAccount": {"bank": "88", "accountNumber": "110123456789",
                                                    "holderName": "김구매"}}
    assert cancel.headers["Authorization"].startswith("Basic ") and len(cancel.headers["Idempotency-Key"]) == 64
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_amount) == (PaymentStatus.PARTIAL_CANCELLED, 10000)
    # The PG reported the refund done: the account is not kept; the log has only its last digits.
    assert not RefundAccount.objects.exists()
    stored = json.dumps(list(payment.events.filter(kind="cancel").values_list("request", flat=True)))
    assert "110123456789" not in stored and "****6789" in stored
    # A second partial refund needs the account again, and uses a new Idempotency-Key.
    with pytest.raises(PaymentError):
        payment_cancel(payment_id=payment.pk, amount=5000, reason="또 한 줄")
    refund_account_set(order_id=paid_va.pk, bank_code="88", account_number="110123456789", holder_name="김구매")
    payment_cancel(payment_id=payment.pk, amount=5000, reason="또 한 줄")
    keys = [r.headers["Idempotency-Key"] for r in gateway.requests if r.path.endswith("/cancel")]
    assert len(keys) == len(set(keys)) == 2
    with pytest.raises(PaymentError):
        payment_cancel(payment_id=payment.pk, amount=paid_va.total, reason="남은 것보다 많이")


def test_a_virtual_account_refund_without_an_account_goes_to_the_operator(paid_va, buyer, gateway):
    vendor_order = paid_va.vendor_orders.get()
    vendor_order_cancel(vendor_order_id=vendor_order.pk, actor=buyer, reason="배송 전 취소")
    assert not any(r.path.endswith("/cancel") for r in gateway.requests)
    assert refunds_due().filter(payment__order=paid_va).count() == 1


def test_card_refund_carries_the_tax_free_part(client, gateway, card_order):
    success(client, card_order)
    payment_refund(order=card_order, amount=20000, reason="부분 취소", tax_free_amount=20000)
    cancel = [r for r in gateway.requests if r.path.endswith("/cancel")][-1]
    assert cancel.body == {"cancelReason": "부분 취소", "cancelAmount": 20000, "taxFreeAmount": 20000}


# --- the window's fail URL, and who may see what ---------------------------------------------------------


def test_fail_url_shows_the_reason_in_korean_and_the_order_stays_payable(client, card_order, buyer):
    client.force_login(buyer)
    response = client.get(reverse("orders:pay_card_fail"), {"code": "REJECT_CARD_COMPANY",
                                                            "message": "Card company rejected", "orderId": card_order.number})
    html = response.content.decode()
    assert "카드사에서 결제를 거절했습니다" in html and "다시 결제하기" in html
    assert Order.objects.get(pk=card_order.pk).status == OrderStatus.PENDING_PAYMENT
    assert "data-payment-window" in client.get(reverse("orders:pay_card", args=[card_order.number])).content.decode()


def test_another_buyer_cannot_see_a_virtual_account_or_open_the_payment_page(client, issued):
    client.force_login(UserFactory())
    assert client.get(issued.get_absolute_url()).status_code == 404
    assert client.get(reverse("orders:pay_card", args=[issued.number])).status_code == 404
    with pytest.raises(PaymentError):
        payment_cancel(payment_id=Payment.objects.get(provider_key="pk_va_1").pk, amount=1000, reason="x")


# --- PostgreSQL: the same notice at once from two deliveries ------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_a_deposit_pay_once(gateway, rice, buyer, settings):
    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    order = place_order(items=[(rice, 2)], buyer=buyer, payment_method=PaymentMethod.VIRTUAL_ACCOUNT)
    gateway.virtual_account = True
    success(Client(), order, key="pk_va_pg")
    deposit = gateway.deposit("pk_va_pg")
    done = gateway.status_changed("pk_va_pg", status="DONE")
    bodies = [deposit, done, deposit, done, {**deposit, "status": "WAITING_FOR_DEPOSIT"}, deposit]
    barrier = threading.Barrier(len(bodies))
    codes = []

    def deliver(body):
        try:
            barrier.wait()
            codes.append(Client().post(WEBHOOK, json.dumps(body), content_type="application/json").status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=deliver, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(codes) == {200}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.events.filter(vendor_order__isnull=True, to_status=OrderStatus.PAID).count() == 1
    assert PaymentEvent.objects.filter(payment__order=order, kind="deposit").count() == 1
    assert PaymentEvent.objects.filter(payment__order=order, kind="webhook").count() == 3  # three distinct bodies


# --- cancels reported by the PG, escrow, the admin ----------------------------------------------------


def test_cancel_notices_raise_the_cancelled_amount_and_never_lower_it(client, gateway, card_order):
    success(client, card_order)
    partial = gateway.status_changed("pk_test_1", status="PARTIAL_CANCELED", balanceAmount=card_order.total - 10000)
    whole = gateway.status_changed("pk_test_1", status="CANCELED", balanceAmount=0)
    cancel_notice = {"eventType": "CANCEL_STATUS_CHANGED", "createdAt": "2026-11-23T11:00:00.000000",
                     "data": {"paymentKey": "pk_test_1", "transactionKey": "tx_c_1", "cancelStatus": "DONE"}}
    assert post_webhook(client, whole).status_code == 200
    payment = Payment.objects.get(provider_key="pk_test_1")
    assert (payment.status, payment.cancelled_amount) == (PaymentStatus.CANCELLED, card_order.total)
    assert post_webhook(client, partial).status_code == 200  # older, delivered later
    assert post_webhook(client, cancel_notice).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_amount) == (PaymentStatus.CANCELLED, card_order.total)
    assert payment.events.filter(kind="webhook").count() == 3
    # Cancelled at the PG, not through the shop: the operator is shown it, once.
    [mismatch] = PaymentMismatch.objects.all()
    assert mismatch.problem == "PG에서 취소되었지만 주문은 그대로입니다" and mismatch.order_number == card_order.number


def test_escrow_is_asked_for_in_the_window_of_a_virtual_account_order(client, rice, buyer):
    order = place_order(items=[(rice, 2)], buyer=buyer, payment_method=PaymentMethod.VIRTUAL_ACCOUNT)
    Order.objects.filter(pk=order.pk).update(use_escrow=True)
    client.force_login(buyer)
    html = client.get(reverse("orders:pay_card", args=[order.number])).content.decode()
    assert 'data-method="VIRTUAL_ACCOUNT"' in html and 'data-escrow="true"' in html
    assert 'data-testid="escrow-notice"' in html
    products = json.loads(re.search(r'data-escrow-products="([^"]*)"', html).group(1).replace("&quot;", '"'))
    assert products == [{"id": str(order.lines.get().pk), "name": order.lines.get().product_name,
                         "code": order.lines.get().sku or str(order.lines.get().pk), "unitPrice": 25000, "quantity": 2}]


def test_the_operator_reads_cash_receipts_and_webhooks_in_korean(operator_client, issued, gateway, client):
    post_webhook(client, gateway.deposit("pk_va_1"))
    for url, text in ((reverse("admin:orders_paymentevent_changelist") + "?kind=webhook", "PG 웹훅"),
                      (reverse("admin:orders_cashreceipt_changelist"), "현금영수증"),
                      (reverse("admin:orders_paymentmismatch_changelist"), "결제 대사 불일치")):
        response = operator_client.get(url)
        assert response.status_code == 200 and text in response.content.decode(), url


def test_a_vendor_member_cannot_reach_the_payment_admin_pages(client, vendor):
    from tests.factories import MembershipFactory

    client.force_login(MembershipFactory(vendor=vendor).user)
    for name in ("orders_cashreceipt_changelist", "orders_paymentmismatch_changelist"):
        response = client.get(reverse(f"admin:{name}"))
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def test_the_buyer_gives_a_refund_account_on_the_order_page_and_only_the_buyer(client, paid_va, buyer, gateway):
    url = reverse("orders:refund_account", args=[paid_va.number])
    client.force_login(UserFactory())
    assert client.post(url, {"bank_code": "88", "account_number": "110123456789", "holder_name": "남"}).status_code == 404
    client.force_login(buyer)
    assert 'data-testid="refund-account-form"' in client.get(paid_va.get_absolute_url()).content.decode()
    page = client.post(url, {"bank_code": "88", "account_number": "12-34", "holder_name": "김구매"},
                       follow=True).content.decode()
    assert "숫자 10~16자리" in page and not RefundAccount.objects.exists()
    client.post(url, {"bank_code": "88", "account_number": "110-123-456789", "holder_name": "김구매"})
    assert RefundAccount.objects.get().account_number == "110123456789"
    html = client.get(paid_va.get_absolute_url()).content.decode()
    assert "신한은행 ****6789" in html and "110123456789" not in html
    # Cancelling now refunds through the PG to that account, which is then forgotten.
    vendor_order_cancel(vendor_order_id=paid_va.vendor_orders.get().pk, actor=buyer, reason="배송 전 취소")
    cancel = [r for r in gateway.requests if r.path.endswith("/cancel")][-1]
    assert cancel.body["refundReceiveAccount"]["accountNumber"] == "110123456789"
    assert not RefundAccount.objects.exists() and not refunds_due().exists()
    assert Order.objects.get(pk=paid_va.pk).status == OrderStatus.CANCELLED


def test_cancelling_an_unpaid_virtual_account_order_closes_the_account_at_the_pg(issued, buyer, gateway, rice):
    vendor_order_cancel(vendor_order_id=issued.vendor_orders.get().pk, actor=buyer, reason="마음이 바뀜")
    assert Order.objects.get(pk=issued.pk).status == OrderStatus.CANCELLED and stock(rice) == 10
    orders_expire_due_task()
    cancel = [r for r in gateway.requests if r.path == "/v1/payments/pk_va_1/cancel"]
    assert len(cancel) == 1 and "cancelAmount" not in cancel[0].body and "refundReceiveAccount" not in cancel[0].body
    assert Payment.objects.get(provider_key="pk_va_1").status == PaymentStatus.CANCELLED
    orders_expire_due_task()  # again: nothing more is sent
    assert len([r for r in gateway.requests if r.path.endswith("/cancel")]) == 1


def test_a_virtual_account_close_the_pg_does_not_answer_is_tried_again(issued, buyer, gateway):
    vendor_order_cancel(vendor_order_id=issued.vendor_orders.get().pk, actor=buyer)
    gateway.mode = "error"
    orders_expire_due_task()
    assert Payment.objects.get(provider_key="pk_va_1").status == PaymentStatus.WAITING_FOR_DEPOSIT
    gateway.mode = "success"
    orders_expire_due_task()
    assert Payment.objects.get(provider_key="pk_va_1").status == PaymentStatus.CANCELLED
