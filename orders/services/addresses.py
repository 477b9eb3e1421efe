"""The signed-in buyer's address book (배송지 목록)."""
from django.db import transaction

from ..models import Address


@transaction.atomic
def address_save(*, user, recipient: str, phone: str, postal_code: str, address: str, address_detail: str = "",
                 label: str = "", make_default: bool = False) -> Address:
    """Add an address to the user's book, or reuse the identical one; the first one becomes the default.

    Reusing the identical entry keeps a retried checkout from filling the book with copies.
    """
    book = Address.objects.select_for_update().filter(user=user)
    entry = book.filter(recipient=recipient, phone=phone, postal_code=postal_code, address=address,
                        address_detail=address_detail).first()
    first = not book.exists()
    if entry is None:
        entry = Address.objects.create(user=user, label=label, recipient=recipient, phone=phone,
                                       postal_code=postal_code, address=address, address_detail=address_detail)
    elif label and entry.label != label:
        entry.label = label
        entry.save(update_fields=["label"])
    if (make_default or first) and not entry.is_default:
        Address.objects.filter(user=user, is_default=True).exclude(pk=entry.pk).update(is_default=False)
        entry.is_default = True
        entry.save(update_fields=["is_default"])
    return entry


@transaction.atomic
def address_delete(*, user, address_id: int) -> bool:
    """Remove one of the user's own addresses; when it was the default, the newest left becomes it."""
    book = Address.objects.select_for_update().filter(user=user)
    entry = book.filter(pk=address_id).first()
    if entry is None:
        return False
    was_default = entry.is_default
    entry.delete()
    if was_default:
        newest = book.order_by("-created_at", "-pk").first()
        if newest:
            newest.is_default = True
            newest.save(update_fields=["is_default"])
    return True


@transaction.atomic
def address_make_default(*, user, address_id: int) -> bool:
    book = Address.objects.select_for_update().filter(user=user)
    entry = book.filter(pk=address_id).first()
    if entry is None:
        return False
    book.filter(is_default=True).exclude(pk=entry.pk).update(is_default=False)
    if not entry.is_default:
        entry.is_default = True
        entry.save(update_fields=["is_default"])
    return True
