"""`{% exchange_steps claim %}`: the vendor's exchange steps on the Claim admin's change form (links, no form,
so the partial may sit inside the change form's own <form>)."""
from django import template
from django.urls import reverse

from ..admin.exchanges import STEP_LABELS
from ..models import ClaimKind, ClaimStatus, ExchangeFeeStatus
from ..selectors.exchanges import exchange_steps as steps_of

register = template.Library()


def exchange_steps_available(claim) -> list[str]:
    """The exchange-only steps open now: settle a due fee (before shipping), ship the replacement, complete."""
    names = []
    if claim.fee_status == ExchangeFeeStatus.DUE and claim.status in (
            ClaimStatus.REQUESTED, ClaimStatus.ACCEPTED, ClaimStatus.COLLECTED):
        names += ["fee_received", "fee_waived"]
    if claim.status == ClaimStatus.COLLECTED:
        names.append("reship")
    if claim.status == ClaimStatus.RESHIPPED:
        names.append("complete")
    return names


@register.inclusion_tag("admin/orders/claim/_exchange_steps_body.html")
def exchange_steps(claim):
    if claim is None or claim.kind != ClaimKind.EXCHANGE:
        return {"claim": None}
    return {
        "claim": claim,
        "steps": steps_of(claim),
        "lines": list(claim.lines.select_related("line")),
        "actions": [(reverse("partner_exchanges:step", args=[claim.pk, name]), STEP_LABELS[name], name)
                    for name in exchange_steps_available(claim)],
        "fee_due": claim.fee_status == ExchangeFeeStatus.DUE,
    }
