"""Reads about vendors that several views (and later apps) share."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ddasum.documents import data_uri

from .models import (
    PARTNER_READ_STATUSES,
    PARTNER_STATUSES,
    DocumentKind,
    MembershipRole,
    ReaderRole,
    Vendor,
    VendorDocument,
    VendorMembership,
)


@dataclass(frozen=True)
class DocumentGrant:
    """Why someone may read a private vendor document: their role, for which agency or vendor, through what.

    What the read log records (vendors.models.DocumentRead).
    """

    role: str
    context: str = ""
    reference: str = ""


# Extra rules by which someone other than the vendor's members and the operators may read a
# vendor's private documents: `rule(user, document) -> DocumentGrant | None`. procurement
# registers "the vendor submitted a quote to (or delivered to) the agency, and it is in the bundle".
_document_access_rules: list[Callable] = []


def document_access_rule_register(rule: Callable) -> Callable:
    """Add `rule(user, document) -> DocumentGrant | None`; later apps call this from their AppConfig.ready()."""
    if rule not in _document_access_rules:
        _document_access_rules.append(rule)
    return rule


def vendor_ids_for_user(user, *, statuses=None, roles=None) -> frozenset:
    if not (user and user.is_authenticated):
        return frozenset()
    qs = VendorMembership.objects.filter(user=user)
    if statuses is not None:
        qs = qs.filter(vendor__status__in=statuses)
    if roles is not None:
        qs = qs.filter(role__in=roles)
    return frozenset(qs.values_list("vendor_id", flat=True))


def partner_vendor_ids(user) -> frozenset:
    """Vendors whose partner admin the user may enter (approved or suspended)."""
    return vendor_ids_for_user(user, statuses=PARTNER_STATUSES)


def partner_vendor_roles(user) -> dict[int, tuple[str, str]]:
    """{vendor id: (role, vendor status)} of the vendors whose partner admin the user may read, in one query."""
    if not (user and user.is_authenticated):
        return {}
    rows = (VendorMembership.objects.filter(user=user, vendor__status__in=PARTNER_READ_STATUSES)
            .values_list("vendor_id", "role", "vendor__status"))
    return {vendor_id: (role, status) for vendor_id, role, status in rows}


def user_is_vendor_member(user, vendor_id, *, owner_only=False) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    qs = VendorMembership.objects.filter(user=user, vendor_id=vendor_id)
    if owner_only:
        qs = qs.filter(role=MembershipRole.OWNER)
    return qs.exists()


def document_read_grant(user, document: VendorDocument) -> DocumentGrant | None:
    """The one rule for reading a private vendor document: why `user` may, or None."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if user.is_staff:
        return DocumentGrant(role=ReaderRole.OPERATOR, context=_("운영자"))
    if user_is_vendor_member(user, document.vendor_id):
        return DocumentGrant(role=ReaderRole.VENDOR, context=document.vendor.name)
    for rule in _document_access_rules:
        grant = rule(user, document)
        if grant:
            return grant
    return None


def document_can_view(user, document: VendorDocument) -> bool:
    return document_read_grant(user, document) is not None


# --- what is passed on: confirmed documents only -----------------------------------------------


def vendor_documents_shareable(vendor_id: int, kinds: Iterable[str]) -> dict[str, VendorDocument]:
    """{kind: the vendor's shareable document of that kind}: the latest the operator confirmed.

    The one choice of "the current document of a kind" for everything handed to someone other
    than the vendor (bundles, agencies' reads, the seal on documents): a renewal's certificate
    counts only once the operator confirmed it, so a pending one never replaces the confirmed one.
    """
    return {d.kind: d for d in VendorDocument.objects.shareable().filter(vendor_id=vendor_id, kind__in=list(kinds))
            .select_related("vendor")}


def vendor_document_shareable(vendor_id: int, kind: str) -> VendorDocument | None:
    return vendor_documents_shareable(vendor_id, [kind]).get(kind)


def vendor_applications_for_user(user):
    return (
        Vendor.objects.filter(memberships__user=user)
        .order_by("-updated_at")
        .distinct()
    )


# --- the vendor on documents (statements, quotes, purchase orders) ---------------------------


def vendor_seal(vendor_id: int) -> VendorDocument | None:
    """The vendor's seal (도장) image printed on its documents, if it uploaded one."""
    return vendor_document_shareable(vendor_id, DocumentKind.SEAL)


def vendor_seal_data_uri(vendor_id: int) -> str:
    """The vendor's seal as a data: URI for a PDF; "" when it has none or it cannot be read."""
    seal = vendor_seal(vendor_id)
    if seal is None or not seal.is_image:
        return ""
    return data_uri(seal.file, content_type=seal.content_type)


def vendor_supplier_facts(vendor: Vendor) -> dict:
    """The 공급자 block of a document, as plain data: registration details and the seal (by id and hash).

    Documents that show more (a quote's account to pay into) add their keys to it.
    """
    seal = vendor_seal(vendor.pk)
    return {
        "id": vendor.pk, "name": vendor.name, "business_number": vendor.business_number,
        "representative": vendor.representative, "address": vendor.full_address,
        "business_type": vendor.business_type, "business_item": vendor.business_item, "phone": vendor.phone,
        "seal": {"id": seal.pk, "sha256": seal.sha256} if seal else None,
    }
