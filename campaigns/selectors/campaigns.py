"""Reads of the storefront's campaigns: what is on now, what comes, and the prices cards show.

Every page reads the clock once (`request_now`) so a page never mixes two moments. Prices go
through campaigns.selectors.pricing.campaign_prices, the rule the cart and checkout use.
"""
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from catalog.models import Product, ProductImage, ProductVariant

from ..models import Campaign, CampaignItem, CampaignState, Coupon, ItemStatus
from .pricing import CampaignPrice, campaign_prices, item_unit_price, live_item_q

UPCOMING_LIMIT = 24


def campaign_next_boundary(now: datetime) -> datetime | None:
    """The next campaign or coupon start or end after `now` (storefront pages change then); one query."""
    moments = (
        Campaign.objects.filter(starts_at__gt=now).order_by().values_list("starts_at", flat=True).union(
            Campaign.objects.filter(ends_at__gt=now).order_by().values_list("ends_at", flat=True),
            Coupon.objects.filter(starts_at__gt=now).order_by().values_list("starts_at", flat=True),
            Coupon.objects.filter(ends_at__gt=now).order_by().values_list("ends_at", flat=True),
            all=True,
        ).order_by("starts_at")[:1]
    )
    return next(iter(moments), None)


def request_now(request=None) -> datetime:
    """The moment a request is served, the same for every part of its page."""
    if request is None:
        return timezone.now()
    now = getattr(request, "_campaigns_now", None)
    if now is None:
        now = request._campaigns_now = timezone.now()
    return now


def _memo(request, name, build):
    if request is None:
        return build()
    if not hasattr(request, name):
        setattr(request, name, build())
    return getattr(request, name)


def campaign_schedule(request=None, *, now=None) -> dict:
    """Published campaigns live at `now` (home order) and coming ones (soonest first): one query."""
    def build():
        moment = now or request_now(request)
        rows = list(Campaign.objects.published().filter(ends_at__gt=moment).order_by("starts_at", "pk")[:UPCOMING_LIMIT + 20])
        live = sorted((c for c in rows if c.starts_at <= moment), key=lambda c: (c.home_order, c.ends_at, c.pk))
        upcoming = [c for c in rows if c.starts_at > moment][:UPCOMING_LIMIT]
        return {"now": moment, "live": live, "upcoming": upcoming}

    return _memo(request, "_campaigns_schedule", build) if now is None else build()


@dataclass(frozen=True)
class CardPrice:
    """What a product card shows of a live campaign: the badge, and the price when it is the card's."""

    campaign_title: str
    campaign_slug: str
    ends_at: datetime
    price: int | None  # None: another option is cheaper at its regular price; show the badge only
    regular_price: int
    percent_off: int
    sold_out: bool  # the campaign quantity is used up: the regular price applies again


def card_price_of(variants, prices: dict[int, CampaignPrice]) -> CardPrice | None:
    """The card's campaign price: the cheapest option after campaign prices, as the card shows "from"."""
    best = None
    any_cp = None
    for variant in variants:
        cp = prices.get(variant.pk)
        if cp is not None:
            any_cp = any_cp or cp
        usable = cp is not None and not cp.sold_out
        effective = cp.price if usable else variant.price
        key = (effective, variant.price, variant.pk)
        if best is None or key < best[0]:
            best = (key, variant, cp if usable else None)
    if any_cp is None:
        return None
    _key, variant, cp = best
    if cp is not None:
        return CardPrice(cp.campaign_title, cp.campaign_slug, cp.ends_at, cp.price, cp.regular_price, cp.percent_off,
                         False)
    return CardPrice(any_cp.campaign_title, any_cp.campaign_slug, any_cp.ends_at, None, variant.price, 0,
                     all(prices[v.pk].sold_out for v in variants if v.pk in prices))


class PriceBook:
    """Live campaign prices of every product that has a live item, loaded once for a whole page.

    Product cards are included by many list templates; the book answers any of them with the
    same two queries (options of the products in live campaigns, then the price rule), or none
    when the page already knows that nothing is live.
    """

    def __init__(self, now: datetime | None = None, *, live_campaign_ids=None):
        self.now = now or timezone.now()
        self._live_ids = live_campaign_ids
        self._variants: dict[int, list] | None = None
        self.prices: dict[int, CampaignPrice] = {}

    def _load(self):
        if self._variants is not None:
            return
        self._variants = {}
        if self._live_ids is not None and not self._live_ids:
            return
        items = CampaignItem.objects.filter(live_item_q(self.now)).values("product_id")
        variants = list(
            ProductVariant.objects.filter(is_active=True, product_id__in=items)
            .only("id", "product_id", "price", "stock", "track_stock", "is_active")
            .order_by("product_id", "price", "id")
        )
        for variant in variants:
            self._variants.setdefault(variant.product_id, []).append(variant)
        self.prices = campaign_prices(variants, self.now) if variants else {}

    def for_product(self, product_id: int) -> CardPrice | None:
        self._load()
        variants = self._variants.get(product_id)
        return card_price_of(variants, self.prices) if variants else None

    def for_variant(self, variant_id: int) -> CampaignPrice | None:
        self._load()
        return self.prices.get(variant_id)


def price_book(request=None) -> PriceBook:
    """The request's price book (one per request; pages that loaded the schedule skip dead queries)."""
    def build():
        schedule = getattr(request, "_campaigns_schedule", None) if request is not None else None
        live_ids = [c.pk for c in schedule["live"]] if schedule is not None else None
        return PriceBook(request_now(request), live_campaign_ids=live_ids)

    return _memo(request, "_campaigns_price_book", build)


# --- the campaign page -----------------------------------------------------------------------


@dataclass
class ItemCard:
    """One product on the campaign page with the price it sells at on this page."""

    item: CampaignItem
    product: Product
    variant: ProductVariant | None
    price: int | None  # None: no price shown (a coming campaign)
    regular_price: int
    percent_off: int
    sold_out: bool
    cap_reached: bool
    remaining: int | None

    @property
    def discounted(self) -> bool:
        return self.price is not None and self.price < self.regular_price


def campaign_for_page(slug: str, *, user) -> Campaign | None:
    """The campaign of /campaigns/<slug>/: drafts only for operators (preview)."""
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        return None
    if not campaign.is_published and not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    return campaign


def campaign_sections(campaign: Campaign, *, now: datetime, preview: bool = False) -> list[tuple]:
    """[(section or None, [ItemCard, ...]), ...] of the approved items whose products are on sale.

    Live: prices from the one rule (campaign_prices); coming: no prices; ended: regular prices.
    `preview` (operators looking at a draft or a coming page) prices the items by their own terms.
    A fixed number of queries: sections, items with products, images, options, prices.
    """
    state = campaign.state_at(now)
    sections = list(campaign.sections.all())
    items = list(
        CampaignItem.objects.filter(campaign=campaign, status=ItemStatus.APPROVED,
                                    product__in=Product.objects.on_sale())
        .select_related("product__vendor", "product__category", "variant")
        .prefetch_related(Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"),
                                   to_attr="ordered_images"))
        .order_by("section__sort_order", "section_id", "sort_order", "id")
    )
    variants = list(
        ProductVariant.objects.filter(product_id__in={i.product_id for i in items}, is_active=True)
        .order_by("product_id", "price", "id")
    ) if items else []
    by_product: dict[int, list] = {}
    for variant in variants:
        by_product.setdefault(variant.product_id, []).append(variant)
    live = state == CampaignState.LIVE
    prices = campaign_prices(variants, now) if live and variants else {}

    cards = []
    for item in items:
        if item.variant_id:
            options = [item.variant] if item.variant.is_active else []
        else:
            options = by_product.get(item.product_id, [])
        if not options:
            continue
        cheapest = min(options, key=lambda v: (v.price, v.pk))
        cap_reached = item.stock_cap is not None and item.sold_count >= item.stock_cap
        remaining = None if item.stock_cap is None else max(item.stock_cap - item.sold_count, 0)
        in_stock = any(v.is_available for v in options)
        price, regular, percent = None, cheapest.price, 0
        card = card_price_of(options, prices) if live else None
        if card is not None and card.price is not None:
            price, regular, percent = card.price, card.regular_price, card.percent_off
        elif (live and cap_reached) or (preview and state != CampaignState.ENDED):
            # Its own terms: the price it had until the quantity ran out, or will have.
            price, regular, percent = _own_terms(item, options)
        elif live or state == CampaignState.ENDED:
            price = cheapest.price
        cards.append(ItemCard(
            item=item, product=item.product, variant=item.variant, price=price, regular_price=regular,
            percent_off=percent, sold_out=(cap_reached and live) or not in_stock, cap_reached=cap_reached,
            remaining=remaining,
        ))

    grouped: OrderedDict = OrderedDict((s.pk, (s, [])) for s in sections)
    loose = []
    for card in cards:
        if card.item.section_id in grouped:
            grouped[card.item.section_id][1].append(card)
        else:
            loose.append(card)
    result = [(section, group) for section, group in grouped.values() if group]
    if loose:
        result.append((None, loose))
    return result


def _own_terms(item: CampaignItem, options) -> tuple[int, int, int]:
    price, variant = min(((item_unit_price(item, v.price), v) for v in options), key=lambda pair: (pair[0], pair[1].pk))
    regular = variant.price
    return price, regular, round((regular - price) * 100 / regular) if regular else 0


def upcoming_by_month(campaigns) -> list[tuple[datetime, list[Campaign]]]:
    """[(first day of the month, [campaigns starting in it]), ...] in local time."""
    months: OrderedDict = OrderedDict()
    for campaign in campaigns:
        start = timezone.localtime(campaign.starts_at)
        months.setdefault((start.year, start.month), []).append(campaign)
    return [(timezone.localtime(group[0].starts_at).replace(day=1), group) for group in months.values()]
