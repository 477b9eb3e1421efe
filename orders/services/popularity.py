"""Each product's popularity score, recomputed from the rows by a periodic task (idempotent).

    popularity = 10 × units paid in the last 30 days
               +  3 × members who wish the product now (Product.wish_count)
               +  1 × product-page views in the last 30 days ÷ 20 (rounded down)

Paid units are order lines of orders paid in the window whose vendor order was not cancelled,
returned or refunded. A sale weighs most (it is what a shopper trusts), a wish less, and views
least (20 views count like 2 wishes). 인기순, the home page's popular products and related
products sort on it. Run twice on the same data, it writes nothing the second time.
"""
import logging
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from catalog.models import Product, ProductViewDay
from catalog.views_count import product_views_drain
from ddasum import page_cache

from ..models import OrderLine, OrderLineState, VendorOrderStatus

logger = logging.getLogger(__name__)

WINDOW_DAYS = 30
UNIT_WEIGHT, WISH_WEIGHT, VIEWS_PER_POINT = 10, 3, 20
_NOT_SOLD = (VendorOrderStatus.CANCELLED, VendorOrderStatus.RETURNED, VendorOrderStatus.REFUNDED,
             VendorOrderStatus.PENDING_PAYMENT)


def popularity_score(*, units: int, wishes: int, views: int) -> int:
    return UNIT_WEIGHT * units + WISH_WEIGHT * wishes + views // VIEWS_PER_POINT


def products_popularity_refresh(*, now=None) -> int:
    """Drain the view counters, then set every product's popularity; returns how many changed."""
    now = now or timezone.now()
    product_views_drain(now=now)
    since = now - timedelta(days=WINDOW_DAYS)
    units = dict(
        OrderLine.objects.filter(order__paid_at__gte=since, order__paid_at__lte=now,
                                 product_id_snapshot__isnull=False, state=OrderLineState.ORDERED)
        .exclude(vendor_order__status__in=_NOT_SOLD)
        .order_by().values("product_id_snapshot").annotate(n=Sum("quantity")).values_list("product_id_snapshot", "n"))
    views = dict(
        ProductViewDay.objects.filter(day__gt=timezone.localdate(since), day__lte=timezone.localdate(now))
        .order_by().values("product_id").annotate(n=Sum("views")).values_list("product_id", "n"))
    changed = []
    for product in Product.objects.only("pk", "popularity", "wish_count").iterator():
        score = popularity_score(units=units.get(product.pk, 0), wishes=product.wish_count,
                                 views=views.get(product.pk, 0))
        if score != product.popularity:
            product.popularity = score
            changed.append(product)
    Product.objects.bulk_update(changed, ["popularity"], batch_size=500)
    if changed:
        page_cache.version_bump()  # the popular sort and the home page's popular products
    logger.info("popularity refreshed: %s products changed", len(changed))
    return len(changed)
