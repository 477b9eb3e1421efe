"""Who may see an order, its payment page and its documents: the buyer, a guest's session, the vendor, operators.

A guest has no account: the session that placed an order, or looked it up with the order
number, email and order password, holds its number (SESSION_KEY for the payment page,
SESSION_LOOKUP_KEY for the order page and documents).
"""
from vendors.selectors import user_is_vendor_member

from ..models import DocumentKind, Order, VendorOrder

SESSION_LOOKUP_KEY = "orders_lookup"


SESSION_KEY = "orders_payable"


def buyer_may(actor, order: Order) -> bool:
    return bool(actor and actor.is_authenticated and (actor.is_staff or order.buyer_id == actor.pk))


def vendor_member_may(actor, vendor_order: VendorOrder) -> bool:
    return bool(actor and actor.is_authenticated and (actor.is_staff or user_is_vendor_member(actor, vendor_order.vendor_id)))


def order_reader(user, session, order: Order) -> bool:
    if user is not None and user.is_authenticated and order.buyer_id == user.pk:
        return True
    looked_up = session.get(SESSION_LOOKUP_KEY, []) if session is not None else []
    return order.buyer_id is None and order.number in looked_up


def document_may_read(user, session, *, kind: str, order: Order | None = None,
                      vendor_order: VendorOrder | None = None, settlement=None) -> bool:
    """The one rule for reading an order document.

    Operators read everything; the buyer (or a guest whose session looked the order up)
    reads the receipt and the statements; a vendor's members read their own vendor order's
    statement and packing slip (and their settlements), never the order-wide receipt,
    which shows other vendors' lines.
    """
    if user is not None and user.is_authenticated and not user.is_active:
        return False
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    if kind == DocumentKind.SETTLEMENT:
        return settlement is not None and user_is_vendor_member(user, settlement.vendor_id)
    order = order or (vendor_order.order if vendor_order else None)
    if order is None:
        return False
    if kind == DocumentKind.RECEIPT:
        return vendor_order is None and order_reader(user, session, order)
    if vendor_order is None:
        return False
    if user_is_vendor_member(user, vendor_order.vendor_id):
        return True
    return kind == DocumentKind.STATEMENT and order_reader(user, session, order)


def payment_access_grant(request, order: Order) -> None:
    """Let this browser open the order's payment page (a guest has only the session to show for it)."""
    numbers = [n for n in request.session.get(SESSION_KEY, []) if n != order.number][-9:]
    request.session[SESSION_KEY] = [*numbers, order.number]


def payment_access(request, order: Order) -> bool:
    """The buyer, an operator, or the browser that placed (or looked up) a guest order."""
    user = request.user
    if user.is_authenticated and (user.is_staff or order.buyer_id == user.pk):
        return True
    if order.buyer_id is None and order.number in request.session.get(SESSION_LOOKUP_KEY, []):
        return True
    return order.number in request.session.get(SESSION_KEY, [])
