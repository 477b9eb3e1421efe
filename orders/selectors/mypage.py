"""The my-page's order summary: a member's orders counted by the state a shopper thinks in."""
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ..models import Order, OrderStatus, VendorOrder
from ..models import VendorOrderStatus as V

# state key → (label, vendor order statuses). 입금대기 is the order's own state (nothing is paid yet).
BUYER_STATES: dict[str, tuple] = {
    "waiting": (_("입금대기"), ()),
    "paid": (_("결제완료"), (V.PAID, V.PREPARING)),
    "shipping": (_("배송중"), (V.SHIPPED,)),
    "delivered": (_("배송완료"), (V.DELIVERED, V.COMPLETED)),
    "cancelled": (_("취소/반품"), (V.CANCELLED, V.RETURN_REQUESTED, V.RETURNED, V.REFUNDED)),
}


def buyer_state_q(state: str) -> Q:
    """Orders in `state`: an order is in every state one of its vendor orders is in."""
    if state == "waiting":
        return Q(status=OrderStatus.PENDING_PAYMENT)
    statuses = BUYER_STATES[state][1]
    in_state = Exists(VendorOrder.objects.filter(order=OuterRef("pk"), status__in=statuses))
    if state == "cancelled":
        return Q(status__in=(OrderStatus.CANCELLED, OrderStatus.EXPIRED)) | Q(in_state)
    return Q(status=OrderStatus.PAID) & Q(in_state)


def buyer_state_counts(user) -> list[dict]:
    """[{key, label, count}] for the my-page, in one query."""
    aggregates = {state: Count("pk", filter=buyer_state_q(state)) for state in BUYER_STATES}
    counts = Order.objects.filter(buyer=user).aggregate(**aggregates)
    return [{"key": key, "label": label, "count": counts[key]} for key, (label, _statuses) in BUYER_STATES.items()]
