"""Settlements: arithmetic, which orders, idempotency, paying, statements, vendor isolation, rate history."""
import io
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Notification
from catalog.models import ShippingPolicy
from orders.exceptions import InvalidTransition
from orders.models import (
    Order,
    Settlement,
    SettlementEvent,
    SettlementLine,
    SettlementStatus,
    VendorOrder,
    VendorOrderStatus,
)
from orders.services import settlements as service
from orders.services.actions import vendor_order_transition
from orders.services.settlements import (
    SettlementError,
    commission_expression,
    commission_of,
    previous_month,
    settlement_build,
    settlement_csv,
    settlement_mark_paid,
    settlements_build_period,
)
from orders.tasks import settlements_monthly_task
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory, place_order
from tests.otp import otp_login
from vendors.models import CommissionRateChange, Vendor

from .helpers import paid_vendor_order, vendor_order_completed

pytestmark = pytest.mark.django_db

V = VendorOrderStatus


def kst(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_default_timezone())


@pytest.fixture
def period():
    return previous_month()


def in_period(period, day=10, hour=12):
    start, _end = period
    return kst(start.year, start.month, day, hour)


def completed(variant, qty=1, *, at, refunded=0) -> VendorOrder:
    """A paid vendor order taken through every state to 구매 확정, then dated `at`."""
    return vendor_order_completed(paid_vendor_order(variant, qty=qty), at=at, refunded=refunded)


def product(vendor, price, name=None):
    return ProductFactory(vendor=vendor, name=name or f"상품 {price}",
                          variants=[{"name": "기본", "price": price, "stock": 500}]).variants.get()


# --- the commission rule ---------------------------------------------------------------------------


def test_commission_rounds_half_up_to_the_won():
    assert commission_of(12345, Decimal("10")) == 1235  # 1234.5
    assert commission_of(12344, Decimal("10")) == 1234  # 1234.4
    assert commission_of(10001, Decimal("12.5")) == 1250  # 1250.125
    assert commission_of(1, Decimal("50")) == 1  # 0.5
    assert commission_of(0, Decimal("10")) == 0
    assert commission_of(99999, Decimal("0")) == 0
    assert commission_of(33333, Decimal("100")) == 33333


@given(st.integers(min_value=0, max_value=2_000_000_000), st.integers(min_value=0, max_value=10_000))
def test_commission_is_the_nearest_won_and_never_more_than_the_goods(items, hundredths):
    rate = Decimal(hundredths) / 100
    c = commission_of(items, rate)
    exact = Decimal(items) * rate / 100
    assert 0 <= c <= items
    assert abs(c - exact) <= Decimal("0.5")
    assert c == (items * hundredths + 5000) // 10000  # the database's arithmetic


def test_the_database_rounds_exactly_like_python(vendor):
    """commission_expression() and commission_of() are the same rule, also at the .5 edges."""
    order = place_order(items=[(product(vendor, 1000), 1)])
    base = order.vendor_orders.get()
    items = [0, 1, 5, 15, 199, 10001, 12344, 12345, 99995, 250_005, 2_000_000_000]
    rates = ["0", "0.01", "2.5", "3.3", "10", "12.35", "33.33", "99.99", "100"]
    made = []
    for i, amount in enumerate(items):
        for j, rate in enumerate(rates):
            made.append(VendorOrder(order=order, vendor=vendor, number=f"X{i}-{j}", items_total=amount, shipping_fee=0,
                                    total=amount, commission_rate=Decimal(rate)))
    VendorOrder.objects.bulk_create(made)
    rows = VendorOrder.objects.filter(order=order).exclude(pk=base.pk).annotate(c=commission_expression())
    checked = 0
    for vo in rows:
        assert vo.c == commission_of(vo.items_total, vo.commission_rate), (vo.items_total, vo.commission_rate)
        checked += 1
    assert checked == len(items) * len(rates)


# --- building ----------------------------------------------------------------------------------------


def test_arithmetic_with_snapshot_rates_shipping_and_refunds(vendor, period):
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=50000)
    vendor.commission_rate = Decimal("12.5")
    vendor.save()
    a = completed(product(vendor, 10001), at=in_period(period, 3))
    Vendor.objects.filter(pk=vendor.pk).update(commission_rate=Decimal("10"))  # later orders carry the new rate
    b = completed(product(vendor, 12345), at=in_period(period, 20), refunded=2000)
    c = completed(product(vendor, 30000), 2, at=in_period(period, 21))  # 60,000: free shipping
    assert (a.commission_rate, b.commission_rate) == (Decimal("12.50"), Decimal("10.00"))
    assert (a.shipping_fee, b.shipping_fee, c.shipping_fee) == (3000, 3000, 0)

    s = settlement_build(vendor_id=vendor.pk, period_start=period[0], period_end=period[1])

    assert s.order_count == 3
    assert s.items_total == 10001 + 12345 + 60000
    assert s.shipping_total == 6000
    assert s.refund_total == 2000
    assert s.commission_total == 1250 + 1235 + 6000
    assert s.payout == s.items_total + s.shipping_total - s.refund_total - s.commission_total == 77861
    assert s.status == SettlementStatus.CONFIRMED
    assert s.number.startswith(f"ST-{period[0]:%Y%m}-")
    line = SettlementLine.objects.get(vendor_order=b)
    assert (line.items_total, line.shipping_fee, line.refunded_amount, line.commission, line.payout) == (
        12345, 3000, 2000, 1235, 12345 + 3000 - 2000 - 1235)
    assert sum(s.lines.values_list("payout", flat=True)) == s.payout


def test_only_orders_completed_within_the_korean_dates_of_the_period(vendor, period):
    start, end = period
    variant = product(vendor, 10000)
    inside = [
        completed(variant, at=kst(start.year, start.month, start.day, 0, 0, 0)),  # the first second
        completed(variant, at=kst(end.year, end.month, end.day, 23, 59, 59)),  # the last second
    ]
    after = end + timedelta(days=1)
    completed(variant, at=kst(after.year, after.month, after.day, 0, 0, 0))  # next period
    before = start - timedelta(days=1)
    completed(variant, at=kst(before.year, before.month, before.day, 23, 59, 59))  # previous period
    delivered = place_order(items=[(variant, 1)], paid=True).vendor_orders.get()
    for to in (V.PREPARING, V.SHIPPED, V.DELIVERED):
        vendor_order_transition(delivered, to)  # delivered, not confirmed: not yet
    place_order(items=[(variant, 1)], paid=True)  # paid only
    cancelled = place_order(items=[(variant, 1)], paid=True).vendor_orders.get()
    vendor_order_transition(cancelled, V.CANCELLED)
    # A stray completed_at on a vendor order that is not completed counts for nothing either.
    VendorOrder.objects.filter(pk=cancelled.pk).update(completed_at=in_period(period))

    s = settlement_build(vendor_id=vendor.pk, period_start=start, period_end=end)

    assert sorted(s.lines.values_list("vendor_order_id", flat=True)) == sorted(vo.pk for vo in inside)
    assert s.order_count == 2 and s.items_total == 20000


def test_each_vendor_is_settled_on_its_own_orders(vendor, other_vendor, period):
    completed(product(vendor, 10000), at=in_period(period))
    completed(product(other_vendor, 7000), 3, at=in_period(period))
    VendorFactory(name="주문 없는 기업")

    result = settlements_build_period(period_start=period[0], period_end=period[1])

    assert result.created_count == 2
    mine = Settlement.objects.get(vendor=vendor)
    theirs = Settlement.objects.get(vendor=other_vendor)
    assert (mine.items_total, theirs.items_total) == (10000, 21000)
    assert mine.number != theirs.number
    assert all(line.vendor_order.vendor_id == vendor.pk for line in mine.lines.select_related("vendor_order"))


def test_running_again_changes_nothing(vendor, other_vendor, period, django_capture_on_commit_callbacks):
    completed(product(vendor, 10000), at=in_period(period))
    completed(product(other_vendor, 5000), at=in_period(period))
    first = settlement_build(vendor_id=vendor.pk, period_start=period[0], period_end=period[1])
    rows = list(Settlement.objects.order_by("pk").values())
    lines = list(SettlementLine.objects.order_by("pk").values())

    with django_capture_on_commit_callbacks() as callbacks:
        again = settlement_build(vendor_id=vendor.pk, period_start=period[0], period_end=period[1])
    assert again.pk == first.pk and not callbacks
    assert list(Settlement.objects.order_by("pk").values()) == rows

    # The period run settles the other vendor and leaves the first as it was.
    result = settlements_build_period(period_start=period[0], period_end=period[1])
    assert (result.created_count, result.existing) == (1, 1)
    assert list(Settlement.objects.filter(pk=first.pk).values()) == rows
    after = list(SettlementLine.objects.order_by("pk").values())
    assert after[: len(lines)] == lines

    snapshot = (list(Settlement.objects.order_by("pk").values()), list(SettlementLine.objects.order_by("pk").values()))
    assert settlements_build_period(period_start=period[0], period_end=period[1]).created_count == 0
    assert (list(Settlement.objects.order_by("pk").values()),
            list(SettlementLine.objects.order_by("pk").values())) == snapshot


def test_a_vendor_order_is_settled_once_even_across_overlapping_periods(vendor, period):
    vo = completed(product(vendor, 10000), at=in_period(period, 15))
    start, end = period
    month = settlement_build(vendor_id=vendor.pk, period_start=start, period_end=end)
    half = settlement_build(vendor_id=vendor.pk, period_start=start + timedelta(days=9), period_end=end)
    assert month.lines.get().vendor_order_id == vo.pk
    assert half.order_count == 0 and half.payout == 0 and not half.lines.exists()


def test_the_monthly_task_settles_last_month_once(vendor, period):
    completed(product(vendor, 10000), at=in_period(period))
    assert settlements_monthly_task() == 1
    assert settlements_monthly_task() == 0
    s = Settlement.objects.get()
    assert (s.period_start, s.period_end) == period


def test_an_open_period_is_refused(vendor):
    today = timezone.localdate()
    with pytest.raises(SettlementError):
        settlement_build(vendor_id=vendor.pk, period_start=today.replace(day=1), period_end=today)
    with pytest.raises(SettlementError):
        settlements_build_period(period_start=today, period_end=today - timedelta(days=1))
    assert not Settlement.objects.exists()


def test_the_vendor_is_told_when_its_statement_is_ready(vendor, owner, period, django_capture_on_commit_callbacks):
    completed(product(vendor, 10000), at=in_period(period))
    with django_capture_on_commit_callbacks(execute=True):
        s = settlement_build(vendor_id=vendor.pk, period_start=period[0], period_end=period[1])
    notice = Notification.objects.get(user=owner, key=f"settlement-built:{s.pk}:u{owner.pk}")
    assert s.number in notice.body and "9,000" in notice.body  # 10,000 − 10% commission
    assert notice.url == reverse("partner:orders_settlement_change", args=[s.pk])


# --- paying -------------------------------------------------------------------------------------------


@pytest.fixture
def settlement(vendor, period):
    completed(product(vendor, 25000), 2, at=in_period(period))
    return settlement_build(vendor_id=vendor.pk, period_start=period[0], period_end=period[1])


def test_mark_paid_once_and_tell_the_vendor(settlement, operator, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        paid = settlement_mark_paid(settlement_id=settlement.pk, actor=operator)
    assert paid.status == SettlementStatus.PAID and paid.paid_at is not None
    assert Notification.objects.filter(user=owner, key=f"settlement-paid:{settlement.pk}:u{owner.pk}").exists()
    paid_at = paid.paid_at
    with django_capture_on_commit_callbacks() as callbacks:
        again = settlement_mark_paid(settlement_id=settlement.pk, actor=operator)
    assert again.paid_at == paid_at and not callbacks


def test_a_draft_cannot_be_paid(settlement, operator):
    Settlement.objects.filter(pk=settlement.pk).update(status=SettlementStatus.DRAFT)
    with pytest.raises(InvalidTransition):
        settlement_mark_paid(settlement_id=settlement.pk, actor=operator)


# --- the settlement's history --------------------------------------------------------------------------


def test_building_writes_one_event_per_settlement_with_one_insert(vendor, other_vendor, period, operator):
    completed(product(vendor, 10000), at=in_period(period))
    completed(product(other_vendor, 20000), at=in_period(period))
    with CaptureQueriesContext(connection) as ctx:
        result = settlements_build_period(period_start=period[0], period_end=period[1], actor=operator)
    inserts = [q for q in ctx.captured_queries
               if q["sql"].startswith("INSERT") and SettlementEvent._meta.db_table in q["sql"]]
    assert len(inserts) == 1
    rows = SettlementEvent.objects.order_by("settlement__vendor_id")
    assert [(e.settlement_id, e.actor, e.from_status, e.to_status, e.reason) for e in rows] == [
        (s.pk, operator, "", SettlementStatus.CONFIRMED, "") for s in sorted(result.created, key=lambda s: s.vendor_id)]
    # Built again: nothing new, no second history.
    settlements_build_period(period_start=period[0], period_end=period[1], actor=operator)
    assert SettlementEvent.objects.count() == 2


def test_a_settlement_built_without_an_actor_has_its_first_event_too(vendor, period):
    s = settlement_build(vendor_id=vendor.pk, period_start=period[0], period_end=period[1])
    event = s.events.get()
    assert (event.actor, event.from_status, event.to_status) == (None, "", SettlementStatus.CONFIRMED)


def test_marking_paid_writes_the_event_row(settlement, operator):
    settlement_mark_paid(settlement_id=settlement.pk, actor=operator)
    settlement_mark_paid(settlement_id=settlement.pk, actor=operator)  # again: no second row
    paid = settlement.events.get(to_status=SettlementStatus.PAID)
    assert (paid.actor, paid.from_status, paid.reason) == (operator, SettlementStatus.CONFIRMED, "")
    assert paid.created_at == Settlement.objects.get(pk=settlement.pk).paid_at
    assert list(settlement.events.values_list("to_status", flat=True)) == [SettlementStatus.CONFIRMED,
                                                                            SettlementStatus.PAID]


def test_a_refused_payment_writes_no_event(settlement, operator):
    Settlement.objects.filter(pk=settlement.pk).update(status=SettlementStatus.DRAFT)
    with pytest.raises(InvalidTransition) as refused:
        settlement_mark_paid(settlement_id=settlement.pk, actor=operator)
    assert refused.value.message == "'정산 확정 전' 상태의 정산은 지급 완료로 바꿀 수 없습니다."
    assert not settlement.events.filter(to_status=SettlementStatus.PAID).exists()


def test_both_admins_show_the_history_read_only(settlement, operator, owner, client):
    settlement_mark_paid(settlement_id=settlement.pk, actor=operator)
    otp_login(client, operator)
    page = client.get(reverse("admin:orders_settlement_change", args=[settlement.pk])).content.decode()
    assert "상태 이력" in page and "- → 지급 대기" in page and "지급 대기 → 지급 완료" in page
    assert operator.name in page
    assert 'name="events-0-reason"' not in page and 'name="events-0-to_status"' not in page  # nothing to edit

    client.force_login(owner)
    page = client.get(reverse("partner:orders_settlement_change", args=[settlement.pk])).content.decode()
    assert "상태 이력" in page and "지급 대기 → 지급 완료" in page
    assert operator.name not in page and "운영자" in page  # the vendor sees the role, not the account


def test_operator_pays_from_the_admin_button_and_action(settlement, vendor, period, client, operator):
    otp_login(client, operator)
    page = client.get(reverse("admin:orders_settlement_change", args=[settlement.pk]))
    assert page.status_code == 200
    pay_url = reverse("admin:orders_settlement_pay", args=[settlement.pk])
    assert pay_url in page.content.decode()
    assert client.post(pay_url).status_code == 302
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.PAID

    other = settlement_build(vendor_id=VendorFactory().pk, period_start=period[0], period_end=period[1])
    response = client.post(reverse("admin:orders_settlement_changelist"),
                           {"action": "mark_paid", "_selected_action": [other.pk]})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == SettlementStatus.PAID


def test_operator_builds_a_period_from_its_page(vendor, other_vendor, period, client, operator):
    completed(product(vendor, 10000), at=in_period(period))
    completed(product(other_vendor, 20000), at=in_period(period))
    otp_login(client, operator)
    url = reverse("admin:orders_settlement_build")
    page = client.get(url)
    assert page.status_code == 200 and f'value="{period[0]:%Y-%m-%d}"' in page.content.decode()
    response = client.post(url, {"period_start": period[0], "period_end": period[1]}, follow=True)
    assert response.status_code == 200
    assert "정산 2건을 만들었습니다" in response.content.decode()
    assert Settlement.objects.count() == 2
    response = client.post(url, {"period_start": period[0], "period_end": period[1]}, follow=True)
    assert "정산 0건을 만들었습니다" in response.content.decode() and Settlement.objects.count() == 2
    today = timezone.localdate()
    response = client.post(url, {"period_start": today.replace(day=1), "period_end": today})
    assert "끝나지 않은 기간" in response.content.decode()


def test_staff_without_settlement_rights_cannot_build_or_pay(settlement, client):
    clerk = UserFactory(is_staff=True)
    otp_login(client, clerk)  # a signed-in operator, second factor given: still no rights
    assert client.get(reverse("admin:orders_settlement_build")).status_code == 403
    assert client.post(reverse("admin:orders_settlement_pay", args=[settlement.pk])).status_code == 403
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.CONFIRMED


# --- statements --------------------------------------------------------------------------------------


def test_csv_statement_has_a_bom_every_line_and_the_totals(settlement, vendor):
    data = settlement_csv(settlement)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = [r.split(",") for r in text.strip().splitlines()]
    assert rows[0] == ["정산서", settlement.number]
    assert vendor.name in text and vendor.business_number in text
    header = rows.index(list(service.CSV_HEADER))
    line = rows[header + 1]
    vo = settlement.lines.get().vendor_order
    assert line[0] == vo.number and line[1] == vo.order.number
    assert line[3:] == ["50000", "0", "0", "10.00", "5000", "45000"]
    assert rows[-1][0] == "합계" and rows[-1][-1] == str(settlement.payout) == "45000"


def test_pdf_statement_is_made_stored_and_streamed(settlement, vendor, client, operator):
    from ddasum.pdf import weasyprint_missing

    if weasyprint_missing():
        pytest.skip(f"WeasyPrint cannot render here: {weasyprint_missing()}")
    from pypdf import PdfReader

    otp_login(client, operator)
    response = client.get(reverse("admin:orders_settlement_statement", args=[settlement.pk, "pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert "정산서" in text and settlement.number in text and vendor.name in text and "45,000" in text
    document = service.settlement_document(settlement)
    assert service.settlement_pdf_make(settlement_id=settlement.pk) is None  # current: nothing written
    settlement_mark_paid(settlement_id=settlement.pk, actor=operator)  # the statement shows it: made again
    assert not service.settlement_document_is_current(Settlement.objects.get(pk=settlement.pk))
    assert service.settlement_pdf_make(settlement_id=settlement.pk).number == document.number


# --- the partner admin: a vendor sees its own only ------------------------------------------------------


def test_vendor_sees_only_its_settlements_and_cannot_change_them(settlement, vendor, owner, other_vendor, period,
                                                                 client):
    completed(product(other_vendor, 8000), at=in_period(period))
    theirs = settlement_build(vendor_id=other_vendor.pk, period_start=period[0], period_end=period[1])
    client.force_login(owner)

    listing = client.get(reverse("partner:orders_settlement_changelist"))
    assert listing.status_code == 200
    assert settlement.number in listing.content.decode() and theirs.number not in listing.content.decode()

    mine = client.get(reverse("partner:orders_settlement_change", args=[settlement.pk]))
    assert mine.status_code == 200 and "45,000원" in mine.content.decode()
    assert client.get(reverse("partner:orders_settlement_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("partner:orders_settlement_statement", args=[theirs.pk, "csv"])).status_code == 404
    assert client.get(reverse("partner:orders_settlement_statement", args=[theirs.pk, "pdf"])).status_code == 404
    own_csv = client.get(reverse("partner:orders_settlement_statement", args=[settlement.pk, "csv"]))
    assert own_csv.status_code == 200 and own_csv.content.startswith(b"\xef\xbb\xbf")
    assert settlement.number in own_csv.content.decode("utf-8-sig")

    # Read-only: no adding, no changing, no paying.
    assert client.get(reverse("partner:orders_settlement_add")).status_code == 403
    assert client.post(reverse("partner:orders_settlement_change", args=[settlement.pk]),
                       {"status": "paid"}).status_code == 403
    client.post(f"/partner/orders/settlement/{settlement.pk}/pay/")
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.CONFIRMED
    # The operators' admin is not theirs.
    assert client.get(reverse("admin:orders_settlement_change", args=[settlement.pk])).status_code == 302


def test_strangers_get_no_statement(settlement, client):
    url = reverse("partner:orders_settlement_statement", args=[settlement.pk, "csv"])
    assert client.get(url).status_code == 302  # to the login
    client.force_login(UserFactory())
    assert client.get(url).status_code in (302, 403)
    stranger_owner = MembershipFactory(vendor=VendorFactory()).user
    client.force_login(stranger_owner)
    assert client.get(url).status_code == 404


# --- the commission rate's history ------------------------------------------------------------------


def test_operator_changing_the_rate_records_who_and_when(vendor, operator):
    request = RequestFactory().post("/")
    request.user = operator
    vendor_admin = admin.site._registry[Vendor]
    vendor.commission_rate = Decimal("7.5")
    vendor_admin.save_model(request, vendor, SimpleNamespace(changed_data=["commission_rate", "name"]), change=True)
    vendor_admin.save_model(request, vendor, SimpleNamespace(changed_data=["phone"]), change=True)

    change = CommissionRateChange.objects.get(vendor=vendor)
    assert (change.rate, change.changed_by) == (Decimal("7.50"), operator)
    assert timezone.now() - change.changed_at < timedelta(minutes=1)
    # Orders placed before keep their rate; the next one carries the new one.
    assert Vendor.objects.get(pk=vendor.pk).commission_rate == Decimal("7.50")
    order = place_order(items=[(product(vendor, 10000), 1)])
    assert order.vendor_orders.get().commission_rate == Decimal("7.50")
    assert Order.objects.count() == 1
