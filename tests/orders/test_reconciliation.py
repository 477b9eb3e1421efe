"""The daily reconciliation (orders.services.reconciliation) against the fake PG's transaction list."""
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Payment, PaymentMismatch, PaymentStatus, ReconciledDay
from orders.services.reconciliation import payments_reconcile_day, payments_reconcile_due
from orders.tasks import payments_reconcile_daily_task
from tests.factories import place_order

from .helpers import success

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 22)  # the fake PG's approvedAt


def day_asked(gateway):
    return [r.path for r in gateway.requests if r.path.startswith("/v1/transactions")]


def test_a_matching_day_has_no_mismatch(client, gateway, card_order):
    success(client, card_order)
    done = payments_reconcile_day(day=DAY)
    assert (done.transactions, done.mismatches) == (1, 0)
    assert "startDate=2026-11-22T00%3A00%3A00" in day_asked(gateway)[0]
    assert gateway.requests[-1].headers["Authorization"].startswith("Basic ")


def test_differences_are_listed_once_for_the_operator(client, gateway, card_order, rice, operator):
    success(client, card_order)
    # The PG approved something we never recorded, and we think one payment is still open.
    gateway.transactions.append({"transactionKey": "tx_x", "paymentKey": "pk_unknown", "orderId": "20261122-99999",
                                 "method": "카드", "status": "DONE", "amount": 9000,
                                 "transactionAt": "2026-11-22T16:00:00+09:00"})
    Payment.objects.filter(order=card_order).update(status=PaymentStatus.READY)
    other = place_order(items=[(rice, 1)])
    Payment.objects.create(order=other, method="card", status=PaymentStatus.DONE, amount=other.total,
                           provider_key="pk_ours_only", idempotency_key="k" * 64,
                           approved_at=timezone.make_aware(timezone.datetime(2026, 11, 22, 12, 0)))
    assert payments_reconcile_day(day=DAY).mismatches == 3
    problems = set(PaymentMismatch.objects.values_list("payment_key", "problem"))
    assert ("pk_unknown", "PG에는 있고 우리 기록에는 없는 결제") in problems
    assert ("pk_test_1", "PG는 승인했지만 우리 기록은 '결제 대기'") in problems
    assert ("pk_ours_only", "우리 기록에는 결제 완료인데 PG 거래 내역에 없습니다") in problems
    payments_reconcile_day(day=DAY)  # again: nothing new
    assert PaymentMismatch.objects.count() == 3

    client.force_login(operator)
    html = client.get(reverse("admin:orders_paymentmismatch_changelist")).content.decode()
    assert "pk_unknown" in html and "결제 대사 불일치" in html


def test_a_cancel_we_did_not_record_is_a_mismatch(client, gateway, card_order):
    success(client, card_order)
    gateway.transactions.append({"transactionKey": "tx_c", "paymentKey": "pk_test_1", "orderId": card_order.number,
                                 "method": "카드", "status": "CANCELED", "amount": card_order.total,
                                 "transactionAt": "2026-11-22T18:00:00+09:00"})
    assert payments_reconcile_day(day=DAY).mismatches == 1
    assert PaymentMismatch.objects.get().problem == "PG의 취소 금액이 우리 기록보다 큽니다"


def test_missed_days_are_reconciled_in_order_from_the_last_one_done(gateway):
    today = timezone.localdate()
    ReconciledDay.objects.create(day=today - timedelta(days=4))
    assert payments_reconcile_daily_task() == 3  # the three days the beat missed, up to yesterday
    assert sorted(ReconciledDay.objects.values_list("day", flat=True))[-1] == today - timedelta(days=1)
    assert len(day_asked(gateway)) == 3
    assert payments_reconcile_daily_task() == 0  # nothing left: the PG is not asked again
    assert len(day_asked(gateway)) == 3


def test_a_day_the_pg_cannot_answer_for_is_left_for_the_next_run(gateway):
    today = timezone.localdate()
    ReconciledDay.objects.create(day=today - timedelta(days=3))
    gateway.stop()
    assert payments_reconcile_due() == []
    assert ReconciledDay.objects.count() == 1


def test_the_mismatch_list_reads_in_few_queries(operator_client, django_assert_max_num_queries):
    for n in range(30):
        PaymentMismatch.objects.create(day=DAY, order_number=f"20261122-{n:05d}", payment_key=f"pk_{n}",
                                       transaction_key=f"tx_{n}", problem="승인 금액이 다릅니다")
    with django_assert_max_num_queries(12):
        response = operator_client.get(reverse("admin:orders_paymentmismatch_changelist"))
    assert response.status_code == 200 and "20261122-00029" in response.content.decode()
