"""What the order page shows of exchanges: each vendor order's exchanges with their steps and links."""
from django.db.models import Prefetch

from ..models import Claim, ClaimKind, ClaimLine, ClaimStatus, ExchangeFeePayment, carrier_tracking_url

EXCHANGE_STEPS = (ClaimStatus.REQUESTED, ClaimStatus.ACCEPTED, ClaimStatus.COLLECTED, ClaimStatus.RESHIPPED,
                  ClaimStatus.COMPLETED)


def exchange_steps(claim: Claim) -> list[dict]:
    """The five steps of an exchange, those done and the current one marked ([] once rejected or withdrawn)."""
    if claim.status not in EXCHANGE_STEPS:
        return []
    at = EXCHANGE_STEPS.index(claim.status)
    return [{"label": step.label, "done": i <= at, "current": i == at} for i, step in enumerate(EXCHANGE_STEPS)]


def exchanges_attach(vendor_orders, *, account_of=None) -> None:
    """Give each vendor order `exchange_claims` (newest first) with steps and tracking links; one query.

    `account_of(vendor)` gives the vendor's account for a fee sent by transfer (services.exchanges.vendor_account).
    """
    by_vendor_order = {vo.pk: vo for vo in vendor_orders}
    for vo in vendor_orders:
        vo.exchange_claims = []
    claims = (Claim.objects.filter(vendor_order_id__in=list(by_vendor_order), kind=ClaimKind.EXCHANGE)
              .prefetch_related(Prefetch("lines", queryset=ClaimLine.objects.select_related("line")))
              .order_by("-created_at", "-pk"))
    for claim in claims:
        vendor_order = by_vendor_order[claim.vendor_order_id]
        claim.steps = exchange_steps(claim)
        claim.pickup_url = carrier_tracking_url(claim.pickup_carrier, claim.pickup_tracking_number)
        claim.reship_url = carrier_tracking_url(claim.reship_carrier, claim.reship_tracking_number)
        claim.vendor_account = (account_of(vendor_order.vendor) if account_of and claim.fee_payment ==
                                ExchangeFeePayment.TRANSFER else {})
        vendor_order.exchange_claims.append(claim)
