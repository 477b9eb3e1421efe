"""The steps every return and exchange shares: accept (with the pick-up's tracking), collect, reject, withdraw.

Each locks the claim, moves it through claim_transition (an event row) and tells the other side once.
"""
import pytest

from notifications.models import Message
from orders.exceptions import InvalidTransition, NotAllowed, OrderError
from orders.models import Claim, ClaimEvent, ClaimKind, ClaimReason, ClaimStatus, VendorOrderStatus
from orders.services.claims import (
    claim_accept,
    claim_collect,
    claim_event_queue,
    claim_lines_take,
    claim_number_next,
    claim_reject,
    claim_withdraw,
)
from orders.tasks import claim_event_notify_task
from tests.factories import UserFactory

from .helpers import paid_vendor_order, put

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(variant, buyer):
    return put(paid_vendor_order(variant, buyer), VendorOrderStatus.DELIVERED)


def _request(vendor_order, kind=ClaimKind.RETURN, reason=ClaimReason.CHANGE_OF_MIND):
    claim = Claim.objects.create(number=claim_number_next(vendor_order), order=vendor_order.order,
                                 vendor_order=vendor_order, kind=kind, reason=reason)
    claim_lines_take(claim, vendor_order.lines.values_list("pk", flat=True))
    return claim


def test_the_vendor_accepts_with_the_pickup_tracking_then_collects(delivered, owner, buyer,
                                                                   django_capture_on_commit_callbacks):
    claim = _request(delivered)
    with django_capture_on_commit_callbacks(execute=True):
        claim_accept(claim.pk, owner, pickup_carrier="cj", pickup_tracking_number="1234-5678-9012")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED and claim.accepted_at
    assert (claim.pickup_carrier, claim.pickup_tracking_number) == ("cj", "123456789012")
    told = Message.objects.get(user=buyer)
    assert told.kind == "return_approved" and "123456789012" in told.body

    with django_capture_on_commit_callbacks(execute=True):
        claim_collect(claim.pk, owner)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COLLECTED and claim.collected_at
    assert [e.to_status for e in claim.events.all()] == ["accepted", "collected"]
    assert claim.events.get(to_status="accepted").actor == owner


def test_accept_checks_the_tracking_number_and_tracking_is_optional(delivered, owner):
    claim = _request(delivered)
    with pytest.raises(OrderError):
        claim_accept(claim.pk, owner, pickup_carrier="cj", pickup_tracking_number="12")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REQUESTED
    claim_accept(claim.pk, owner)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED and claim.pickup_tracking_number == ""


def test_reject_needs_a_reason_and_frees_the_lines(delivered, owner, buyer, django_capture_on_commit_callbacks):
    claim = _request(delivered)
    with pytest.raises(OrderError):
        claim_reject(claim.pk, owner, "  ")
    with django_capture_on_commit_callbacks(execute=True):
        claim_reject(claim.pk, owner, "포장을 뜯어 다시 팔 수 없습니다")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.closed_at
    assert claim.events.get().reason == "포장을 뜯어 다시 팔 수 없습니다"
    assert not delivered.lines.filter(open_claim__isnull=False).exists()
    told = Message.objects.get(user=buyer)
    assert told.kind == "return_rejected" and "포장을 뜯어" in told.body


def test_the_buyer_withdraws_only_while_requested(delivered, owner, buyer, django_capture_on_commit_callbacks):
    claim = _request(delivered)
    with django_capture_on_commit_callbacks(execute=True):
        claim_withdraw(claim.pk, buyer)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN
    assert Message.objects.filter(user=owner, kind="vendor_notice").count() == 1
    again = _request(delivered)  # the lines are free for a new request
    claim_accept(again.pk, owner)
    with pytest.raises(InvalidTransition):
        claim_withdraw(again.pk, buyer)


def test_others_may_not_take_the_steps(delivered, other_owner, buyer, owner):
    claim = _request(delivered)
    stranger = UserFactory()
    for step in (lambda a: claim_accept(claim.pk, a), lambda a: claim_collect(claim.pk, a),
                 lambda a: claim_reject(claim.pk, a, "no")):
        for actor in (other_owner, buyer, stranger):
            with pytest.raises(NotAllowed):
                step(actor)
    for actor in (other_owner, owner, stranger):
        with pytest.raises(NotAllowed):
            claim_withdraw(claim.pk, actor)
    with pytest.raises(NotAllowed):
        claim_withdraw(claim.pk, None, guest_ok=True)  # a member's order is not a guest's
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REQUESTED and not claim.events.exists()


def test_an_operator_may_accept(delivered, operator):
    claim = _request(delivered)
    claim_accept(claim.pk, operator)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.ACCEPTED


def test_the_notice_task_is_sent_once(delivered, owner, buyer, django_capture_on_commit_callbacks):
    claim = _request(delivered)
    claim_accept(claim.pk, owner)
    event = claim.events.get()
    assert claim_event_notify_task(event_id=event.pk) == 1
    assert claim_event_notify_task(event_id=event.pk) == 0
    assert Message.objects.filter(user=buyer).count() == 1


def test_an_exchange_request_tells_the_vendor(delivered, owner, django_capture_on_commit_callbacks):
    # The request itself is the exchange service's; its event row is queued the same way.
    claim = _request(delivered, kind=ClaimKind.EXCHANGE, reason=ClaimReason.OPTION_CHANGE)
    event = ClaimEvent.objects.create(claim=claim, to_status=ClaimStatus.REQUESTED)
    with django_capture_on_commit_callbacks(execute=True):
        claim_event_queue(event)
    told = Message.objects.get(user=owner)
    assert told.kind == "vendor_exchange_requested" and "옵션" in told.body
