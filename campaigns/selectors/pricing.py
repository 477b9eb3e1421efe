"""Which campaign price applies to a variant at a moment: the one rule for cards, cart and checkout.

A variant's campaign price comes from an approved item of a campaign live at `now`: an item for
that very variant wins over an item for its whole product; among several live campaigns the
lowest price wins (ties: the campaign that ends first, then the lower item id).
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from ..models import Campaign, CampaignItem, ItemStatus


@dataclass(frozen=True)
class CampaignPrice:
    item_id: int
    campaign_id: int
    campaign_title: str
    campaign_slug: str
    ends_at: datetime
    price: int  # what the buyer pays per unit while the campaign is live
    regular_price: int  # the variant's own price, shown struck through
    stock_cap: int | None
    sold_count: int
    per_customer_limit: int | None

    @property
    def percent_off(self) -> int:
        if not self.regular_price:
            return 0
        return round((self.regular_price - self.price) * 100 / self.regular_price)

    @property
    def sold_out(self) -> bool:
        return self.stock_cap is not None and self.sold_count >= self.stock_cap

    @property
    def remaining(self) -> int | None:
        return None if self.stock_cap is None else max(self.stock_cap - self.sold_count, 0)


def item_unit_price(item: CampaignItem, regular_price: int) -> int:
    """The campaign price for a variant whose own price is `regular_price`.

    A fixed campaign price never exceeds the regular price; a percentage off is rounded down
    to 10 won (the way Korean malls print prices).
    """
    if item.campaign_price is not None:
        return min(item.campaign_price, regular_price)
    discounted = regular_price * (100 - (item.percent_off or 0)) // 100
    return discounted - discounted % 10


def live_items(product_ids: Iterable[int], now: datetime | None = None):
    """Approved items of campaigns live at `now` for these products (one query)."""
    now = now or timezone.now()
    return (
        CampaignItem.objects.filter(
            product_id__in=set(product_ids), status=ItemStatus.APPROVED,
            campaign__in=Campaign.objects.live(now),
        )
        .select_related("campaign")
        .order_by("campaign__ends_at", "id")
    )


def campaign_prices(variants, now: datetime | None = None) -> dict[int, CampaignPrice]:
    """{variant id: CampaignPrice} for the variants that have a live campaign price.

    `variants` are ProductVariant objects (product_id and price are read). One query.
    """
    variants = list(variants)
    if not variants:
        return {}
    items = list(live_items({v.product_id for v in variants}, now))
    if not items:
        return {}
    by_product: dict[int, list[CampaignItem]] = {}
    for item in items:
        by_product.setdefault(item.product_id, []).append(item)
    prices: dict[int, CampaignPrice] = {}
    for variant in variants:
        candidates = by_product.get(variant.product_id, [])
        exact = [i for i in candidates if i.variant_id == variant.pk]
        pool = exact or [i for i in candidates if i.variant_id is None]
        best = None
        for item in pool:
            price = item_unit_price(item, variant.price)
            if price >= variant.price:
                continue  # no saving: the regular price stands
            if best is None or price < best[0]:
                best = (price, item)
        if best:
            price, item = best
            prices[variant.pk] = CampaignPrice(
                item_id=item.pk, campaign_id=item.campaign_id, campaign_title=item.campaign.title,
                campaign_slug=item.campaign.slug, ends_at=item.campaign.ends_at, price=price,
                regular_price=variant.price, stock_cap=item.stock_cap, sold_count=item.sold_count,
                per_customer_limit=item.per_customer_limit,
            )
    return prices


def live_item_q(now: datetime | None = None) -> Q:
    """Filter for CampaignItem rows that count now (approved, campaign published and live)."""
    now = now or timezone.now()
    return Q(status=ItemStatus.APPROVED, campaign__is_published=True, campaign__starts_at__lte=now,
             campaign__ends_at__gt=now)
