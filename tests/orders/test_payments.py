"""Payments (orders.services.payments): the provider registry, the card payment page, refunds through the
gateway or by the operator, unpaid orders expiring, the payment admin, the bank-transfer box, the demo gateway.

How an approval or a deposit pays the order is in test_confirmations.py; the bank's CSV in test_deposits.py."""
import base64
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from orders.exceptions import PaymentError
from orders.models import Order, OrderStatus, Payment, PaymentEvent, PaymentMethod, PaymentStatus, VendorOrderStatus
from orders.services.actions import vendor_order_cancel
from orders.services.confirmations import payment_deposit_confirm
from orders.services.payments import (
    CardProvider,
    payment_provider,
    payment_refund_done,
    payment_start,
    providers,
    refunds_due,
)
from orders.tasks import orders_expire_due_task
from tests.factories import ProductFactory, VendorFactory, place_order
from tests.otp import otp_login

from .helpers import assert_no_secret_stored, stock, success

pytestmark = pytest.mark.django_db

# --- the registry --------------------------------------------------------------------------


def test_every_payment_method_has_a_provider():
    assert set(providers) == set(PaymentMethod.values)
    assert payment_provider(PaymentMethod.CARD).label == "카드 결제"
    with pytest.raises(PaymentError):
        payment_provider("bitcoin")


def test_payment_start_is_idempotent_and_card_start_sends_to_the_card_page(card_order, rf):
    first = payment_start(order_id=card_order.pk)
    assert payment_start(order_id=card_order.pk) == first
    assert first.status == PaymentStatus.READY and first.amount == card_order.total and len(first.idempotency_key) == 64
    request = rf.get("/")
    request.session = {}
    response = CardProvider().start(card_order, request=request)
    assert response.url == reverse("orders:pay_card", args=[card_order.number])
    assert request.session["orders_payable"] == [card_order.number]


# --- card: the payment page --------------------------------------------------------------------


def test_card_page_opens_the_pg_window_through_its_sdk_and_only_the_buyer_sees_it(client, card_order, buyer,
                                                                                      settings):
    settings.PAYMENT_SDK_URL = "https://js.tosspayments.com/v2/standard"
    url = reverse("orders:pay_card", args=[card_order.number])
    assert client.get(url).status_code == 404  # a stranger (order numbers are guessable)
    client.force_login(buyer)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<script src="https://js.tosspayments.com/v2/standard"></script>' in html
    assert "/static/js/payment-window.js" in html
    for attribute in (f'data-client-key="{settings.PAYMENT_CLIENT_KEY}"', 'data-method="CARD"',
                      f'data-order-id="{card_order.number}"', f'data-amount="{card_order.total}"',
                      'data-success-url="http://testserver/orders/payments/card/success/"',
                      'data-fail-url="http://testserver/orders/payments/card/fail/"', "data-order-name="):
        assert attribute in html, attribute
    customer_key = re.search(r'data-customer-key="([^"]+)"', html).group(1)
    assert customer_key.startswith("c_") and len(customer_key) == 42 and customer_key != f"c_{buyer.pk}"
    assert settings.PAYMENT_SECRET_KEY not in html
    # No inline script bodies and no on… handlers (the Content-Security-Policy).
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) and " onclick=" not in html


def test_a_guest_opens_the_card_page_from_the_session_that_placed_the_order(client, rice):
    order = place_order(items=[(rice, 1)], payment_method=PaymentMethod.CARD)
    url = reverse("orders:pay_card", args=[order.number])
    assert client.get(url).status_code == 404
    from orders.selectors.access import SESSION_LOOKUP_KEY as GUEST_ORDERS_SESSION_KEY

    session = client.session
    session[GUEST_ORDERS_SESSION_KEY] = [order.number]  # what the shop's checkout keeps for a guest
    session.save()
    assert client.get(url).status_code == 200


def test_card_page_of_an_expired_order_says_so(client, card_order, buyer):
    Order.objects.filter(pk=card_order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(buyer)
    html = client.get(reverse("orders:pay_card", args=[card_order.number])).content.decode()
    assert "결제 시간이 지났습니다" in html and "data-payment-window" not in html


# --- refunds -------------------------------------------------------------------------------------


@pytest.fixture
def two_vendor_card_order(client, gateway, buyer, rice):
    soap = ProductFactory(vendor=VendorFactory(), variants=[{"name": "3개", "price": 15000, "stock": 5}]).variants.get()
    order = place_order(items=[(rice, 1), (soap, 1)], buyer=buyer, payment_method=PaymentMethod.CARD)
    success(client, order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def test_cancel_refunds_the_card_through_the_gateway(gateway, two_vendor_card_order, buyer):
    order = two_vendor_card_order
    first, second = order.vendor_orders.order_by("pk")
    vendor_order_cancel(vendor_order_id=first.pk, actor=buyer, reason="단순 변심")
    cancel = gateway.requests[-1]
    assert cancel.path == "/v1/payments/pk_test_1/cancel"
    assert cancel.body == {"cancelReason": "단순 변심", "cancelAmount": first.total}
    assert cancel.headers["Authorization"].startswith("Basic ")
    payment = Payment.objects.get(order=order)
    assert cancel.headers["Idempotency-Key"] not in ("", payment.idempotency_key)
    assert (payment.status, payment.cancelled_amount) == (PaymentStatus.PARTIAL_CANCELLED, first.total)
    assert payment.events.filter(kind="cancel", ok=True).count() == 1

    vendor_order_cancel(vendor_order_id=second.pk, actor=buyer, reason="단순 변심")
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_amount) == (PaymentStatus.CANCELLED, order.total)
    keys = [r.headers["Idempotency-Key"] for r in gateway.requests if r.path.endswith("/cancel")]
    assert len(set(keys)) == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert_no_secret_stored()


def test_refused_refund_rolls_the_cancellation_back(gateway, two_vendor_card_order, buyer, rice):
    first = two_vendor_card_order.vendor_orders.order_by("pk").first()
    gateway.mode = "decline"
    with pytest.raises(PaymentError) as exc:
        vendor_order_cancel(vendor_order_id=first.pk, actor=buyer)
    assert "취소할 수 없는 결제입니다" in exc.value.message
    first.refresh_from_db()
    assert first.status == VendorOrderStatus.PAID and first.refunded_amount == 0
    assert stock(rice) == 9
    payment = Payment.objects.get(order=two_vendor_card_order)
    assert (payment.status, payment.cancelled_amount) == (PaymentStatus.DONE, 0)


def test_bank_transfer_refund_is_due_to_the_operator(client, operator, rice, buyer):
    order = place_order(items=[(rice, 1)], buyer=buyer)
    payment_deposit_confirm(order_id=order.pk, actor=operator)
    vendor_order = order.vendor_orders.get()
    vendor_order_cancel(vendor_order_id=vendor_order.pk, actor=buyer, reason="배송 전 취소")
    [due] = refunds_due()
    assert due.request["amount"] == vendor_order.total and due.request["reason"] == "배송 전 취소"
    assert due.request["order"] == order.number and not due.ok

    otp_login(client, operator)
    page = client.get(reverse("admin:orders_payment_refunds_due")).content.decode()
    assert order.number in page and "송금 완료" in page
    client.post(reverse("admin:orders_payment_refund_done", args=[due.pk]), {"note": "농협 환불"})
    due.refresh_from_db()
    assert due.ok and due.response["by_id"] == operator.pk
    assert not refunds_due().exists()
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.cancelled_amount) == (PaymentStatus.CANCELLED, order.total)
    assert payment.events.filter(kind="refund", ok=True).count() == 1
    payment_refund_done(event_id=due.pk, actor=operator)  # twice: nothing more
    assert payment.events.filter(kind="refund").count() == 1


# --- bank transfer: expiry -------------------------------------------------------------------------


def test_beat_task_expires_only_due_orders_returns_stock_and_is_idempotent(rice):
    due = place_order(items=[(rice, 3)])
    waiting = place_order(items=[(rice, 2)])
    paid = place_order(items=[(rice, 1)], paid=True)
    payment_start(order_id=due.pk)
    assert stock(rice) == 4
    Order.objects.filter(pk__in=[due.pk, paid.pk]).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert orders_expire_due_task() == 1
    assert stock(rice) == 7
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {due.pk: OrderStatus.EXPIRED, waiting.pk: OrderStatus.PENDING_PAYMENT,
                        paid.pk: OrderStatus.PAID}
    payment = Payment.objects.get(order=due)
    assert payment.status == PaymentStatus.CANCELLED and payment.events.get().kind == "expire"

    events = PaymentEvent.objects.count()
    assert orders_expire_due_task() == 0
    assert stock(rice) == 7 and PaymentEvent.objects.count() == events


# --- the payment admin, the bank-transfer box, the demo gateway ---------------------------------------


def test_a_vendor_member_cannot_reach_the_operator_payment_admin(client, rice):
    from tests.factories import MembershipFactory

    order = place_order(items=[(rice, 1)])
    member = MembershipFactory(vendor=rice.product.vendor).user
    client.force_login(member)
    for url in (reverse("admin:orders_order_mark_paid", args=[order.pk]), reverse("admin:orders_order_deposits"),
                reverse("admin:orders_payment_refunds_due"), reverse("admin:orders_order_changelist")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    client.post(reverse("admin:orders_order_mark_paid", args=[order.pk]), {"amount": order.total})
    client.post(reverse("admin:orders_order_changelist"),
                {"action": "mark_paid_selected", "_selected_action": [order.pk], "post": "yes"})
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and not PaymentEvent.objects.exists()


def test_payment_admin_pages_render_in_korean(client, operator, gateway, card_order):
    success(client, card_order)
    payment = Payment.objects.get(order=card_order)
    event = payment.events.get()
    otp_login(client, operator)
    pages = {
        reverse("admin:orders_order_changelist"): card_order.number,
        reverse("admin:orders_order_change", args=[card_order.pk]): "pk_test_1",
        reverse("admin:orders_payment_changelist"): "환불할 목록",
        reverse("admin:orders_payment_change", args=[payment.pk]): "승인 요청",
        reverse("admin:orders_paymentevent_changelist") + "?kind=confirm": "승인 요청",
        reverse("admin:orders_paymentevent_change", args=[event.pk]): escape('"status": "DONE"'),
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    # Read-only: nothing to add or delete, and the order form has no save button.
    assert client.get(reverse("admin:orders_payment_add")).status_code == 403
    assert 'name="_save"' not in client.get(reverse("admin:orders_order_change", args=[card_order.pk])).content.decode()


def test_bank_transfer_box_shows_account_amount_and_deadline(rice, settings):
    from django.template.loader import render_to_string

    from orders.services.payments import bank_transfer_info

    order = place_order(items=[(rice, 1)])
    html = render_to_string("orders/payments/_bank_transfer.html", {"bank": bank_transfer_info(order)})
    account = settings.BANK_TRANSFER_ACCOUNT
    assert account["number"] in html and account["holder"] in html and f"{order.total:,}원" in html
    assert timezone.localtime(order.expires_at).strftime("%Y-%m-%d %H:%M") in html


def test_the_demo_gateway_answers_only_in_debug(client, settings, card_order):
    url = reverse("orders:pay_dev_gateway_confirm")
    body = {"paymentKey": "dev_1", "orderId": card_order.number, "amount": card_order.total}
    auth = "Basic " + base64.b64encode(f"{settings.PAYMENT_SECRET_KEY}:".encode()).decode()
    assert client.post(url, body, content_type="application/json", headers={"Authorization": auth}).status_code == 404
    settings.DEBUG = True
    assert client.post(url, body, content_type="application/json").status_code == 401
    answer = client.post(url, body, content_type="application/json", headers={"Authorization": auth}).json()
    assert answer["status"] == "DONE" and answer["suppliedAmount"] + answer["vat"] == card_order.total
