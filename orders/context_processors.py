"""The header's personal bits: the cart link's count, and for a signed-in user the bell's unread
count and the partner admin link.

Each is a callable the template calls only where it shows it, so a page without the header (the
admin sites, mails) runs no query for them. A signed-in user's three come from one query on first
use (they are read on every storefront page, and three round trips cost more than one).
"""
from django.db import connection

from accounts.models import Notification
from ddasum.page_cache import is_cached_render
from vendors.models import PARTNER_READ_STATUSES, Vendor, VendorMembership

from .models import Cart, CartLine

_CACHE_ATTR = "_orders_cart_line_count"
_HEADER_ATTR = "_orders_header_counts"


def _header_sql() -> str:
    """One statement for the three counts (written out: the ORM's subqueries cost more CPU to build
    than the three plain queries they replace; tests/orders/test_header.py checks it against them)."""
    notification, membership, vendor = (Notification._meta.db_table, VendorMembership._meta.db_table,
                                        Vendor._meta.db_table)
    line, cart = CartLine._meta.db_table, Cart._meta.db_table
    statuses = ", ".join(["%s"] * len(PARTNER_READ_STATUSES))
    return (
        f"SELECT (SELECT COUNT(*) FROM {notification} WHERE user_id = %s AND read_at IS NULL), "
        f"EXISTS(SELECT 1 FROM {membership} m INNER JOIN {vendor} v ON v.id = m.vendor_id "
        f"WHERE m.user_id = %s AND v.status IN ({statuses})), "
        f"(SELECT COUNT(*) FROM {line} l INNER JOIN {cart} c ON c.id = l.cart_id WHERE c.user_id = %s)"
    )


def _header_counts(request) -> dict:
    """{"unread", "partner", "cart"} for the signed-in user, one query per request."""
    counts = getattr(request, _HEADER_ATTR, None)
    if counts is None:
        user_id = request.user.pk
        with connection.cursor() as cursor:
            cursor.execute(_HEADER_SQL, [user_id, user_id, *sorted(PARTNER_READ_STATUSES), user_id])
            unread, partner, cart_lines = cursor.fetchone()
        counts = {"unread": unread, "partner": bool(partner), "cart": cart_lines}
        setattr(request, _HEADER_ATTR, counts)
    return counts


_HEADER_SQL = _header_sql()


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def cart_line_count(request) -> int:
    """Lines in the request's cart, counted once per request (a page that already knows sets it)."""
    count = getattr(request, _CACHE_ATTR, None)
    if count is None and is_cached_render(request):
        count = 0  # a page for every visitor: static/js/visitor.js shows this visitor's count
    if count is None:
        if _signed_in(request):
            count = _header_counts(request)["cart"]
        else:
            session = getattr(request, "session", None)
            key = session.session_key if session is not None else None
            # A visitor without a session has no cart: no query.
            count = CartLine.objects.filter(cart__session_key=key).count() if key else 0
        setattr(request, _CACHE_ATTR, count)
    return count


def cart_line_count_set(request, count: int) -> None:
    setattr(request, _CACHE_ATTR, count)


def cart(request):
    """`cart_line_count` for base.html."""
    return {"cart_line_count": lambda: cart_line_count(request)}


def header(request):
    """The bell's unread count and whether to link the partner admin (operators always), for base.html."""
    if not _signed_in(request):
        return {}
    user = request.user
    return {
        "unread_notifications": lambda: _header_counts(request)["unread"],
        "has_partner_admin": lambda: user.is_staff or _header_counts(request)["partner"],
    }
