"""Claim refunds (orders.services.refunds): sent by a task outside any lock, once, with the claim's key."""
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.exceptions import FieldsInvalid, OrderError
from orders.models import (
    Claim,
    ClaimReason,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentMethod,
    RefundAccount,
    RefundStatus,
    VendorOrder,
)
from orders.services.actions import order_mark_paid
from orders.services.payments import payment_start, refund_account_set
from orders.services.refunds import claim_refund_key, claim_refund_manual_done, claim_refund_retry
from orders.services.returns import claim_cancel
from orders.tasks import claim_refund_task, claim_refunds_sweep_task
from tests.factories import place_order

from .helpers import success

pytestmark = pytest.mark.django_db

MIND = ClaimReason.CHANGE_OF_MIND


@pytest.fixture
def card_paid(client, gateway, rice, buyer, django_capture_on_commit_callbacks):
    """`buyer` paid one rice (25,000) by card; no shipping policy."""
    order = place_order(items=[(rice, 1), (rice, 1)], buyer=buyer, payment_method=PaymentMethod.CARD)
    with django_capture_on_commit_callbacks(execute=True):
        success(client, order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def _cancel(order, buyer, **kw):
    vo = order.vendor_orders.get()
    return claim_cancel(vendor_order_id=vo.pk, line_ids=[vo.lines.first().pk], actor=buyer, reason=MIND, **kw)


def _cancels(gateway):
    return [r for r in gateway.requests if r.path.endswith("/cancel")]


def test_a_repeated_task_refunds_once(card_paid, buyer, gateway):
    claim = _cancel(card_paid, buyer)  # no on-commit run: the task has not been sent
    assert Claim.objects.get(pk=claim.pk).refund_status == RefundStatus.PENDING
    assert claim_refund_task(claim_id=claim.pk) == "done"
    assert claim_refund_task(claim_id=claim.pk) == "skipped"
    assert len(_cancels(gateway)) == 1
    payment = Payment.objects.get(order=card_paid)
    assert payment.cancelled_amount == claim.refund_amount == 25000
    assert VendorOrder.objects.get(pk=claim.vendor_order_id).refunded_amount == 25000
    assert payment.events.filter(kind="cancel", ok=True).count() == 1


def test_a_timeout_is_retried_with_the_same_key_and_recorded_once(card_paid, buyer, gateway, settings):
    claim = _cancel(card_paid, buyer)
    settings.PAYMENT_TIMEOUT_SECONDS = 0.3
    gateway.slow_seconds = 1.0
    gateway.queue("slow")
    with pytest.raises(OSError):
        claim_refund_task.run(claim_id=claim.pk)  # the body without Celery's own retry
    assert Claim.objects.get(pk=claim.pk).refund_status == RefundStatus.PENDING
    settings.PAYMENT_TIMEOUT_SECONDS = 5
    assert claim_refund_task(claim_id=claim.pk) == "done"
    keys = [r.headers["Idempotency-Key"] for r in _cancels(gateway)]
    assert len(keys) == 2 and keys[0] == keys[1] == claim_refund_key(claim)
    # The PG cancelled once (it kept the first answer under the key); we recorded it once.
    assert Payment.objects.get(order=card_paid).cancelled_amount == 25000


def test_a_refused_cancel_marks_the_claim_failed_and_the_operator_sends_it_again(card_paid, buyer, gateway,
                                                                                 operator):
    claim = _cancel(card_paid, buyer)
    gateway.queue("decline")
    assert claim_refund_task(claim_id=claim.pk) == "failed"
    claim.refresh_from_db()
    assert claim.refund_status == RefundStatus.FAILED and "취소할 수 없는 결제" in claim.refund_error
    assert Payment.objects.get(order=card_paid).cancelled_amount == 0
    with pytest.raises(OrderError):
        claim_refund_retry(claim_id=claim.pk, actor=buyer)
    claim_refund_retry(claim_id=claim.pk, actor=operator)
    assert claim_refund_task(claim_id=claim.pk) == "done"
    keys = [r.headers["Idempotency-Key"] for r in _cancels(gateway)]
    assert keys[0] != keys[1]  # the refusal is kept under the first key
    assert Claim.objects.get(pk=claim.pk).refund_status == RefundStatus.DONE


def test_a_refund_left_pending_by_a_dead_worker_is_sent_by_the_sweeper_once(card_paid, buyer, gateway,
                                                                            django_capture_on_commit_callbacks):
    claim = _cancel(card_paid, buyer)  # committed; the worker died before sending
    assert claim_refunds_sweep_task() == 0  # too recent: its own task may still be running
    Claim.objects.filter(pk=claim.pk).update(completed_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        assert claim_refunds_sweep_task() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert claim_refunds_sweep_task() == 0
    assert Claim.objects.get(pk=claim.pk).refund_status == RefundStatus.DONE
    assert len(_cancels(gateway)) == 1


# --- cash payments: the refund account --------------------------------------------------------------------


@pytest.fixture
def bank_paid(variant, buyer):
    order = place_order(items=[(variant, 1), (variant, 1)], buyer=buyer)
    payment_start(order_id=order.pk)
    Payment.objects.filter(order=order).update(status="done")
    order_mark_paid(order_id=order.pk)
    order.refresh_from_db()
    return order


def test_a_bank_transfer_refund_needs_the_account_then_the_operator_sends_it(bank_paid, buyer, operator,
                                                                            django_capture_on_commit_callbacks):
    with pytest.raises(OrderError):
        _cancel(bank_paid, buyer)
    with pytest.raises(FieldsInvalid):
        refund_account_set(order_id=bank_paid.pk, bank_code="88", account_number="12", holder_name="김구매")
    refund_account_set(order_id=bank_paid.pk, bank_code="88", account_number="110-123-456789", holder_name="김구매")
    claim = _cancel(bank_paid, buyer)
    claim.refresh_from_db()
    assert claim.refund_status == RefundStatus.MANUAL
    due = PaymentEvent.objects.get(kind="refund_due", ok=False)
    assert due.request["claim"] == claim.number and due.request["amount"] == 25000
    with pytest.raises(OrderError):
        claim_refund_manual_done(claim_id=claim.pk, actor=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        claim_refund_manual_done(claim_id=claim.pk, actor=operator, note="이체 완료")
    claim_refund_manual_done(claim_id=claim.pk, actor=operator)  # twice changes nothing
    claim.refresh_from_db()
    assert claim.refund_status == RefundStatus.DONE
    assert Payment.objects.get(order=bank_paid).cancelled_amount == 25000
    assert VendorOrder.objects.get(pk=claim.vendor_order_id).refunded_amount == 25000
    assert not RefundAccount.objects.exists()  # kept only as long as needed
    assert PaymentEvent.objects.get(kind="refund_due").ok


def test_a_vendor_cancel_of_a_cash_order_waits_for_the_buyers_account(bank_paid, owner):
    vo = bank_paid.vendor_orders.get()
    claim = claim_cancel(vendor_order_id=vo.pk, line_ids=[vo.lines.first().pk], actor=owner,
                         reason=ClaimReason.OUT_OF_STOCK)
    assert Claim.objects.get(pk=claim.pk).refund_status == RefundStatus.MANUAL


def test_the_refunds_due_list_records_a_claims_refund_on_the_claim_once(client, bank_paid, buyer, operator):
    from django.urls import reverse

    from tests.otp import otp_login

    refund_account_set(order_id=bank_paid.pk, bank_code="88", account_number="110123456789", holder_name="김구매")
    claim = _cancel(bank_paid, buyer)
    due = PaymentEvent.objects.get(kind="refund_due")
    otp_login(client, operator)
    listing = client.get(reverse("admin:orders_payment_refunds_due")).content.decode()
    assert bank_paid.number in listing
    for _ in range(2):
        client.post(reverse("admin:orders_payment_refund_done", args=[due.pk]))
    claim.refresh_from_db()
    assert claim.refund_status == RefundStatus.DONE
    assert Payment.objects.get(order=bank_paid).cancelled_amount == 25000
    assert VendorOrder.objects.get(pk=claim.vendor_order_id).refunded_amount == 25000
