"""Popularity from what shoppers did: paid units in 30 days, wishes, page views (counted without a write)."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Product, ProductViewDay
from catalog.views_count import product_view_count
from catalog.wishes import wish_set
from orders.models import Order
from orders.services.popularity import popularity_score, products_popularity_refresh
from tests.factories import ProductFactory, UserFactory

from .helpers import paid_vendor_order, put

pytestmark = pytest.mark.django_db


def test_score_formula():
    assert popularity_score(units=3, wishes=2, views=45) == 30 + 6 + 2


def test_refresh_counts_recent_paid_units_wishes_and_views_and_is_idempotent(client):
    sold, wished, viewed, old = (ProductFactory(name=n) for n in ("팔린 쌀", "찜한 쌀", "본 쌀", "옛날 쌀"))
    paid_vendor_order(sold.variants.first(), qty=2)
    cancelled = paid_vendor_order(sold.variants.first(), qty=5)
    put(cancelled, "cancelled")
    long_ago = paid_vendor_order(old.variants.first(), qty=4)
    Order.objects.filter(pk=long_ago.order_id).update(paid_at=timezone.now() - timedelta(days=31))
    wish_set(user=UserFactory(), product_id=wished.pk, wished=True)
    for _ in range(40):
        client.get(viewed.get_absolute_url())
    assert not ProductViewDay.objects.exists()  # a view is no database write
    assert products_popularity_refresh() == 3
    scores = dict(Product.objects.values_list("name", "popularity"))
    assert scores == {"팔린 쌀": 20, "찜한 쌀": 3, "본 쌀": 2, "옛날 쌀": 0}
    assert products_popularity_refresh() == 0  # nothing changed, nothing written
    assert ProductViewDay.objects.get(product=viewed).views == 40


def test_a_product_page_view_writes_nothing_to_the_database(client):
    product = ProductFactory()
    client.get(product.get_absolute_url())
    with CaptureQueriesContext(connection) as ctx:
        client.get(product.get_absolute_url())
    assert not [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_views_counted_after_a_drain_are_kept_for_the_next(client):
    product = ProductFactory()
    product_view_count(product.pk)
    products_popularity_refresh()
    product_view_count(product.pk)
    product_view_count(product.pk)
    products_popularity_refresh()
    assert ProductViewDay.objects.get(product=product).views == 3


def test_popular_sort_follows_the_score(client):
    ProductFactory(name="덜 팔린 쌀")
    high = ProductFactory(name="많이 팔린 쌀")
    paid_vendor_order(high.variants.first(), qty=3)
    products_popularity_refresh()
    html = client.get("/products/?sort=popular").content.decode()
    assert html.find("많이 팔린 쌀") < html.find("덜 팔린 쌀")


def test_a_line_cancelled_or_returned_on_its_own_is_not_counted():
    from orders.models import OrderLine

    product = ProductFactory(name="반쯤 팔린 쌀")
    kept = paid_vendor_order(product.variants.first(), qty=1)
    gone = paid_vendor_order(product.variants.first(), qty=3)
    OrderLine.objects.filter(vendor_order=gone).update(state="cancelled")
    assert kept.status == "paid"
    products_popularity_refresh()
    assert Product.objects.get(pk=product.pk).popularity == 10
