"""PostgreSQL: the same notice task run many times at once sends each channel once."""
import threading

import pytest
from django.core import mail
from django.db import connection, connections

from notifications import tasks
from notifications.models import Delivery, Message
from tests.factories import UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_repeated_task_sends_once(texts):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent transactions)")
    member = UserFactory(name="김따숨", phone="010-1234-5678")
    context = {"title": "결제가 완료되었습니다", "body": "25,000원 결제가 완료되었습니다.",
               "variables": {"이름": "김따숨", "주문번호": "20261106-0001", "금액": "25,000원"}}
    results, errors, barrier = [], [], threading.Barrier(12)

    def run():
        try:
            barrier.wait()
            results.append(tasks.notify_task.apply(kwargs=dict(
                kind="order_paid", user_id=member.pk, email=member.email, phone=member.phone, name=member.name,
                context=context, dedupe_key=f"order-paid:1:u{member.pk}")).get())
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Message.objects.count() == 1 and Delivery.objects.count() == 3
    assert len(texts) == 1 and len(mail.outbox) == 1
    assert member.notifications.count() == 1
