"""Campaign quantity caps and per-customer limits, taken and given back like stock.

Checkout (orders.services.checkout.order_place) calls `item_take` inside the order's transaction for each
campaign item a line was priced by, in item-pk order and before the stock, and `item_release`
when the order expires or a vendor order is cancelled before shipping. Campaigns may not import
orders, so both take ids and numbers.

Both counters move by conditional UPDATEs, so concurrent checkouts can never sell past the cap
or the limit (and the cap's CheckConstraint is never hit):

    sold_count = sold_count + n   WHERE stock_cap IS NULL OR sold_count + n <= stock_cap
    quantity   = quantity + n     WHERE quantity + n <= per_customer_limit

The customer's counter row (CampaignItemUse, unique per item and customer) is created with
INSERT … ON CONFLICT DO NOTHING first, so two first purchases by one customer meet on the same
row instead of one failing on the unique constraint. A customer is "u<user id>" for members and
"e<email, lower-cased>" for guests (`customer_key`).
"""
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q

from ddasum import page_cache

from ..models import CampaignItem, CampaignItemUse


def customer_key(*, user=None, email: str = "") -> str:
    """"u<id>" for a signed-in user, "e<email>" for a guest, "" when neither is known yet."""
    if user is not None and getattr(user, "is_authenticated", False) and user.pk:
        return f"u{user.pk}"
    email = (email or "").strip().lower()
    return f"e{email}" if email else ""


@dataclass(frozen=True)
class TakeResult:
    """Whether the quantity was taken; if not, why ("cap" or "limit") and how many are left."""

    ok: bool
    reason: str = ""
    left: int | None = None  # units left under the cap, or that this customer may still buy
    limit: int | None = None  # the per-customer limit (when reason == "limit")

    def __bool__(self) -> bool:
        return self.ok


class _Undo(Exception):
    """Rolls the savepoint back when the cap was taken but the customer's limit was not."""


def item_take(*, item_id: int, customer: str, quantity: int) -> TakeResult:
    """Count `quantity` units of a campaign item as sold to `customer`, within its cap and limit.

    All or nothing: when the customer's limit refuses, the cap taken just before is rolled back
    (a savepoint). Call inside the order's transaction; the item's row stays locked until it ends.
    """
    if quantity <= 0:
        return TakeResult(True)
    refusal = None
    try:
        with transaction.atomic():
            taken = CampaignItem.objects.filter(
                Q(stock_cap__isnull=True) | Q(stock_cap__gte=F("sold_count") + quantity), pk=item_id,
            ).update(sold_count=F("sold_count") + quantity)
            if not taken:
                row = CampaignItem.objects.filter(pk=item_id).values("stock_cap", "sold_count").first()
                left = max(row["stock_cap"] - row["sold_count"], 0) if row and row["stock_cap"] is not None else 0
                return TakeResult(False, "cap", left=left)
            # Our row lock on the item holds the limit still until the order commits.
            limit = CampaignItem.objects.filter(pk=item_id).values_list("per_customer_limit", flat=True).first()
            if limit is None:
                return TakeResult(True)
            if not customer:
                raise ValueError("a per-customer limit needs the customer")
            CampaignItemUse.objects.bulk_create([CampaignItemUse(item_id=item_id, customer=customer, quantity=0)],
                                                ignore_conflicts=True)
            used = CampaignItemUse.objects.filter(item_id=item_id, customer=customer,
                                                  quantity__lte=limit - quantity).update(
                quantity=F("quantity") + quantity)
            if not used:
                bought = CampaignItemUse.objects.filter(item_id=item_id, customer=customer).values_list(
                    "quantity", flat=True).first() or 0
                refusal = TakeResult(False, "limit", left=max(limit - bought, 0), limit=limit)
                raise _Undo
            page_cache.version_bump()  # the campaign card's "한정 n개 남음"
            return TakeResult(True)
    except _Undo:
        return refusal


def item_release(*, item_id: int, customer: str, quantity: int) -> None:
    """Give back `quantity` units (an expired or cancelled order); never below zero.

    The caller makes it happen once per order line (orders marks the line released with a
    conditional UPDATE first).
    """
    if quantity <= 0:
        return
    page_cache.version_bump()
    with transaction.atomic():
        if not CampaignItem.objects.filter(pk=item_id, sold_count__gte=quantity).update(
                sold_count=F("sold_count") - quantity):
            CampaignItem.objects.filter(pk=item_id).update(sold_count=0)
        if customer:
            if not CampaignItemUse.objects.filter(item_id=item_id, customer=customer, quantity__gte=quantity).update(
                    quantity=F("quantity") - quantity):
                CampaignItemUse.objects.filter(item_id=item_id, customer=customer).update(quantity=0)


def customer_uses(item_ids, customer: str) -> dict[int, int]:
    """{item id: units this customer bought} for these items (one query; {} without a customer)."""
    item_ids = set(item_ids)
    if not customer or not item_ids:
        return {}
    return dict(CampaignItemUse.objects.filter(item_id__in=item_ids, customer=customer)
                .values_list("item_id", "quantity"))
