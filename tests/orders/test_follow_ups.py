"""Settlements catch up, and every committed settlement and paid order gets its notices and documents
once, even when the process died between the commit and the queueing (issue 11, items 8 and 9).

"Died after the commit" is the on-commit callbacks never running
(`django_capture_on_commit_callbacks(execute=False)`): the rows are committed, nothing was sent.
"""
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from ddasum import jobs
from ddasum.models import OutboxTask
from orders.models import Document, DocumentKind, Settlement, VendorOrder
from orders.services.actions import order_mark_paid
from orders.services.settlements import month_period, settlements_due_months
from orders.tasks import settlements_monthly_task
from tests.factories import MembershipFactory, ProductFactory, UserFactory, place_order

from .helpers import paid_vendor_order, vendor_order_completed

pytestmark = pytest.mark.django_db


def kst(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_default_timezone())


def months_back(n: int) -> tuple[int, int]:
    """(year, month) n months before this one (Korean calendar)."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return index // 12, index % 12 + 1


def completed_in(vendor, n: int, day=10) -> VendorOrder:
    """A vendor order of `vendor` confirmed on `day` of the month n months back (0: this month)."""
    variant = ProductFactory(vendor=vendor, variants=[{"name": "기본", "price": 10000, "stock": 100}]).variants.get()
    year, month = months_back(n)
    at = kst(year, month, min(day, timezone.localdate().day) if n == 0 else day, 9)
    return vendor_order_completed(paid_vendor_order(variant), at=at)


def later(hours=2):
    return timezone.now() + timedelta(hours=hours)


# --- item 8: the settlement run catches up ----------------------------------------------------------


def test_the_daily_run_settles_every_ended_month_with_unsettled_orders_not_only_the_last(vendor, other_vendor):
    three, two = completed_in(vendor, 3), completed_in(vendor, 2)
    last_a, last_b = completed_in(vendor, 1), completed_in(other_vendor, 1)
    this_month = completed_in(vendor, 0, day=1)
    # The 1st of three months ago the worker died; twice since the beat was down: nothing was settled.
    assert settlements_due_months() == [month_period(*months_back(n)) for n in (3, 2, 1)]
    assert settlements_monthly_task() == 4
    settled = {vo.pk: vo.settlement_line.settlement for vo in VendorOrder.objects.filter(settlement_line__isnull=False)}
    assert set(settled) == {three.pk, two.pk, last_a.pk, last_b.pk}
    for vo, n in ((three, 3), (two, 2), (last_a, 1), (last_b, 1)):
        assert (settled[vo.pk].period_start, settled[vo.pk].period_end) == month_period(*months_back(n))
    assert not VendorOrder.objects.filter(pk=this_month.pk, settlement_line__isnull=False).exists()  # still open
    # A run on any later day finds nothing more to do.
    assert settlements_monthly_task() == 0 and settlements_due_months() == []
    assert Settlement.objects.count() == 4


def test_a_month_settled_for_one_vendor_is_still_settled_for_another_that_was_missed(vendor, other_vendor):
    completed_in(vendor, 1)
    assert settlements_monthly_task() == 1
    late = completed_in(other_vendor, 1)  # e.g. a build that died after the first vendor's commit
    assert settlements_due_months() == [month_period(*months_back(1))]
    assert settlements_monthly_task() == 1
    assert late.__class__.objects.get(pk=late.pk).settlement_line.settlement.vendor_id == other_vendor.pk


# --- item 9: follow-ups of committed work are never lost --------------------------------------------


def test_settlements_whose_follow_ups_were_lost_get_their_notice_and_statement_once(
        vendor, other_vendor, django_capture_on_commit_callbacks):
    owners = [MembershipFactory(vendor=v).user for v in (vendor, other_vendor)]
    completed_in(vendor, 1)
    completed_in(other_vendor, 1)
    with django_capture_on_commit_callbacks(execute=False) as lost:
        assert settlements_monthly_task() == 2
    assert lost  # committed; the worker died before anything was sent
    # The beat's next run sees nothing to do: the settlements exist.
    assert settlements_monthly_task() == 0
    assert not Notification.objects.filter(key__startswith="settlement-built:").exists()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.outbox_sweep(now=later())
    for owner, settlement in zip(owners, Settlement.objects.order_by("vendor_id"), strict=True):
        assert Notification.objects.filter(user=owner, key=f"settlement-built:{settlement.pk}:u{owner.pk}").count() == 1
        document = Document.objects.get(kind=DocumentKind.SETTLEMENT, settlement=settlement)
        assert document.file and document.file.read().startswith(b"%PDF")
    assert not OutboxTask.objects.filter(done_at__isnull=True).exists()
    # Swept again (or the tasks sent twice): nothing more is sent or made.
    files = sorted(Document.objects.values_list("file", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.outbox_sweep(now=later(5))
        for row in OutboxTask.objects.all():
            jobs.task(row.name).apply(kwargs=row.kwargs)
    assert Notification.objects.filter(key__startswith="settlement-built:").count() == 2
    assert sorted(Document.objects.values_list("file", flat=True)) == files


def test_a_paid_order_whose_follow_ups_were_lost_gets_its_notices_and_documents_once(
        vendor, django_capture_on_commit_callbacks):
    buyer = UserFactory(email="member@example.kr")
    owner = MembershipFactory(vendor=vendor).user
    variant = ProductFactory(vendor=vendor, variants=[{"name": "기본", "price": 10000, "stock": 100}]).variants.get()
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(items=[(variant, 1)], buyer=buyer)
    with django_capture_on_commit_callbacks(execute=False):
        order_mark_paid(order_id=order.pk)  # the deposit was confirmed; the process died after the commit
    assert not Notification.objects.filter(key__startswith="order-paid:").exists()
    assert not Document.objects.filter(order=order).exists()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.outbox_sweep(now=later())
        jobs.outbox_sweep(now=later(5))
    vendor_order = order.vendor_orders.get()
    assert Notification.objects.filter(key=f"order-paid:{order.pk}:u{buyer.pk}").count() == 1
    assert Notification.objects.filter(key=f"vo-new:{vendor_order.pk}:u{owner.pk}").count() == 1
    kinds = sorted(Document.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == sorted([DocumentKind.RECEIPT, DocumentKind.STATEMENT, DocumentKind.PACKING_SLIP])
    assert all(d.file for d in Document.objects.filter(order=order))
    assert not OutboxTask.objects.filter(done_at__isnull=True).exists()
