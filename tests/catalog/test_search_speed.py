"""Search speed: the count stops at a cap, and the first page of a repeated search is kept briefly."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import search
from catalog.models import ProductStatus
from catalog.services import product_action
from tests.factories import MembershipFactory, ProductFactory, UserFactory, category

pytestmark = pytest.mark.django_db


def result_count(response) -> str:
    return response.content.decode().split('data-testid="result-count">')[1].split("</p>")[0]


def test_a_search_stops_counting_at_the_cap(client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for n in range(5):
        ProductFactory(name=f"해남 배추 {n}", category=category("fruit-vegetables"))
    assert result_count(client.get("/search/?q=배추")) == "3개 이상"
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    assert result_count(Client().get("/search/?q=배추&sort=price_asc")) == "5개 상품"


def test_a_repeated_search_reads_its_first_page_from_the_cache_but_the_cards_fresh(user):
    rice = [ProductFactory(name=f"홍성 현미 {n}", category=category("rice-grains")) for n in range(3)]
    member = Client()
    member.force_login(user)  # signed in: no page cache, the search's own cache only
    member.get("/search/?q=현미")  # first asked
    member.get("/search/?q=현미")  # asked again: kept
    with CaptureQueriesContext(connection) as ctx:
        page = member.get("/search/?q=현미").content.decode()
    assert page.count('data-testid="product-card"') == 3
    # The count was kept too: no query counts products (the header counts notifications and cart lines).
    assert not any("COUNT(" in q["sql"] and "catalog_product" in q["sql"] for q in ctx.captured_queries)
    # A product hidden meanwhile drops out at once (the catalogue version moved).
    product_action(product_id=rice[0].pk, action="hide", actor=MembershipFactory(vendor=rice[0].vendor).user)
    rice[0].refresh_from_db()
    assert rice[0].status == ProductStatus.HIDDEN
    page = member.get("/search/?q=현미").content.decode()
    assert page.count('data-testid="product-card"') == 2 and rice[0].name not in page


def test_the_kept_first_page_reads_products_on_sale_now(monkeypatch, user):
    """Even under the same version, a card whose product left the shop is not shown."""
    product = ProductFactory(name="아산 배 5kg", category=category("fruit-vegetables"))
    member = Client()
    member.force_login(UserFactory())
    member.get("/search/?q=배")
    member.get("/search/?q=배")
    from catalog.models import Product

    Product.objects.filter(pk=product.pk).update(status=ProductStatus.HIDDEN)  # no signal, same version
    assert "아산 배 5kg" not in member.get("/search/?q=배").content.decode()

