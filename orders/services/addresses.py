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
