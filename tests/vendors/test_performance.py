"""Vendor performance (issue 14): the nightly numbers equal the records they are computed from."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import StatusEvent, VendorOrder, VendorOrderStatus
from orders.services.performance import shipping_due
from procurement.models import QuoteEvent, QuoteRequest, QuoteStatus, VendorQuote
from reviews.models import Question, Review, ReviewStatus
from tests.factories import ProductFactory, UserFactory, VendorFactory
from tests.orders.helpers import paid_vendor_order
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory
from vendors.models import ExitSuggestion, SanctionKind, VendorPerformance, VendorSanction, VendorStatus
from vendors.performance import vendor_performance_refresh
from vendors.tasks import vendor_performance_refresh_task

pytestmark = pytest.mark.django_db
V = VendorOrderStatus
NOW = timezone.now()


def ago(**kwargs):
    return NOW - timedelta(**kwargs)


def vendor_order(variant, *, paid, status=V.PAID, shipped=None, delivered=None):
    """A paid vendor order of `variant`, dated and put in `status` as the records would have it."""
    vo = paid_vendor_order(variant)
    # Promised to ship within two days of payment (a fixed promise, so the test does not depend on weekdays).
    VendorOrder.objects.filter(pk=vo.pk).update(paid_at=paid, ship_by=timezone.localdate(paid + timedelta(days=2)),
                                                status=status, shipped_at=shipped, delivered_at=delivered)
    vo.refresh_from_db()
    return vo


def event(vo, to, *, actor=None, at=None):
    return StatusEvent.objects.create(order=vo.order, vendor_order=vo, actor=actor, from_status=V.PAID, to_status=to,
                                      created_at=at or NOW)


@pytest.fixture
def records(vendor, owner, operator):
    """A vendor's orders, reviews, questions and quote requests of the last 90 days, and some older."""
    variant = ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 100}]).variants.get()
    product = variant.product
    paid = ago(days=10)
    on_time = vendor_order(variant, paid=paid, status=V.DELIVERED, shipped=paid + timedelta(days=1),
                           delivered=paid + timedelta(days=3))
    late = vendor_order(variant, paid=paid, status=V.SHIPPED, shipped=paid + timedelta(days=3))
    vendor_order(variant, paid=paid)  # never shipped, past due: late
    vendor_order(variant, paid=ago(hours=1))  # not due yet: not counted for shipping
    by_vendor = vendor_order(variant, paid=paid, status=V.CANCELLED)
    event(by_vendor, V.CANCELLED, actor=owner)
    by_operator = vendor_order(variant, paid=paid, status=V.CANCELLED)
    event(by_operator, V.CANCELLED, actor=operator)
    returned = vendor_order(variant, paid=paid, status=V.RETURN_REQUESTED, shipped=paid + timedelta(days=2),
                            delivered=paid + timedelta(days=4))
    event(returned, V.RETURN_REQUESTED)
    old = vendor_order(variant, paid=ago(days=100), status=V.DELIVERED, shipped=ago(days=90),
                       delivered=ago(days=95))
    event(old, V.RETURN_REQUESTED)

    author = UserFactory()
    for vo, rating, status, written in ((on_time, 5, ReviewStatus.VISIBLE, ago(days=5)),
                                        (late, 2, ReviewStatus.VISIBLE, ago(days=4)),
                                        (returned, 1, ReviewStatus.HIDDEN, ago(days=3)),
                                        (old, 1, ReviewStatus.VISIBLE, ago(days=91))):
        Review.objects.create(order_line=vo.lines.get(), product=product, vendor=vendor, author=author, rating=rating,
                              content="잘 받았습니다. " * 2, status=status, created_at=written)
    for asked, wait in ((ago(days=5), timedelta(hours=2)), (ago(days=3), timedelta(hours=10)),
                        (ago(days=100), timedelta(hours=500))):
        Question.objects.create(product=product, vendor=vendor, author=author, content="언제 오나요?", created_at=asked,
                                answered_at=asked + wait, answer="내일 보냅니다.")
    Question.objects.create(product=product, vendor=vendor, author=author, content="아직 답이 없나요?",
                            created_at=ago(days=1))

    agency = AgencyFactory()
    buyer = AgencyMembershipFactory(agency=agency).user
    for n, (asked, answers) in enumerate((
        (ago(days=4), [(QuoteStatus.ANSWERED, timedelta(hours=24)), (QuoteStatus.ANSWERED, timedelta(hours=48))]),
        (ago(days=2), [(QuoteStatus.DECLINED, timedelta(hours=12))]),
        (ago(days=1), []),
    )):
        request = QuoteRequest.objects.create(number=f"RQ-20260101-{n:05d}", agency=agency, created_by=buyer,
                                              title="견적", delivery_place="도청", reply_by=timezone.localdate())
        quote = VendorQuote.objects.create(request=request, vendor=vendor, number=f"QT-20260101-{n:05d}",
                                           created_at=asked)
        for to, after in answers:
            QuoteEvent.objects.create(quote=quote, from_status=QuoteStatus.REQUESTED, to_status=to,
                                      created_at=asked + after)
    return vendor


def test_shipping_is_due_by_the_end_of_the_promised_business_day():
    # Paid Wednesday 2026-09-23 before 추석 (9.24–9.26, then Sunday): two business days end Tuesday 9.29.
    paid = timezone.make_aware(datetime(2026, 9, 23, 15))
    assert shipping_due(VendorOrder(paid_at=paid)) == timezone.make_aware(datetime(2026, 9, 30))
    # The promise fixed when the order was paid (the vendor's own days) wins.
    promised = VendorOrder(paid_at=paid, ship_by=date(2026, 10, 5))
    assert shipping_due(promised) == timezone.make_aware(datetime(2026, 10, 6))


def test_metrics_equal_the_records(records, other_vendor):
    result = vendor_performance_refresh(now=NOW)
    row = VendorPerformance.objects.get(vendor=records, window_days=90)
    assert row.as_of == timezone.localdate(NOW)
    # 7 orders paid in the window; shipping counted for the 2 on time, the 1 late and the 1 never shipped.
    assert (row.paid_orders, row.ship_due_orders, row.shipped_on_time, row.on_time_rate) == (7, 4, 2, Decimal("50.0"))
    # Only the owner's cancellation is the vendor's; the operator's is not.
    assert (row.vendor_cancels, row.vendor_cancel_rate) == (1, Decimal("14.3"))
    assert (row.delivered_orders, row.returns, row.return_rate) == (2, 1, Decimal("50.0"))
    # (2 h + 10 h) / 2; the unanswered and the old question left out.
    assert (row.questions_answered, row.question_answer_hours) == (2, Decimal("6.0"))
    # The first answer counts (24 h, not the second at 48 h); a refusal is an answer (12 h).
    assert (row.quotes_answered, row.quote_answer_hours) == (2, Decimal("18.0"))
    # Visible reviews written in the window: 5 and 2.
    assert (row.review_count, row.review_avg) == (2, Decimal("3.50"))

    empty = VendorPerformance.objects.get(vendor=other_vendor)
    assert (empty.paid_orders, empty.on_time_rate, empty.review_avg, empty.quote_answer_hours) == (0, None, None, None)
    assert result.rows == VendorPerformance.objects.count()


def test_per_line_claims_count_as_the_vendors_cancels_and_as_returns(vendor, owner):
    from orders.models import Claim, ClaimKind, ClaimReason

    buyer = UserFactory()
    variant = ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 100}]).variants.get()
    paid = ago(days=10)
    out_of_stock = vendor_order(variant, paid=paid, status=V.PREPARING)
    by_buyer = vendor_order(variant, paid=paid, status=V.PREPARING)
    returned = vendor_order(variant, paid=paid, status=V.DELIVERED, shipped=paid + timedelta(days=1),
                            delivered=paid + timedelta(days=2))
    for n, (vo, kind, who) in enumerate(((out_of_stock, ClaimKind.CANCEL, owner), (by_buyer, ClaimKind.CANCEL, buyer),
                                         (returned, ClaimKind.RETURN, buyer)), start=1):
        Claim.objects.create(number=f"{vo.number}-C{n}", order=vo.order, vendor_order=vo, kind=kind,
                             reason=ClaimReason.OTHER, requested_by=who)
    vendor_performance_refresh(now=NOW)
    row = VendorPerformance.objects.get(vendor=vendor, window_days=90)
    assert (row.paid_orders, row.vendor_cancels) == (3, 1)  # the owner's per-line cancel, not the buyer's
    assert (row.delivered_orders, row.returns) == (1, 1)


def test_thresholds_raise_suggestions_once_and_never_act(records, settings):
    settings.VENDOR_EXIT_THRESHOLDS = {**settings.VENDOR_EXIT_THRESHOLDS, "min_records": 2}
    vendor_performance_refresh(now=NOW)
    open_ = ExitSuggestion.objects.filter(vendor=records, closed_at__isnull=True)
    # On time 50% < 80, returns 50% > 15; cancellations stand on 7 orders (14.3% > 10); the rest within limits.
    assert set(open_.values_list("metric", flat=True)) == {"on_time_rate", "return_rate", "vendor_cancel_rate"}
    assert set(open_.values_list("suggested_kind", flat=True)) == {SanctionKind.WARNING}
    vendor_performance_refresh(now=NOW)
    assert open_.count() == 3
    records.refresh_from_db()
    assert records.status == VendorStatus.APPROVED and not VendorSanction.objects.exists()


def test_a_warned_vendor_is_suggested_a_suspension(records, operator, settings):
    settings.VENDOR_EXIT_THRESHOLDS = {**settings.VENDOR_EXIT_THRESHOLDS, "min_records": 2}
    VendorSanction.objects.create(vendor=records, kind=SanctionKind.WARNING, reason="지연", actor=operator)
    vendor_performance_refresh(now=NOW)
    assert set(ExitSuggestion.objects.values_list("suggested_kind", flat=True)) == {SanctionKind.SUSPENSION}


def test_too_few_records_suggest_nothing(records):
    # The default needs 5 shipments behind a rate; 4 is not enough to judge.
    vendor_performance_refresh(now=NOW)
    assert not ExitSuggestion.objects.filter(metric="on_time_rate").exists()


def test_a_missed_night_is_made_up_by_the_next_run_and_a_second_run_changes_nothing(records, other_vendor):
    vendor_performance_refresh(now=ago(days=3))
    stale = VendorPerformance.objects.get(vendor=records)
    assert stale.as_of == timezone.localdate(ago(days=3)) and stale.paid_orders == 6  # the 1-hour-old order not yet
    # Two nights missed; today's run brings every row to today.
    vendor_performance_refresh_task.apply()
    rows = list(VendorPerformance.objects.order_by("pk").values())
    assert {r["as_of"] for r in rows} == {timezone.localdate()}
    assert VendorPerformance.objects.get(vendor=records).paid_orders == 7
    vendor_performance_refresh_task.apply()
    again = list(VendorPerformance.objects.order_by("pk").values())
    assert [{k: v for k, v in r.items() if k != "computed_at"} for r in again] == \
        [{k: v for k, v in r.items() if k != "computed_at"} for r in rows]


def test_vendors_not_in_the_shop_get_no_row(db):
    draft = VendorFactory(status=VendorStatus.DRAFT)
    terminated = VendorFactory(status=VendorStatus.TERMINATED)
    vendor_performance_refresh(now=NOW)
    assert not VendorPerformance.objects.filter(vendor=draft).exists()
    assert VendorPerformance.objects.filter(vendor=terminated).exists()
