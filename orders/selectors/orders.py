"""Reads about orders used by several services and pages."""
from campaigns.services.limits import customer_key

from ..models import Order


def order_customer(order: Order) -> str:
    """The customer key of an order for campaign limits and coupon uses ("u<id>" / "e<email>")."""
    return f"u{order.buyer_id}" if order.buyer_id else customer_key(email=order.email)
