"""Who may see what: agency memberships, and the rules for quotes, requests and purchase orders.

Shared by the services, the views, the API and (through the rule registered in apps.py) vendors.
"""
from vendors.models import DocumentKind
from vendors.selectors import user_is_vendor_member

from ..models import AgencyMembership, AgencyStatus, MembershipStatus, PublicAgency, QuoteStatus, VendorQuote

# What an agency may read of a vendor through a quote: the documents of the bundle.
AGENCY_READABLE_DOCUMENTS = frozenset({
    DocumentKind.BUSINESS_REGISTRATION, DocumentKind.ENTERPRISE_PROOF, DocumentKind.BANK_BOOK,
})


def active_memberships(user):
    """The user's verified memberships of verified agencies."""
    if not (user and user.is_authenticated and user.is_active):
        return AgencyMembership.objects.none()
    return AgencyMembership.objects.filter(
        user=user, status=MembershipStatus.ACTIVE, agency__status=AgencyStatus.VERIFIED
    ).select_related("agency")


def agency_list(*, user) -> list[PublicAgency]:
    """The verified agencies `user` is an active member of, by name (what the pages let them act for)."""
    return [m.agency for m in active_memberships(user).order_by("agency__name")]


def agency_ids_for_user(user) -> frozenset:
    return frozenset(active_memberships(user).values_list("agency_id", flat=True))


def agency_may_read_vendor_document(user, document) -> bool:
    """Rule registered with vendors: a member of an agency holding a quote from the vendor."""
    if document.kind not in AGENCY_READABLE_DOCUMENTS:
        return False
    agency_ids = agency_ids_for_user(user)
    if not agency_ids:
        return False
    return VendorQuote.objects.filter(
        vendor_id=document.vendor_id, request__agency_id__in=agency_ids
    ).exclude(status=QuoteStatus.CANCELLED).exists()


def user_is_agency_member(user, agency_id) -> bool:
    return agency_id in agency_ids_for_user(user)


def quote_may_view(user, quote: VendorQuote) -> bool:
    """Members of the requesting agency, the vendor's members and operators; nobody else."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_staff:
        return True
    return user_is_agency_member(user, quote.request.agency_id) or user_is_vendor_member(user, quote.vendor_id)


def request_may_view(user, request) -> bool:
    """A quote request (all its vendors' parts): the agency's members and operators."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_staff or user_is_agency_member(user, request.agency_id)


def purchase_order_may_view(user, purchase_order) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_staff:
        return True
    return (user_is_agency_member(user, purchase_order.agency_id)
            or user_is_vendor_member(user, purchase_order.vendor_id))
