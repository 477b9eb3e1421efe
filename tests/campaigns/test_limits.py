"""Campaign caps and per-customer limits: taken and given back by conditional UPDATEs."""
import threading

import pytest
from django.db import connection

from campaigns.models import CampaignItem, CampaignItemUse
from campaigns.services.limits import customer_key, customer_uses, item_release, item_take
from tests.campaigns.factories import CampaignItemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_customer_keys():
    user = UserFactory()
    assert customer_key(user=user, email="x@y.kr") == f"u{user.pk}"
    assert customer_key(email=" Buyer@Example.KR ") == "ebuyer@example.kr"
    assert customer_key() == ""


def test_cap_is_taken_all_or_nothing_and_never_exceeded():
    item = CampaignItemFactory(stock_cap=5)
    assert item_take(item_id=item.pk, customer="u1", quantity=3)
    refused = item_take(item_id=item.pk, customer="u2", quantity=3)
    assert not refused and refused.reason == "cap" and refused.left == 2
    assert item_take(item_id=item.pk, customer="u2", quantity=2)
    item.refresh_from_db()
    assert item.sold_count == 5
    item_release(item_id=item.pk, customer="u1", quantity=3)
    item.refresh_from_db()
    assert item.sold_count == 2


def test_per_customer_limit_counts_each_customer_and_undoes_the_cap():
    item = CampaignItemFactory(stock_cap=100, per_customer_limit=2)
    assert item_take(item_id=item.pk, customer="u1", quantity=2)
    refused = item_take(item_id=item.pk, customer="u1", quantity=1)
    assert not refused and refused.reason == "limit" and refused.left == 0 and refused.limit == 2
    item.refresh_from_db()
    assert item.sold_count == 2  # the refused unit was not counted against the cap either
    assert item_take(item_id=item.pk, customer="ebuyer@example.kr", quantity=2)
    assert customer_uses([item.pk], "u1") == {item.pk: 2}
    item_release(item_id=item.pk, customer="u1", quantity=1)
    assert CampaignItemUse.objects.get(item=item, customer="u1").quantity == 1
    assert item_take(item_id=item.pk, customer="u1", quantity=1)


def test_release_never_goes_below_zero():
    item = CampaignItemFactory(stock_cap=3)
    item_release(item_id=item.pk, customer="u1", quantity=5)
    item.refresh_from_db()
    assert item.sold_count == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_takes_stop_at_the_cap_and_the_limit():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    from django.db import connections, transaction

    item = CampaignItemFactory(stock_cap=10, per_customer_limit=3)
    results, barrier = [], threading.Barrier(30)

    def take(i):
        try:
            barrier.wait()
            with transaction.atomic():
                # 30 takers: 10 of them are one customer buying one at a time.
                results.append((i, bool(item_take(item_id=item.pk, customer="u1" if i < 10 else f"u{i}", quantity=1))))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    item = CampaignItem.objects.get(pk=item.pk)
    assert item.sold_count == 10 == sum(ok for _i, ok in results)
    assert CampaignItemUse.objects.get(item=item, customer="u1").quantity <= 3
    assert sum(ok for i, ok in results if i < 10) <= 3
