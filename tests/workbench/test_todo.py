"""The partner dashboard's to-do: counts from every app, in a fixed number of queries, scoped to the vendor."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Claim, ClaimKind, ClaimReason, ClaimStatus, Settlement, SettlementStatus, VendorOrderStatus
from procurement.models import QuoteRequest, VendorQuote
from reviews.services import question_create
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory
from tests.orders.helpers import paid_vendor_order, put
from tests.otp import otp_login
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory
from vendors.models import EnterpriseType
from workbench.selectors import todo_counts, todo_counts_by_vendor, todo_rows

pytestmark = pytest.mark.django_db

V = VendorOrderStatus
_SEQ = [0]


def todo_world(vendor, *, scale=1):
    """`scale` of everything a vendor may have to do: orders in each state, a question, a quote request,
    a low-stock option, a certification about to end and a statement to read."""
    today = timezone.localdate()
    variant = ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 500}]).variants.get()
    agency = AgencyFactory()
    agency_buyer = AgencyMembershipFactory(agency=agency).user
    made = {}
    for i in range(scale):
        _SEQ[0] += 1
        n = _SEQ[0]
        made.setdefault("confirm", []).append(
            put(paid_vendor_order(variant), V.PAID, paid_at=timezone.now() - timedelta(days=1 + i)))
        made.setdefault("ship", []).append(put(paid_vendor_order(variant), V.PREPARING))
        made.setdefault("overdue", []).append(put(paid_vendor_order(variant), V.PAID,
                                                  paid_at=timezone.now() - timedelta(days=20),
                                                  ship_by=today - timedelta(days=14 + i)))
        put(paid_vendor_order(variant), V.RETURN_REQUESTED)
        claimed = put(paid_vendor_order(variant), V.DELIVERED)
        made.setdefault("claims", []).append(claimed)
        for kind, status in ((ClaimKind.EXCHANGE, ClaimStatus.REQUESTED), (ClaimKind.RETURN, ClaimStatus.ACCEPTED),
                             (ClaimKind.RETURN, ClaimStatus.COMPLETED)):  # waiting, then the buyer's turn, then done
            Claim.objects.create(number=f"CL-{n:05d}-{kind}-{status}", order=claimed.order, vendor_order=claimed,
                                 kind=kind, status=status, reason=ClaimReason.OPTION_CHANGE)
        put(paid_vendor_order(variant), V.SHIPPED)  # nothing to do
        question_create(user=UserFactory(), product_id=variant.product_id, content=f"언제 보내 주시나요? {n}",
                        is_secret=False)
        request = QuoteRequest.objects.create(
            number=f"RQ-20261201-{n:05d}", agency=agency, created_by=agency_buyer, title="행사용 떡 견적",
            delivery_place="홍성군청", reply_by=today + timedelta(days=3 + i))
        VendorQuote.objects.create(request=request, vendor=vendor, number=f"QT-20261201-{n:05d}")
        ProductFactory(vendor=vendor, variants=[{"name": "1kg", "price": 9000, "stock": 2}])
        start = date(2020, 1, 1) + timedelta(days=40 * n)
        Settlement.objects.create(vendor=vendor, number=f"ST-{n:06d}", period_start=start,
                                  period_end=start + timedelta(days=27), status=SettlementStatus.CONFIRMED)
    vendor.enterprise_type = EnterpriseType.SOCIAL
    vendor.cert_valid_until = today + timedelta(days=10)
    vendor.save(update_fields=["enterprise_type", "cert_valid_until"])
    return made


def test_counts_what_waits_and_nothing_else(vendor, other_vendor):
    made = todo_world(vendor)
    todo_world(other_vendor)
    counts = todo_counts(vendor_ids=[vendor.pk])
    assert (counts.to_confirm, counts.to_ship, counts.overdue, counts.returns, counts.claims) == (2, 1, 1, 1, 1)
    assert (counts.questions, counts.quotes, counts.low_stock, counts.cert_expiring, counts.settlements) == (1, 1, 1, 1, 1)
    assert counts.overdue_since == made["overdue"][0].ship_by
    assert counts.quotes_reply_by == timezone.localdate() + timedelta(days=3)
    # The oldest first: the overdue one was paid 20 days ago.
    assert [vo.pk for vo in counts.oldest_orders][0] == made["overdue"][0].pk
    assert {vo.vendor_id for vo in counts.oldest_orders} == {vendor.pk}
    keys = [row.key for row in todo_rows(counts)]
    assert keys == ["to_confirm", "to_ship", "overdue", "returns", "claims", "questions", "quotes", "low_stock",
                    "certification", "settlement"]


def test_by_vendor_matches_each_vendor_alone(vendor, other_vendor):
    todo_world(vendor)
    todo_world(other_vendor, scale=2)
    both = todo_counts_by_vendor(vendor_ids=[vendor.pk, other_vendor.pk])
    for v in (vendor, other_vendor):
        alone = todo_counts(vendor_ids=[v.pk])
        alone.oldest_orders = []
        assert both[v.pk] == alone


def test_the_counts_take_eight_queries_whatever_their_size(vendor, django_assert_num_queries):
    todo_world(vendor)
    with django_assert_num_queries(8):
        small = todo_counts(vendor_ids=[vendor.pk])
    todo_world(vendor, scale=4)
    with django_assert_num_queries(8):
        large = todo_counts(vendor_ids=[vendor.pk])
    with django_assert_num_queries(7):
        todo_counts_by_vendor(vendor_ids=None)
    assert large.to_confirm > small.to_confirm and large.quotes == 5


def test_the_dashboard_starts_with_the_counts_and_links(client, vendor, owner, other_vendor):
    todo_world(vendor)
    todo_world(other_vendor, scale=3)
    client.force_login(owner)
    page = client.get(reverse("partner:index")).content.decode()
    start = page.index('id="partner-todo"')
    assert start < page.index('id="my-vendors"')
    block = page[start:page.index("</section>", start)]
    assert "발주 확인할 주문 <strong class=\"todo-count\">2</strong>" in block.replace("</span>", "")
    assert "?todo=overdue" in block and "?stock_state=low" in block and "?status=requested" in block
    assert other_vendor.name not in block


def test_the_dashboard_query_count_does_not_grow(client, vendor, owner):
    todo_world(vendor)
    client.force_login(owner)
    client.get(reverse("partner:index"))  # the session and caches warmed
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("partner:index")).status_code == 200
    todo_world(vendor, scale=5)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("partner:index")).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


def test_links_lead_to_lists_that_show_the_same_rows(client, vendor, owner):
    made = todo_world(vendor, scale=2)
    client.force_login(owner)
    response = client.get(reverse("partner:orders_vendororder_changelist") + "?todo=confirm")
    # Every paid order waits for its confirmation (the overdue ones too), the longest-waiting first.
    assert [vo.pk for vo in response.context["cl"].result_list] == [
        made["overdue"][0].pk, made["overdue"][1].pk, made["confirm"][1].pk, made["confirm"][0].pk]
    response = client.get(reverse("partner:orders_vendororder_changelist") + "?todo=claims")
    assert [vo.pk for vo in response.context["cl"].result_list] == [vo.pk for vo in made["claims"]]
    for row in todo_rows(todo_counts(vendor_ids=[vendor.pk])):
        assert client.get(row.url).status_code == 200, row


def test_an_operator_sees_every_vendor_and_a_member_of_two_sees_both(client, vendor, other_vendor, operator):
    todo_world(vendor)
    todo_world(other_vendor)
    otp_login(client, operator)
    block = client.get(reverse("partner:index")).content.decode()
    assert "발주 확인할 주문 <strong class=\"todo-count\">4</strong>" in block.replace("</span>", "")
    member = MembershipFactory(vendor=vendor).user
    MembershipFactory(vendor=other_vendor, user=member)
    client.force_login(member)
    assert todo_counts(vendor_ids=[vendor.pk, other_vendor.pk]).to_confirm == 4


def test_an_empty_vendor_is_told_there_is_nothing_to_do(client):
    vendor = VendorFactory()
    client.force_login(MembershipFactory(vendor=vendor).user)
    assert "지금 처리할 일이 없습니다." in client.get(reverse("partner:index")).content.decode()
