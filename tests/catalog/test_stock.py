"""catalog.stock: the one place a variant's stock is taken, returned and followed up."""
import pytest

from accounts.models import Notification
from catalog import services as catalog_services
from catalog import stock
from catalog.exceptions import StockShort
from catalog.models import Product, ProductVariant
from tests.factories import MembershipFactory, ProductFactory

pytestmark = pytest.mark.django_db


def stock_of(variant) -> int:
    return ProductVariant.objects.get(pk=variant.pk).stock


def test_take_exactly_what_is_left():
    variant = ProductFactory(variants=[{"name": "5kg", "price": 25000, "stock": 3}]).variants.get()
    assert stock.stock_take(variant_id=variant.pk, quantity=3) is True
    assert stock_of(variant) == 0


def test_taking_too_many_fails_and_changes_nothing():
    variant = ProductFactory(variants=[{"name": "5kg", "price": 25000, "stock": 3}]).variants.get()
    assert stock.stock_take(variant_id=variant.pk, quantity=4) is False
    assert stock_of(variant) == 3


def test_an_untracked_variant_always_has_enough_and_is_not_counted():
    variant = ProductFactory(variants=[{"name": "체험 1회", "price": 10000, "stock": 0,
                                        "track_stock": False}]).variants.get()
    assert stock.stock_take(variant_id=variant.pk, quantity=50) is True
    assert stock.stock_return(variant_id=variant.pk, quantity=50) is False
    assert stock_of(variant) == 0


def test_return_gives_stock_back():
    variant = ProductFactory(variants=[{"name": "5kg", "price": 25000, "stock": 2}]).variants.get()
    assert stock.stock_return(variant_id=variant.pk, quantity=5) is True
    assert stock_of(variant) == 7


def test_many_lines_are_taken_in_primary_key_order(monkeypatch):
    product = ProductFactory(variants=[{"name": n, "price": 1000, "stock": 5} for n in ("a", "b", "c")])
    a, b, c = product.variants.order_by("pk")
    taken, real = [], stock.stock_take

    def spy(*, variant_id, quantity):
        taken.append(variant_id)
        return real(variant_id=variant_id, quantity=quantity)

    monkeypatch.setattr(stock, "stock_take", spy)
    stock.stock_take_many(items=[(c.pk, 1), (a.pk, 2), (b.pk, 3)])
    assert taken == [a.pk, b.pk, c.pk]
    assert [stock_of(v) for v in (a, b, c)] == [3, 2, 4]


def test_many_lines_are_all_or_nothing_and_name_the_short_one():
    product = ProductFactory(variants=[{"name": n, "price": 1000, "stock": 5} for n in ("a", "b", "c")])
    a, b, c = product.variants.order_by("pk")
    with pytest.raises(StockShort) as short:
        stock.stock_take_many(items=[(a.pk, 1), (b.pk, 6), (c.pk, 1)])
    assert short.value.variant_id == b.pk
    assert [stock_of(v) for v in (a, b, c)] == [5, 5, 5]


def test_many_lines_are_returned_in_primary_key_order(monkeypatch):
    product = ProductFactory(variants=[{"name": n, "price": 1000, "stock": 0} for n in ("a", "b")])
    a, b = product.variants.order_by("pk")
    returned, real = [], stock.stock_return

    def spy(*, variant_id, quantity):
        returned.append(variant_id)
        return real(variant_id=variant_id, quantity=quantity)

    monkeypatch.setattr(stock, "stock_return", spy)
    stock.stock_return_many(items=[(b.pk, 2), (a.pk, 1)])
    assert returned == [a.pk, b.pk]
    assert [stock_of(v) for v in (a, b)] == [1, 2]


def test_after_commit_the_product_is_sold_out_and_back(django_capture_on_commit_callbacks):
    product = ProductFactory(variants=[{"name": "5kg", "price": 25000, "stock": 2, "low_stock_threshold": 1}])
    member = MembershipFactory(vendor=product.vendor, role="staff").user
    variant = product.variants.get()
    assert product.in_stock
    with django_capture_on_commit_callbacks(execute=True):
        stock.stock_take_many(items=[(variant.pk, 2)])
        # Until the take commits, the product still shows as in stock.
        assert Product.objects.get(pk=product.pk).in_stock
    assert Product.objects.sold_out().filter(pk=product.pk).exists()
    assert Notification.objects.filter(user=member, title__contains="재고 부족").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        stock.stock_return_many(items=[(variant.pk, 2)])
    assert not Product.objects.sold_out().filter(pk=product.pk).exists()
    # Going back up crosses no threshold downwards: no second notice.
    assert Notification.objects.filter(user=member, title__contains="재고 부족").count() == 1


def test_a_sale_refreshes_only_whether_the_product_is_in_stock(django_assert_num_queries, monkeypatch):
    from ddasum import page_cache

    product = ProductFactory(variants=[{"name": "기본", "price": 9000, "stock": 2}])
    variant = product.variants.get()
    bumps = []
    monkeypatch.setattr(page_cache, "version_bump", lambda: bumps.append(1))
    Product.objects.filter(pk=product.pk).update(search_grams="kept", description_html="<p>kept</p>")
    ProductVariant.objects.filter(pk=variant.pk).update(stock=1)
    with django_assert_num_queries(1):  # one UPDATE, which writes nothing while it stays in stock
        assert catalog_services.product_stock_refresh(product_id=product.pk) is False
    assert bumps == []
    ProductVariant.objects.filter(pk=variant.pk).update(stock=0)
    assert catalog_services.product_stock_refresh(product_id=product.pk) is True
    product.refresh_from_db()
    assert product.in_stock is False and bumps == [1]
    assert (product.search_grams, product.description_html) == ("kept", "<p>kept</p>")  # nothing else rewritten
    ProductVariant.objects.filter(pk=variant.pk).update(stock=3)
    assert catalog_services.product_stock_refresh(product_id=product.pk) is True
    assert Product.objects.get(pk=product.pk).in_stock is True and bumps == [1, 1]


def test_a_sale_that_leaves_the_option_buyable_writes_nothing_to_the_product(django_capture_on_commit_callbacks,
                                                                               django_assert_num_queries):
    """Only the sale of an option's last units can flip the product's in_stock; the others skip the UPDATE."""
    product = ProductFactory(variants=[{"name": "기본", "price": 9000, "stock": 3}])
    variant = product.variants.get()
    with django_capture_on_commit_callbacks(execute=True) as follow_ups:
        stock.stock_take_many(items=[(variant.pk, 2)])
    with django_assert_num_queries(1):  # the variant read; no product UPDATE
        stock.stock_taken(items=[(variant.pk, 0)])
    assert len(follow_ups) == 1 and Product.objects.get(pk=product.pk).in_stock is True
    with django_capture_on_commit_callbacks(execute=True):
        stock.stock_take_many(items=[(variant.pk, 1)])  # the last one
    assert Product.objects.get(pk=product.pk).in_stock is False
