"""Template helpers of the quote pages: what the visitor is to procurement (for the product page's basket box)."""
from django import template

from procurement.models import AgencyMembership, MembershipStatus
from procurement.selectors.access import active_memberships

register = template.Library()


@register.simple_tag(takes_context=True)
def quote_buyer_state(context) -> str:
    """"verified" (may ask for quotes), "pending" (waits for the check), "none" or "anonymous"; cached per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    cached = getattr(request, "_procurement_buyer_state", None)
    if cached is None:
        if active_memberships(user).exists():
            cached = "verified"
        elif AgencyMembership.objects.filter(user=user, status=MembershipStatus.PENDING).exists():
            cached = "pending"
        else:
            cached = "none"
        request._procurement_buyer_state = cached
    return cached
