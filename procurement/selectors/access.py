"""Who may see what: agency memberships, and the rules for quotes, requests and purchase orders.

Shared by the services, the views, the API and (through the rule registered in apps.py) vendors.
"""
from django.db.models import Q
from django.utils.translation import gettext as _

from vendors.models import DocumentKind, ReaderRole
from vendors.selectors import DocumentGrant, user_is_vendor_member, vendor_document_shareable

from ..models import (
    AgencyMembership,
    AgencyStatus,
    MembershipStatus,
    POStatus,
    PublicAgency,
    PurchaseOrder,
    QuoteStatus,
    VendorQuote,
)

# The vendor documents of a quote's bundle, in order: all an agency may ever read of a vendor.
BUNDLE_DOCUMENT_KINDS = (DocumentKind.BUSINESS_REGISTRATION, DocumentKind.ENTERPRISE_PROOF, DocumentKind.BANK_BOOK)
AGENCY_READABLE_DOCUMENTS = frozenset(BUNDLE_DOCUMENT_KINDS)
# A purchase order in these states was delivered to the agency.
DELIVERED_STATUSES = frozenset({POStatus.DELIVERED, POStatus.INSPECTED})


def quote_shares_documents_q() -> Q:
    """Quotes through which the vendor shares its documents with the requesting agency.

    The vendor submitted it (it has a version) and stands by it: answered, accepted, or not
    selected after an answer. A request alone, a declined quote (even one answered before) and a
    cancelled request share nothing.
    """
    return Q(current_version__isnull=False) & (
        Q(status__in=(QuoteStatus.ANSWERED, QuoteStatus.ACCEPTED))
        | Q(status=QuoteStatus.NOT_SELECTED, events__to_status=QuoteStatus.NOT_SELECTED,
            events__from_status=QuoteStatus.ANSWERED)
    )


def quote_shares_documents(quote: VendorQuote) -> bool:
    """Whether the quote's bundle may hold the vendor's documents (no query unless it was not selected)."""
    if quote.current_version_id is None:
        return False
    if quote.status in (QuoteStatus.ANSWERED, QuoteStatus.ACCEPTED):
        return True
    if quote.status != QuoteStatus.NOT_SELECTED:
        return False
    return VendorQuote.objects.filter(quote_shares_documents_q(), pk=quote.pk).exists()


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


def agency_document_grant(user, document) -> DocumentGrant | None:
    """Rule registered with vendors: a member of agency A may read vendor V's document D when

    - V submitted a quote to A (quote_shares_documents_q) or delivered a purchase order to A, and
    - D is one of the documents a bundle holds: a bundle kind, and V's shareable (confirmed,
      current) document of that kind; an earlier or a pending one is not shared.
    """
    if document.kind not in AGENCY_READABLE_DOCUMENTS:
        return None
    agencies = {m.agency_id: m.agency for m in active_memberships(user)}
    if not agencies:
        return None
    through = (VendorQuote.objects.filter(quote_shares_documents_q(), vendor_id=document.vendor_id,
                                          request__agency_id__in=agencies)
               .order_by("-created_at", "-id").values_list("request__agency_id", "number").first())
    if through is None:
        through = (PurchaseOrder.objects.filter(vendor_id=document.vendor_id, agency_id__in=agencies,
                                                status__in=DELIVERED_STATUSES)
                   .order_by("-issued_at", "-id").values_list("agency_id", "number").first())
    if through is None:
        return None
    shareable = vendor_document_shareable(document.vendor_id, document.kind)
    if shareable is None or shareable.pk != document.pk:
        return None
    agency_id, number = through
    return DocumentGrant(role=ReaderRole.AGENCY, context=agencies[agency_id].name, reference=number)


def quote_reader_grant(user, quote: VendorQuote) -> DocumentGrant:
    """For the read log: as what `user` (who may view the quote) reads the documents of its bundle."""
    if user.is_staff:
        return DocumentGrant(role=ReaderRole.OPERATOR, context=_("운영자"), reference=quote.number)
    if user_is_agency_member(user, quote.request.agency_id):
        return DocumentGrant(role=ReaderRole.AGENCY, context=quote.request.agency.name, reference=quote.number)
    return DocumentGrant(role=ReaderRole.VENDOR, context=quote.vendor.name, reference=quote.number)


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
