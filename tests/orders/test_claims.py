"""The after-sales claim machine: one table, event rows, lines taken by one claim at a time."""
import pytest
from django.db import transaction

from orders.exceptions import InvalidTransition, OrderError
from orders.models import Claim, ClaimKind, ClaimReason, ClaimStatus, OrderLineState
from orders.services.claims import claim_lines_take, claim_number_next, claim_transition
from tests.factories import ProductFactory, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendor_order(vendor):
    product = ProductFactory(vendor=vendor, variants=[{"name": "1kg", "price": 10000, "stock": 50},
                                                      {"name": "2kg", "price": 18000, "stock": 50}])
    small, large = product.variants.order_by("price")
    order = place_order(items=[(small, 1), (large, 1)], paid=True)
    return order.vendor_orders.get()


def _claim(vendor_order, kind=ClaimKind.RETURN):
    return Claim.objects.create(number=claim_number_next(vendor_order), order=vendor_order.order,
                                vendor_order=vendor_order, kind=kind, reason=ClaimReason.CHANGE_OF_MIND)


def test_claims_are_numbered_per_vendor_order(vendor_order):
    first = _claim(vendor_order)
    assert first.number == f"{vendor_order.number}-C1"
    assert claim_number_next(vendor_order) == f"{vendor_order.number}-C2"


def test_a_line_is_in_one_open_claim_at_a_time(vendor_order):
    line = vendor_order.lines.first()
    first = _claim(vendor_order)
    claim_lines_take(first, [line.pk])
    second = _claim(vendor_order)
    with pytest.raises(OrderError), transaction.atomic():
        claim_lines_take(second, [line.pk])
    line.refresh_from_db()
    assert line.open_claim_id == first.pk


def test_closing_frees_the_lines_and_a_completed_return_marks_them_returned(vendor_order):
    one, two = vendor_order.lines.order_by("pk")
    rejected = _claim(vendor_order)
    claim_lines_take(rejected, [one.pk])
    claim_transition(rejected, ClaimStatus.REJECTED, reason="이미 사용한 상품")
    one.refresh_from_db()
    assert one.open_claim_id is None and one.state == OrderLineState.ORDERED

    returned = _claim(vendor_order)
    claim_lines_take(returned, [two.pk])
    for step in (ClaimStatus.ACCEPTED, ClaimStatus.COLLECTED, ClaimStatus.COMPLETED):
        claim_transition(returned, step)
    two.refresh_from_db()
    returned.refresh_from_db()
    assert two.state == OrderLineState.RETURNED and two.open_claim_id is None
    assert returned.accepted_at and returned.collected_at and returned.completed_at and returned.closed_at
    assert [e.to_status for e in returned.events.all()] == ["accepted", "collected", "completed"]


def test_each_kind_takes_only_its_steps(vendor_order):
    cancel = _claim(vendor_order, ClaimKind.CANCEL)
    with pytest.raises(InvalidTransition):
        claim_transition(cancel, ClaimStatus.ACCEPTED)
    ret = _claim(vendor_order)
    claim_transition(ret, ClaimStatus.ACCEPTED)
    claim_transition(ret, ClaimStatus.COLLECTED)
    with pytest.raises(InvalidTransition):
        claim_transition(ret, ClaimStatus.RESHIPPED)  # only exchanges ship a replacement
    with pytest.raises(InvalidTransition):
        claim_transition(ret, ClaimStatus.WITHDRAWN)  # too late: the goods are back
