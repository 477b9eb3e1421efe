"""Payments: the card flow against a local fake gateway over real HTTP, bank transfers, refunds, expiry, admin."""
import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from catalog.models import ProductVariant
from orders.exceptions import PaymentError
from orders.models import Order, OrderStatus, Payment, PaymentEvent, PaymentMethod, PaymentStatus, VendorOrderStatus
from orders.services import deposits
from orders.services.actions import order_expire, vendor_order_cancel
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
from tests.factories import ProductFactory, VendorFactory, place_order, upload

from .fake_gateway import FakeGateway

pytestmark = pytest.mark.django_db

SECRET = "test_sk_do_not_store_4f9a"


@pytest.fixture
def gateway(settings):
    gw = FakeGateway().start()
    settings.PAYMENT_GATEWAY_URL = gw.url
    settings.PAYMENT_SECRET_KEY = SECRET
    settings.PAYMENT_TIMEOUT_SECONDS = 5
    yield gw
    gw.stop()


@pytest.fixture
def rice(db):
    return ProductFactory(variants=[{"name": "5kg", "price": 25000, "stock": 10}]).variants.get()


@pytest.fixture
def card_order(rice, buyer):
    return place_order(items=[(rice, 2)], buyer=buyer, payment_method=PaymentMethod.CARD)


def success(client, order, key="pk_test_1", amount=None):
    return client.get(reverse("orders:pay_card_success"),
                      {"paymentKey": key, "orderId": order.number,
                       "amount": order.total if amount is None else amount})


def stock(variant) -> int:
    return ProductVariant.objects.get(pk=variant.pk).stock


def assert_no_secret_stored():
    secret_b64 = base64.b64encode(f"{SECRET}:".encode()).decode()
    for event in PaymentEvent.objects.all():
        stored = json.dumps([event.request, event.response], ensure_ascii=False)
        assert SECRET not in stored and secret_b64 not in stored and "Authorization" not in stored


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


def test_card_page_posts_to_the_gateway_and_only_the_buyer_sees_it(client, card_order, buyer, settings):
    url = reverse("orders:pay_card", args=[card_order.number])
    assert client.get(url).status_code == 404  # a stranger (order numbers are guessable)
    client.force_login(buyer)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="{settings.PAYMENT_GATEWAY_URL}/v1/checkout"' in html
    assert f'name="orderId" value="{card_order.number}"' in html
    assert f'name="amount" value="{card_order.total}"' in html
    assert "successUrl" in html and "테스트 결제" not in html  # DEBUG off
    assert settings.PAYMENT_SECRET_KEY not in html

    settings.DEBUG = True
    assert "테스트 결제" in client.get(url).content.decode()


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
    assert "결제 시간이 지났습니다" in html and "gateway-form" not in html


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


def test_fail_redirect_is_recorded_and_offers_a_retry(client, card_order):
    response = client.get(reverse("orders:pay_card_fail"),
                          {"code": "PAY_PROCESS_CANCELED", "message": "사용자가 결제를 취소했습니다", "orderId": card_order.number})
    html = response.content.decode()
    assert "결제를 취소했습니다" in html and reverse("orders:pay_card", args=[card_order.number]) in html
    assert PaymentEvent.objects.get(kind="fail").request["code"] == "PAY_PROCESS_CANCELED"


def test_unknown_order_is_a_404(client, gateway):
    response = client.get(reverse("orders:pay_card_success"), {"paymentKey": "x", "orderId": "nope", "amount": 1})
    assert response.status_code == 404 and gateway.requests == []


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

    client.force_login(operator)
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


def test_a_deposit_for_an_expired_order_reopens_nothing(rice, operator):
    order = place_order(items=[(rice, 1)])
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_expire_due_task()
    with pytest.raises(PaymentError) as exc:
        payment_deposit_confirm(order_id=order.pk, actor=operator)
    assert "돌려주어야" in exc.value.message


# --- bank transfer: the operator's admin -----------------------------------------------------------


def test_operator_marks_a_deposit_paid_from_the_admin(client, operator, rice):
    order = place_order(items=[(rice, 1)])
    client.force_login(operator)
    listing = client.get(reverse("admin:orders_order_changelist"), {"status": "pending_payment"}).content.decode()
    url = reverse("admin:orders_order_mark_paid", args=[order.pk])
    assert order.number in listing and url in listing
    assert url in client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert client.get(url).status_code == 200

    wrong = client.post(url, {"amount": order.total - 1, "depositor": "김구매", "deposited_at": "2026-11-22T14:05"})
    assert "입금액이 주문 금액" in wrong.content.decode()
    response = client.post(url, {"amount": order.total, "depositor": "김 구매", "deposited_at": "2026-11-22T14:05",
                                 "note": "농협 앱"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.DONE
    deposit = payment.events.get(kind="deposit")
    assert deposit.ok and deposit.request["by_id"] == operator.pk and deposit.request["amount"] == order.total
    assert deposit.request["depositor"] == "김 구매" and deposit.request["deposited_at"].startswith("2026-11-22T14:05")
    # Once paid the button is gone and a second try changes nothing.
    client.post(url, {"amount": order.total})
    assert payment.events.filter(kind="deposit").count() == 1


def test_bulk_mark_paid_asks_first(client, operator, rice):
    a, b = place_order(items=[(rice, 1)]), place_order(items=[(rice, 1)])
    card = place_order(items=[(rice, 1)], payment_method=PaymentMethod.CARD)
    client.force_login(operator)
    url = reverse("admin:orders_order_changelist")
    data = {"action": "mark_paid_selected", "_selected_action": [a.pk, b.pk, card.pk]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200 and "건너뛰는 주문" in confirm.content.decode()
    assert not Order.objects.filter(status=OrderStatus.PAID).exists()
    client.post(url, {**data, "post": "yes"})
    assert set(Order.objects.filter(status=OrderStatus.PAID).values_list("pk", flat=True)) == {a.pk, b.pk}


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


# --- bank transfer: a CSV of deposits ----------------------------------------------------------------


@pytest.fixture
def waiting_orders(db):
    vendor = VendorFactory()

    def variant(price):
        return ProductFactory(vendor=vendor, variants=[{"name": "1개", "price": price, "stock": 20}]).variants.get()

    v1, v2, v3 = variant(25000), variant(31000), variant(18000)
    return {
        "by_number": place_order(items=[(v1, 1)], orderer_name="김구매"),
        "by_name": place_order(items=[(v2, 1)], orderer_name="이몽룡"),
        "twin1": place_order(items=[(v3, 1)], orderer_name="성춘향"),
        "twin2": place_order(items=[(v3, 1)], orderer_name="성춘향"),
        "paid": place_order(items=[(v1, 1)], orderer_name="변학도", paid=True),
    }


def deposits_csv(orders, *, encoding="utf-8-sig") -> bytes:
    o = orders
    rows = [
        "입금일시,입금자명,금액,주문번호",
        f"2026-11-22 09:10,김구매,\"{o['by_number'].total:,}\",{o['by_number'].number}",
        f"2026.11.22 10:00:00,이 몽룡,{o['by_name'].total}원,",
        f"2026-11-22 11:00,성춘향,{o['twin1'].total},",
        f"2026-11-22 12:00,변학도,{o['paid'].total},{o['paid'].number}",
        "2026-11-22 13:00,홍길동,9900,",
        "2026-11-22 13:30,임꺽정,12000,20991231-99999",
        "어제,박문수,10000,",
    ]
    return ("\n".join(rows) + "\n").encode(encoding)


def test_deposits_csv_preview_lists_matches_and_reasons_then_applies_in_one_go(client, operator, waiting_orders):
    o = waiting_orders
    client.force_login(operator)
    url = reverse("admin:orders_order_deposits")
    assert client.get(url).status_code == 200
    preview = client.post(url, {"file": upload("deposits.csv", deposits_csv(o), "text/csv")})
    html = preview.content.decode()
    plan = preview.context["plan"]
    assert [(r.line, r.order.pk, r.matched_by) for r in plan.matched] == [
        (2, o["by_number"].pk, deposits.BY_NUMBER), (3, o["by_name"].pk, deposits.BY_NAME)]
    reasons = {r.line: r.problem for r in plan.problems}
    assert "2건" in reasons[4] and "정할 수 없습니다" in reasons[4]
    assert "이미 결제 확인된 주문" in reasons[5]
    assert "맞는 입금 대기 주문이 없습니다" in reasons[6]
    assert "주문이 없습니다" in reasons[7]
    assert "입금일시를 읽을 수 없습니다" in reasons[8]
    for reason in reasons.values():
        assert escape(reason) in html
    # The preview writes nothing.
    assert Order.objects.filter(status=OrderStatus.PAID).count() == 1 and not PaymentEvent.objects.exists()

    response = client.post(reverse("admin:orders_order_deposits_apply"), {"token": preview.context["token"]})
    assert response.status_code == 302
    paid = set(Order.objects.filter(status=OrderStatus.PAID).values_list("pk", flat=True))
    assert paid == {o["by_number"].pk, o["by_name"].pk, o["paid"].pk}
    event = PaymentEvent.objects.get(kind="deposit", payment__order=o["by_name"])
    assert event.request["source"] == "csv" and event.request["depositor"] == "이 몽룡"
    assert event.request["deposited_at"].startswith("2026-11-22T10:00:00+09:00")
    assert event.request["by_id"] == operator.pk
    # The token is used up.
    client.post(reverse("admin:orders_order_deposits_apply"), {"token": preview.context["token"]})
    assert PaymentEvent.objects.filter(kind="deposit").count() == 2


def test_deposits_csv_changed_since_the_preview_applies_nothing(client, operator, waiting_orders):
    o = waiting_orders
    client.force_login(operator)
    preview = client.post(reverse("admin:orders_order_deposits"),
                          {"file": upload("deposits.csv", deposits_csv(o, encoding="cp949"), "text/csv")})
    assert len(preview.context["plan"].matched) == 2  # the bank's own encoding reads too
    payment_deposit_confirm(order_id=o["by_name"].pk, actor=operator)  # paid by hand meanwhile
    response = client.post(reverse("admin:orders_order_deposits_apply"), {"token": preview.context["token"]})
    assert "아무것도 반영하지 않았습니다" in response.content.decode()
    assert response.context["changed"]
    o["by_number"].refresh_from_db()
    assert o["by_number"].status == OrderStatus.PENDING_PAYMENT


def test_deposits_apply_is_all_or_nothing(waiting_orders, operator, monkeypatch):
    o = waiting_orders
    data = deposits_csv(o)
    plan = deposits.deposits_plan(data)
    real, calls = deposits.payment_deposit_confirm, []

    def failing_second(**kwargs):
        calls.append(kwargs["order_id"])
        if len(calls) == 2:
            raise PaymentError("중간 실패")
        return real(**kwargs)

    monkeypatch.setattr(deposits, "payment_deposit_confirm", failing_second)
    with pytest.raises(PaymentError):
        deposits.deposits_apply(data=data, expected=plan.signature(), actor=operator)
    assert len(calls) == 2
    assert not Order.objects.filter(pk=o["by_number"].pk, status=OrderStatus.PAID).exists()
    assert not PaymentEvent.objects.filter(kind="deposit").exists()


def test_deposits_csv_header_errors_are_explained(client, operator):
    client.force_login(operator)
    response = client.post(reverse("admin:orders_order_deposits"),
                           {"file": upload("d.csv", "날짜,이름\n2026-11-22,김구매\n".encode(), "text/csv")})
    assert "첫 행에 필요한 열이 없습니다: 입금일시, 입금자명, 금액" in response.content.decode()


def test_payment_admin_pages_render_in_korean(client, operator, gateway, card_order):
    success(client, card_order)
    payment = Payment.objects.get(order=card_order)
    event = payment.events.get()
    client.force_login(operator)
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
