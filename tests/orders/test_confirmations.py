"""A card approval or a deposit pays the order (orders.services.confirmations): the card flow against the fake
gateway over real HTTP (confirm, decline, timeout and retry, late approvals, the beat task asking again), and
deposits confirmed by hand in the operator's admin."""
import base64
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.exceptions import PaymentError
from orders.models import Order, OrderStatus, Payment, PaymentEvent, PaymentMethod, PaymentStatus, VendorOrderStatus
from orders.services.actions import order_expire
from orders.services.confirmations import payment_deposit_confirm
from orders.services.payments import refunds_due
from orders.tasks import orders_expire_due_task
from tests.factories import place_order

from .helpers import SECRET, assert_no_secret_stored, stock, success

pytestmark = pytest.mark.django_db


# --- card: confirmation against the fake gateway -------------------------------------------------


def test_success_confirms_with_basic_auth_and_idempotency_key_then_pays(client, gateway, card_order):
    response = success(client, card_order)
    assert response.status_code == 200
    assert "결제가 완료되었습니다" in response.content.decode()

    [request] = gateway.requests
    assert request.path == "/v1/payments/confirm"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{SECRET}:".encode()).decode()
    payment = Payment.objects.get(order=card_order)
    assert request.headers["Idempotency-Key"] == payment.idempotency_key
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {"paymentKey": "pk_test_1", "orderId": card_order.number, "amount": card_order.total}

    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PAID
    assert set(card_order.vendor_orders.values_list("status", flat=True)) == {VendorOrderStatus.PAID}
    assert payment.status == PaymentStatus.DONE and payment.provider_key == "pk_test_1"
    assert payment.supplied_amount + payment.vat + payment.tax_free_amount == card_order.total
    assert payment.vat == round(card_order.total / 11)
    assert payment.approved_at == datetime(2026, 11, 22, 5, 5, 30, tzinfo=UTC)

    [event] = payment.events.all()
    assert (event.kind, event.http_status, event.ok) == ("confirm", 200, True)
    assert event.request["body"]["amount"] == card_order.total
    assert event.request["headers"]["Idempotency-Key"] == payment.idempotency_key
    assert event.response["status"] == "DONE"
    assert_no_secret_stored()


def test_amount_mismatch_is_refused_without_calling_the_gateway(client, gateway, card_order):
    response = success(client, card_order, amount=card_order.total - 1000)
    html = response.content.decode()
    assert "주문 금액" in html and "승인하지 않았습니다" in html
    assert gateway.requests == []
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PENDING_PAYMENT
    payment = Payment.objects.get(order=card_order)
    assert payment.status == PaymentStatus.FAILED
    [event] = payment.events.all()
    assert event.kind == "mismatch"
    assert event.request["amount"] == str(card_order.total - 1000) and event.request["expected"] == card_order.total
    # Not a number at all: refused the same way.
    assert "승인하지 않았습니다" in success(client, card_order, key="pk_x", amount="25000;DROP").content.decode()
    assert gateway.requests == []


def test_decline_then_a_new_attempt_succeeds(client, gateway, card_order):
    gateway.queue("decline")
    html = success(client, card_order, key="pk_declined").content.decode()
    assert "결제가 승인되지 않았습니다" in html and "카드사에서 결제를 거절했습니다" in html
    assert reverse("orders:pay_card", args=[card_order.number]) in html  # 다시 결제하기
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PENDING_PAYMENT
    declined = Payment.objects.get(order=card_order, provider_key="pk_declined")
    assert declined.status == PaymentStatus.FAILED
    assert declined.events.get().http_status == 400

    assert "결제가 완료되었습니다" in success(client, card_order, key="pk_second").content.decode()
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PAID
    first, second = gateway.confirms()
    assert first.headers["Idempotency-Key"] != second.headers["Idempotency-Key"]  # one key per attempt
    assert Payment.objects.get(order=card_order, provider_key="pk_second").status == PaymentStatus.DONE


def test_timeout_then_retry_uses_the_same_idempotency_key(client, gateway, card_order, settings):
    settings.PAYMENT_TIMEOUT_SECONDS = 0.5
    gateway.queue("slow")
    started = time.monotonic()
    response = success(client, card_order)
    waited = time.monotonic() - started
    assert "결제 확인이 지연되고 있습니다" in response.content.decode()
    assert 0.4 < waited < 1.5
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PENDING_PAYMENT
    payment = Payment.objects.get(order=card_order)
    assert payment.status == PaymentStatus.READY
    event = payment.events.get()
    assert (event.http_status, event.ok, event.response) == (None, False, {"error": "timeout"})

    retry = response.context["retry_url"]
    assert "paymentKey=pk_test_1" in retry
    assert "결제가 완료되었습니다" in client.get(retry).content.decode()
    first, second = gateway.confirms()
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == payment.idempotency_key
    assert first.body == second.body
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PAID
    assert Payment.objects.filter(order=card_order).count() == 1
    assert_no_secret_stored()


def test_connection_refused_is_a_delay_not_a_decline(client, gateway, card_order, settings):
    gateway.stop()
    html = success(client, card_order).content.decode()
    assert "결제 확인이 지연되고 있습니다" in html
    assert Payment.objects.get(order=card_order).events.get().response == {"error": "connection"}


def test_second_success_callback_confirms_once(client, gateway, card_order):
    success(client, card_order)
    html = success(client, card_order).content.decode()
    assert "결제가 완료되었습니다" in html
    assert len(gateway.confirms()) == 1
    assert PaymentEvent.objects.filter(kind="confirm").count() == 1


def test_expired_order_is_not_confirmed(client, gateway, card_order):
    Order.objects.filter(pk=card_order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    html = success(client, card_order).content.decode()
    assert "결제 시간이 지났습니다" in html
    assert gateway.requests == []
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get(order=card_order).events.get().kind == "expired"


def test_approval_that_arrives_after_expiry_is_cancelled_at_once(client, gateway, card_order, rice, settings):
    settings.PAYMENT_TIMEOUT_SECONDS = 0.5
    gateway.queue("slow")
    success(client, card_order)  # no answer in time
    Order.objects.filter(pk=card_order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    order_expire(order_id=card_order.pk)
    assert stock(rice) == 10
    html = success(client, card_order).content.decode()  # the retry learns it was approved
    assert "결제 시간이 지났습니다" in html
    assert gateway.paths()[-1] == "/v1/payments/pk_test_1/cancel"
    payment = Payment.objects.get(order=card_order)
    assert payment.status == PaymentStatus.CANCELLED and payment.cancelled_amount == card_order.total
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.EXPIRED


def test_beat_task_asks_again_about_unanswered_confirmations_before_expiring(client, gateway, card_order, settings):
    settings.PAYMENT_TIMEOUT_SECONDS = 0.5
    gateway.queue("slow")
    success(client, card_order)  # the buyer closed the tab after "지연되고 있습니다"
    orders_expire_due_task()
    assert len(gateway.confirms()) == 1  # a confirmation that may still be in flight is left alone
    PaymentEvent.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    Order.objects.filter(pk=card_order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert orders_expire_due_task() == 0
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PAID  # approved in time; we had only not heard
    first, second = gateway.confirms()
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    orders_expire_due_task()
    assert len(gateway.confirms()) == 2


def test_an_approval_for_an_order_another_tab_already_paid_is_cancelled(client, gateway, card_order, settings):
    # Two tabs: the first confirmation goes unanswered, the second pays; the first is approved late.
    settings.PAYMENT_TIMEOUT_SECONDS = 0.5
    gateway.queue("slow")
    success(client, card_order, key="pk_tab1")
    success(client, card_order, key="pk_tab2")
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PAID
    PaymentEvent.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    orders_expire_due_task()  # asks again about tab 1: approved, so it is cancelled at once
    tab1 = Payment.objects.get(order=card_order, provider_key="pk_tab1")
    assert gateway.paths()[-1] == "/v1/payments/pk_tab1/cancel"
    assert (tab1.status, tab1.cancelled_amount) == (PaymentStatus.CANCELLED, card_order.total)
    assert Payment.objects.get(order=card_order, provider_key="pk_tab2").status == PaymentStatus.DONE


def test_a_late_approval_that_cannot_be_cancelled_goes_on_the_refund_list(client, gateway, card_order, settings):
    settings.PAYMENT_TIMEOUT_SECONDS = 0.5
    gateway.queue("slow")
    success(client, card_order)
    Order.objects.filter(pk=card_order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    order_expire(order_id=card_order.pk)
    gateway.queue("success", "decline")  # the retry's confirm is approved, its cancel refused
    html = success(client, card_order).content.decode()
    assert "운영자가 확인한 뒤 환불해 드립니다" in html
    [due] = refunds_due()
    assert due.payment.provider_key == "pk_test_1" and due.request["amount"] == card_order.total


def test_fail_redirect_is_recorded_and_offers_a_retry(client, card_order):
    response = client.get(reverse("orders:pay_card_fail"),
                          {"code": "PAY_PROCESS_CANCELED", "message": "사용자가 결제를 취소했습니다", "orderId": card_order.number})
    html = response.content.decode()
    assert "결제를 취소했습니다" in html and reverse("orders:pay_card", args=[card_order.number]) in html
    assert PaymentEvent.objects.get(kind="fail").request["code"] == "PAY_PROCESS_CANCELED"


def test_unknown_order_is_a_404(client, gateway):
    response = client.get(reverse("orders:pay_card_success"), {"paymentKey": "x", "orderId": "nope", "amount": 1})
    assert response.status_code == 404 and gateway.requests == []


# --- a deposit, confirmed by hand -------------------------------------------------------------------


def test_a_deposit_for_an_expired_order_reopens_nothing(rice, operator):
    order = place_order(items=[(rice, 1)])
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_expire_due_task()
    with pytest.raises(PaymentError) as exc:
        payment_deposit_confirm(order_id=order.pk, actor=operator)
    assert "돌려주어야" in exc.value.message


def test_operator_marks_a_deposit_paid_from_the_admin(operator_client, operator, rice):
    order = place_order(items=[(rice, 1)])
    listing = operator_client.get(reverse("admin:orders_order_changelist"), {"status": "pending_payment"}).content.decode()
    url = reverse("admin:orders_order_mark_paid", args=[order.pk])
    assert order.number in listing and url in listing
    assert url in operator_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert operator_client.get(url).status_code == 200

    wrong = operator_client.post(url, {"amount": order.total - 1, "depositor": "김구매", "deposited_at": "2026-11-22T14:05"})
    assert "입금액이 주문 금액" in wrong.content.decode()
    response = operator_client.post(url, {"amount": order.total, "depositor": "김 구매",
                                          "deposited_at": "2026-11-22T14:05", "note": "농협 앱"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.DONE
    deposit = payment.events.get(kind="deposit")
    assert deposit.ok and deposit.request["by_id"] == operator.pk and deposit.request["amount"] == order.total
    assert deposit.request["depositor"] == "김 구매" and deposit.request["deposited_at"].startswith("2026-11-22T14:05")
    # Once paid the button is gone and a second try changes nothing.
    operator_client.post(url, {"amount": order.total})
    assert payment.events.filter(kind="deposit").count() == 1


def test_bulk_mark_paid_asks_first(operator_client, rice):
    a, b = place_order(items=[(rice, 1)]), place_order(items=[(rice, 1)])
    card = place_order(items=[(rice, 1)], payment_method=PaymentMethod.CARD)
    url = reverse("admin:orders_order_changelist")
    data = {"action": "mark_paid_selected", "_selected_action": [a.pk, b.pk, card.pk]}
    confirm = operator_client.post(url, data)
    assert confirm.status_code == 200 and "건너뛰는 주문" in confirm.content.decode()
    assert not Order.objects.filter(status=OrderStatus.PAID).exists()
    operator_client.post(url, {**data, "post": "yes"})
    assert set(Order.objects.filter(status=OrderStatus.PAID).values_list("pk", flat=True)) == {a.pk, b.pk}
