"""What the order page shows of exchanges: each exchange's steps, tracking links and where its fee goes."""
from ..models import Claim, ClaimKind, ClaimStatus, ExchangeFeePayment, carrier_tracking_url

EXCHANGE_STEPS = (ClaimStatus.REQUESTED, ClaimStatus.ACCEPTED, ClaimStatus.COLLECTED, ClaimStatus.RESHIPPED,
                  ClaimStatus.COMPLETED)


def exchange_steps(claim: Claim) -> list[dict]:
    """The five steps of an exchange, those done and the current one marked ([] once rejected or withdrawn)."""
    if claim.status not in EXCHANGE_STEPS:
        return []
    at = EXCHANGE_STEPS.index(claim.status)
    return [{"label": step.label, "done": i <= at, "current": i == at} for i, step in enumerate(EXCHANGE_STEPS)]


def exchanges_attach(vendor_orders, *, account_of=None) -> None:
    """Give the exchanges among each vendor order's prefetched `claims` their steps, tracking links and,
    for a fee sent by transfer, the vendor's account (`account_of(vendor)`); no query of its own."""
    for vendor_order in vendor_orders:
        for claim in vendor_order.claims.all():
            if claim.kind != ClaimKind.EXCHANGE:
                continue
            claim.steps = exchange_steps(claim)
            claim.pickup_url = carrier_tracking_url(claim.pickup_carrier, claim.pickup_tracking_number)
            claim.reship_url = carrier_tracking_url(claim.reship_carrier, claim.reship_tracking_number)
            claim.vendor_account = (account_of(vendor_order.vendor) if account_of and claim.fee_payment ==
                                    ExchangeFeePayment.TRANSFER else {})
