"""After-sales claims: the one state machine of per-line cancels, returns and exchanges.

A claim covers whole lines of one vendor order. Its lines are taken with a conditional update of
`OrderLine.open_claim` (NULL → the claim), so two claims on one line never both start; the lines
are freed when the claim closes (completed, rejected, withdrawn). Every status change goes through
`claim_transition` (table, timestamp, ClaimEvent row), inside the caller's transaction.

    cancel    requested → completed                       (before shipping: at once)
    return    requested → accepted → collected → completed (refunded)     | rejected | withdrawn
    exchange  requested → accepted → collected → reshipped → completed    | rejected | withdrawn

Cancels and returns live in orders.services.returns, exchanges in orders.services.exchanges.
"""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum import jobs
from ddasum.transitions import StateMachine

from ..exceptions import InvalidTransition, NotAllowed, OrderError
from ..models import Claim, ClaimEvent, ClaimKind, ClaimLine, ClaimStatus, OrderLine, OrderLineState, VendorOrder
from ..selectors.access import buyer_may, vendor_member_may
from .actions import tracking_clean

C = ClaimStatus


CLAIM_TRANSITIONS = {
    C.REQUESTED: frozenset({C.ACCEPTED, C.COMPLETED, C.REJECTED, C.WITHDRAWN}),
    C.ACCEPTED: frozenset({C.COLLECTED, C.REJECTED}),
    C.COLLECTED: frozenset({C.COMPLETED, C.RESHIPPED}),
    C.RESHIPPED: frozenset({C.COMPLETED}),
    C.COMPLETED: frozenset(),
    C.REJECTED: frozenset(),
    C.WITHDRAWN: frozenset(),
}


# Which steps each kind takes (the table above is their union).
KIND_STEPS = {
    ClaimKind.CANCEL: frozenset({C.COMPLETED, C.REJECTED, C.WITHDRAWN}),
    ClaimKind.RETURN: frozenset({C.ACCEPTED, C.COLLECTED, C.COMPLETED, C.REJECTED, C.WITHDRAWN}),
    ClaimKind.EXCHANGE: frozenset({C.ACCEPTED, C.COLLECTED, C.RESHIPPED, C.COMPLETED, C.REJECTED, C.WITHDRAWN}),
}


CLOSING = frozenset({C.COMPLETED, C.REJECTED, C.WITHDRAWN})


CLAIM_MACHINE = StateMachine(
    transitions=CLAIM_TRANSITIONS, choices=ClaimStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태의 요청은 '%(to)s'(으)로 바꿀 수 없습니다."),
    stamps={C.ACCEPTED: "accepted_at", C.COLLECTED: "collected_at", C.RESHIPPED: "reshipped_at",
            C.COMPLETED: "completed_at"},
    event_model=ClaimEvent, event_fk="claim",
)


def claim_transition(claim: Claim, to: str, *, actor=None, reason: str = "") -> ClaimEvent:
    """The one place a claim's status changes. The caller holds the claim's row lock.

    Closing a claim frees its lines for another claim; a completed cancel or return also marks
    its lines cancelled or returned (their money is the claim's refund).
    """
    if to not in KIND_STEPS[claim.kind]:
        raise InvalidTransition(_("%(kind)s 요청은 '%(to)s' 단계가 없습니다.")
                                % {"kind": claim.get_kind_display(), "to": ClaimStatus(to).label})
    event = CLAIM_MACHINE.move(claim, to, actor=actor if actor is not None and actor.is_authenticated else None,
                               reason=reason)
    if to in CLOSING:
        claim.closed_at = timezone.now()
        claim.save(update_fields=["closed_at"])
        lines = OrderLine.objects.filter(claim_lines__claim=claim)
        if to == C.COMPLETED and claim.kind in (ClaimKind.CANCEL, ClaimKind.RETURN):
            state = OrderLineState.CANCELLED if claim.kind == ClaimKind.CANCEL else OrderLineState.RETURNED
            lines.update(state=state, open_claim=None)
        else:
            lines.filter(open_claim=claim).update(open_claim=None)
    return event


def claim_lines_take(claim: Claim, line_ids) -> list[ClaimLine]:
    """Point the given lines of the claim's vendor order at the claim and add them to it as ClaimLines
    (whole lines, at what was paid for them: line total less its coupon share), or refuse if any
    line is in another open claim or gone. Runs inside the claim's transaction: a refusal rolls the
    new claim back with it.
    """
    ids = sorted({int(pk) for pk in line_ids})
    if not ids:
        raise OrderError(_("상품을 하나 이상 골라 주세요."))
    taken = (OrderLine.objects.filter(pk__in=ids, vendor_order_id=claim.vendor_order_id,
                                      state=OrderLineState.ORDERED, open_claim__isnull=True)
             .update(open_claim=claim))
    if taken != len(ids):
        raise OrderError(_("이미 취소·반품·교환이 진행 중이거나 처리된 상품이 있습니다. 화면을 새로 고쳐 주세요."))
    return ClaimLine.objects.bulk_create([
        ClaimLine(claim=claim, line=line, quantity=line.quantity, amount=line.line_total - line.discount)
        for line in OrderLine.objects.filter(pk__in=ids).order_by("pk")
    ])


def claim_number_next(vendor_order: VendorOrder) -> str:
    """`<vendor order number>-C<n>`: numbered per vendor order (the caller holds its row lock)."""
    return f"{vendor_order.number}-C{Claim.objects.filter(vendor_order=vendor_order).count() + 1}"


# --- the steps every return and exchange shares ------------------------------------------------

REASON_MAX_CHARS = 1000


def _claim_locked(claim_id: int) -> Claim:
    # Only the claim's row is locked, not the order and vendor order joined to it.
    return (Claim.objects.select_for_update(of=("self",)).select_related("order", "vendor_order")
            .get(pk=claim_id))


def claim_vendor_check(actor, claim: Claim) -> None:
    """A member of the claim's vendor, or an operator; anyone else is refused (pages answer 404)."""
    if not vendor_member_may(actor, claim.vendor_order):
        raise NotAllowed(_("이 요청을 처리할 권한이 없습니다."))


def claim_buyer_check(actor, claim: Claim, *, guest_ok: bool = False) -> None:
    """The buyer (or a guest whose page already proved the order is theirs), or an operator."""
    if guest_ok and claim.order.buyer_id is None:
        return
    if not buyer_may(actor, claim.order):
        raise NotAllowed(_("이 요청을 처리할 권한이 없습니다."))


def claim_event_queue(event: ClaimEvent) -> None:
    """Tell the buyer or the vendor of the step, once, after the commit."""
    jobs.after_commit("orders.claim_event_notify_task", event_id=event.pk)


@transaction.atomic
def claim_accept(claim_id: int, actor, pickup_carrier: str = "", pickup_tracking_number: str = "") -> Claim:
    """The vendor (or an operator) accepts a return or exchange, with the pick-up's tracking if known."""
    carrier = number = ""
    if pickup_carrier or pickup_tracking_number:
        carrier, number = tracking_clean(pickup_carrier, pickup_tracking_number)
    claim = _claim_locked(claim_id)
    claim_vendor_check(actor, claim)
    fields = []
    if carrier:
        claim.pickup_carrier, claim.pickup_tracking_number = carrier, number
        fields = ["pickup_carrier", "pickup_tracking_number"]
    event = claim_transition(claim, ClaimStatus.ACCEPTED, actor=actor)
    if fields:
        claim.save(update_fields=fields)
    claim_event_queue(event)
    return claim


@transaction.atomic
def claim_collect(claim_id: int, actor) -> Claim:
    """The vendor has the goods back (회수 완료)."""
    claim = _claim_locked(claim_id)
    claim_vendor_check(actor, claim)
    claim_event_queue(claim_transition(claim, ClaimStatus.COLLECTED, actor=actor))
    return claim


@transaction.atomic
def claim_reject(claim_id: int, actor, reason: str) -> Claim:
    """The vendor refuses a return or exchange with a reason the buyer reads; its lines are free again."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("거절하는 사유를 적어 주세요."))
    claim = _claim_locked(claim_id)
    claim_vendor_check(actor, claim)
    claim_event_queue(claim_transition(claim, ClaimStatus.REJECTED, actor=actor, reason=reason[:REASON_MAX_CHARS]))
    return claim


@transaction.atomic
def claim_withdraw(claim_id: int, actor, guest_ok: bool = False) -> Claim:
    """The buyer takes back a request the vendor has not answered yet."""
    claim = _claim_locked(claim_id)
    claim_buyer_check(actor, claim, guest_ok=guest_ok)
    if claim.status != ClaimStatus.REQUESTED:
        raise InvalidTransition(_("판매기업이 이미 처리한 요청은 철회할 수 없습니다."))
    claim_event_queue(claim_transition(claim, ClaimStatus.WITHDRAWN, actor=actor, reason=_("구매자 철회")))
    return claim
