"""Late shipping: the promise fixed at payment and its escalation, each step once (orders.services.late_shipping)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from catalog.models import ShippingPolicy
from ddasum.business_days import add_business_days
from notifications.models import Message
from orders import tasks
from orders.models import VendorOrder, VendorOrderStatus
from orders.services.actions import vendor_order_ship
from orders.services.late_shipping import late_shipments_escalate, ship_by_for

from .helpers import paid_vendor_order, put

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
V = VendorOrderStatus


def at(y, m, d, hour=9, minute=40):
    return datetime(y, m, d, hour, minute, tzinfo=KST)


def keys(prefix):
    return sorted(Message.objects.filter(dedupe_key__startswith=prefix).values_list("dedupe_key", flat=True))


@pytest.fixture
def late(variant, buyer, owner, operator):
    """`buyer`'s paid order from `vendor`, due to ship on Tuesday 2026-09-29 (paid Wednesday 9.23, before 추석)."""
    vendor_order = paid_vendor_order(variant, buyer=buyer, email=buyer.email)
    return put(vendor_order, V.PAID, paid_at=at(2026, 9, 23, 10), ship_by=date(2026, 9, 29))


# --- the promise --------------------------------------------------------------------------------


def test_ship_by_counts_business_days_and_a_chosen_delivery_date():
    assert ship_by_for(paid_on=date(2026, 9, 23), shipping_days=2) == date(2026, 9, 29)  # 추석 and a weekend
    assert ship_by_for(paid_on=date(2027, 2, 5), shipping_days=1) == date(2027, 2, 10)   # 설날 + 대체공휴일
    # A delivery chosen for a later day may ship the business day before it.
    assert ship_by_for(paid_on=date(2026, 12, 1), shipping_days=2, delivery_date=date(2026, 12, 14)) == date(2026, 12, 11)
    assert ship_by_for(paid_on=date(2026, 12, 1), shipping_days=2, delivery_date=date(2026, 12, 2)) == date(2026, 12, 3)


def test_paying_fixes_ship_by_from_the_vendors_policy(variant, vendor, buyer):
    default = paid_vendor_order(variant, buyer=buyer)
    assert default.ship_by == add_business_days(timezone.localdate(default.paid_at), 2)
    ShippingPolicy.objects.update_or_create(vendor=vendor, defaults={"shipping_days": 5})
    slower = paid_vendor_order(variant, buyer=buyer)
    assert slower.ship_by == add_business_days(timezone.localdate(slower.paid_at), 5)
    # Changing the policy later does not move the promise already made.
    default.refresh_from_db()
    assert default.ship_by == add_business_days(timezone.localdate(default.paid_at), 2)


# --- the escalation -----------------------------------------------------------------------------


def test_each_step_once_vendor_then_operator_and_buyer_a_business_day_later(late, owner, operator, buyer):
    # On its last shipping day, nothing.
    assert late_shipments_escalate(now=at(2026, 9, 29)) == {"vendor": 0, "operator": 0, "buyer": 0}
    # The next business day the vendor is reminded, once however often the task runs.
    assert late_shipments_escalate(now=at(2026, 9, 30)) == {"vendor": 1, "operator": 0, "buyer": 0}
    assert late_shipments_escalate(now=at(2026, 9, 30, 15)) == {"vendor": 0, "operator": 0, "buyer": 0}
    assert keys("late-ship-vendor:") == [f"late-ship-vendor:vo{late.pk}:u{owner.pk}"]
    assert keys("late-ship-operator:") == [] and keys("late-ship-buyer:") == []
    # A business day later: the operators and the buyer, with a new date two business days on
    # (10.2 Friday, then 10.5 is the 개천절 substitute, so Tuesday 10.6).
    assert late_shipments_escalate(now=at(2026, 10, 1)) == {"vendor": 0, "operator": 1, "buyer": 1}
    for _ in range(3):
        assert late_shipments_escalate(now=at(2026, 10, 2)) == {"vendor": 0, "operator": 0, "buyer": 0}
        tasks.late_shipments_escalate_task.delay().get()
    assert keys("late-ship-operator:") == [f"late-ship-operator:vo{late.pk}:u{operator.pk}"]
    assert keys("late-ship-buyer:") == [f"late-ship-buyer:vo{late.pk}:u{buyer.pk}"]
    assert len(keys("late-ship-vendor:")) == 1
    late.refresh_from_db()
    assert late.late_expected_on == date(2026, 10, 6)
    apology = Message.objects.get(dedupe_key__startswith="late-ship-buyer:")
    assert apology.kind == "order_late_shipping" and "죄송합니다" in apology.body and "2026-10-06" in apology.body
    assert apology.variables["발송예정일"] == "2026-10-06"
    alert = Message.objects.get(dedupe_key__startswith="late-ship-operator:")
    assert alert.user == operator and late.vendor.name in alert.title and late.number in alert.body


def test_a_reminder_on_friday_escalates_on_monday_and_weekends_do_nothing(variant, buyer, owner, operator):
    vendor_order = put(paid_vendor_order(variant, buyer=buyer), V.PREPARING, ship_by=date(2026, 12, 3))
    assert late_shipments_escalate(now=at(2026, 12, 4))["vendor"] == 1  # Friday
    assert late_shipments_escalate(now=at(2026, 12, 5))["operator"] == 0  # Saturday: nothing at all
    assert late_shipments_escalate(now=at(2026, 12, 6))["operator"] == 0
    assert late_shipments_escalate(now=at(2026, 12, 7)) == {"vendor": 0, "operator": 1, "buyer": 1}
    vendor_order.refresh_from_db()
    assert vendor_order.late_escalated_at and vendor_order.late_buyer_told_at


def test_a_missed_week_is_caught_up_one_step_per_business_day(late, owner, operator):
    # The beat did not run for a week: the first run reminds the vendor (not everyone at once).
    assert late_shipments_escalate(now=at(2026, 10, 7)) == {"vendor": 1, "operator": 0, "buyer": 0}
    assert late_shipments_escalate(now=at(2026, 10, 8)) == {"vendor": 0, "operator": 1, "buyer": 1}


def test_a_run_that_died_after_the_notice_sends_nothing_twice(late, owner, operator, buyer):
    late_shipments_escalate(now=at(2026, 9, 30))
    late_shipments_escalate(now=at(2026, 10, 1))
    # As if the worker died before writing the stamps: the keys on the messages hold.
    VendorOrder.objects.filter(pk=late.pk).update(late_reminded_at=None, late_escalated_at=None,
                                                  late_buyer_told_at=None)
    before = Message.objects.count()
    late_shipments_escalate(now=at(2026, 10, 2))
    late_shipments_escalate(now=at(2026, 10, 6))
    assert Message.objects.count() == before
    late.refresh_from_db()
    assert late.late_expected_on == date(2026, 10, 6)  # the date told is kept


def test_shipped_and_cancelled_orders_are_not_escalated(late, owner, operator):
    late_shipments_escalate(now=at(2026, 9, 30))
    vendor_order_ship(vendor_order_id=late.pk, carrier="cj", tracking_number="123456789012", actor=owner)
    assert late_shipments_escalate(now=at(2026, 10, 1)) == {"vendor": 0, "operator": 0, "buyer": 0}
    assert keys("late-ship-operator:") == [] and keys("late-ship-buyer:") == []


def test_the_partner_list_shows_overdue_orders_oldest_first(late, variant, other_variant, buyer, client, owner):
    newer = put(paid_vendor_order(variant, buyer=buyer), V.PAID, ship_by=date(2026, 10, 1))
    put(paid_vendor_order(variant, buyer=buyer), V.PAID, ship_by=date(2099, 1, 1))
    others = put(paid_vendor_order(other_variant, buyer=buyer), V.PAID, ship_by=date(2026, 9, 1))
    client.force_login(owner)
    response = client.get("/partner/orders/vendororder/?todo=overdue")
    assert response.status_code == 200
    rows = [vo.pk for vo in response.context["cl"].result_list]
    assert rows == [late.pk, newer.pk]  # another vendor's overdue order is not listed
    assert client.get(f"/partner/orders/vendororder/{others.pk}/change/").status_code == 404


def test_the_order_page_shows_the_promise_and_the_steps_taken(late, client, owner, operator):
    late_shipments_escalate(now=at(2026, 9, 30))
    late_shipments_escalate(now=at(2026, 10, 1))
    client.force_login(owner)
    page = client.get(f"/partner/orders/vendororder/{late.pk}/change/").content.decode()
    assert "2026-09-29 · 영업일" in page
    assert "입점기업 안내 2026-09-30 09:40" in page and "운영자 알림 2026-10-01 09:40" in page
    assert "새 발송 예정일 2026-10-06" in page
