"""Reads about vendors that several views (and later apps) share."""
from collections.abc import Callable

from ddasum.documents import data_uri

from .models import PARTNER_STATUSES, DocumentKind, MembershipRole, Vendor, VendorDocument, VendorMembership

# Extra rules by which someone other than the vendor's members and the operators may read a
# vendor's private documents. procurement registers "the agency holds a quote from it".
_document_access_rules: list[Callable] = []


def document_access_rule_register(rule: Callable) -> Callable:
    """Add `rule(user, document) -> bool`; later apps call this from their AppConfig.ready()."""
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


def user_is_vendor_member(user, vendor_id, *, owner_only=False) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    qs = VendorMembership.objects.filter(user=user, vendor_id=vendor_id)
    if owner_only:
        qs = qs.filter(role=MembershipRole.OWNER)
    return qs.exists()


def document_can_view(user, document: VendorDocument) -> bool:
    """The one rule for reading a private vendor document."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_staff:
        return True
    if user_is_vendor_member(user, document.vendor_id):
        return True
    return any(rule(user, document) for rule in _document_access_rules)


def vendor_applications_for_user(user):
    return (
        Vendor.objects.filter(memberships__user=user)
        .order_by("-updated_at")
        .distinct()
    )


# --- the vendor on documents (statements, quotes, purchase orders) ---------------------------


def vendor_seal(vendor_id: int) -> VendorDocument | None:
    """The vendor's latest seal (도장) image, if it uploaded one."""
    return (VendorDocument.objects.filter(vendor_id=vendor_id, kind=DocumentKind.SEAL)
            .order_by("-uploaded_at", "-id").first())


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
