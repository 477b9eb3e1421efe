"""Product-page views counted in the cache, drained into ProductViewDay by a periodic task.

A page view is one `cache.incr` (atomic in Redis), never a database write; `product_views_drain`
moves each counter's value into the day's row and takes the same amount off the counter with
`decr`, so views counted meanwhile are kept for the next run. With the local-memory cache of a
development server the counts are per process, which is good enough there.
"""
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from .models import Product, ProductViewDay

# Counters live a little longer than the two days a drain reads.
COUNTER_SECONDS = 60 * 60 * 24 * 3


def _key(product_id: int, day: date) -> str:
    return f"catalog:views:{day:%Y%m%d}:{product_id}"


def product_view_count(product_id: int, *, now=None) -> None:
    """Count one view of the product page (one cache operation)."""
    key = _key(product_id, timezone.localdate(now))
    if cache.add(key, 1, COUNTER_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, COUNTER_SECONDS)


def product_views_drain(*, now=None) -> int:
    """Move today's and yesterday's counters into ProductViewDay; returns how many views were moved."""
    today = timezone.localdate(now)
    ids = list(Product.objects.values_list("pk", flat=True))
    moved = 0
    for day in (today - timedelta(days=1), today):
        keys = {_key(pk, day): pk for pk in ids}
        for key, value in cache.get_many(list(keys)).items():
            value = int(value or 0)
            if value <= 0:
                continue
            row, created = ProductViewDay.objects.get_or_create(product_id=keys[key], day=day,
                                                                 defaults={"views": value})
            if not created:
                ProductViewDay.objects.filter(pk=row.pk).update(views=F("views") + value)
            try:
                cache.decr(key, value)
            except ValueError:
                pass
            moved += value
    return moved
