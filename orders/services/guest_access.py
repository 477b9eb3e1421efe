"""A guest opens their order with a link: no order password, so no slow hash per order.

A guest order gets a random nonce when it is placed. Its access link carries an HMAC of the
order and that nonce under SECRET_KEY, so any mail task can write the link again, the check
costs microseconds, and a copy of the database alone opens nothing. Every mail to a guest
carries the link, and the lookup page (order number and email) mails it again. A new nonce
ends every earlier link.
"""
import secrets

from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from ..models import Order

_SALT = "ddasum.orders.guest-access"
TOKEN_LENGTH = 40  # hex characters: 160 bits


def guest_nonce_new() -> str:
    return secrets.token_urlsafe(16)


def guest_access_token(order: Order) -> str:
    """The token of the order's access link; "" for a member's order."""
    if order.buyer_id is not None or not order.guest_access_nonce:
        return ""
    value = f"{order.pk}:{order.number}:{order.email.lower()}:{order.guest_access_nonce}"
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[:TOKEN_LENGTH]


def guest_access_valid(order: Order, token: str) -> bool:
    expected = guest_access_token(order)
    return bool(expected) and constant_time_compare(expected, token)


def guest_access_path(order: Order) -> str:
    """The path that opens a guest's order in any browser; "" for a member's order."""
    token = guest_access_token(order)
    return reverse("orders:guest_access", kwargs={"number": order.number, "token": token}) if token else ""
