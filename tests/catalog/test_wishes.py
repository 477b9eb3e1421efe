"""찜: a plain form POST that works without JavaScript, JSON for the enhanced heart, the list and the count."""
import pytest
from django.urls import reverse

from catalog.models import Product, ProductStatus, Wish
from catalog.wishes import wish_set
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_wish_set_is_idempotent_and_keeps_the_count(user):
    product = ProductFactory()
    assert wish_set(user=user, product_id=product.pk, wished=True) is True
    assert wish_set(user=user, product_id=product.pk, wished=True) is True
    wish_set(user=UserFactory(), product_id=product.pk, wished=True)
    product.refresh_from_db()
    assert product.wish_count == 2 == Wish.objects.filter(product=product).count()
    assert wish_set(user=user, product_id=product.pk, wished=False) is False
    assert wish_set(user=user, product_id=product.pk, wished=False) is False
    product.refresh_from_db()
    assert product.wish_count == 1 == Wish.objects.filter(product=product).count()


def test_a_product_not_on_sale_cannot_be_wished(user):
    product = ProductFactory()
    Product.objects.filter(pk=product.pk).update(status=ProductStatus.HIDDEN)
    with pytest.raises(Product.DoesNotExist):
        wish_set(user=user, product_id=product.pk, wished=True)


def test_heart_form_post_without_js_redirects_back_and_shows_state(client, user):
    product = ProductFactory()
    url = reverse("catalog:wish", args=[product.pk])
    response = client.post(url, {"wish": "1", "next": product.get_absolute_url()})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    client.force_login(user)
    response = client.post(url, {"wish": "1", "next": product.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    html = client.get(product.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in html and 'data-testid="wish-count">1<' in html
    assert product.name in client.get(reverse("catalog:wishlist")).content.decode()
    client.post(url, {"wish": "0", "next": "https://evil.example/"})
    assert not Wish.objects.exists()


def test_heart_answers_json_for_fetch(client, user):
    product = ProductFactory()
    url = reverse("catalog:wish", args=[product.pk])
    assert client.post(url, {"wish": "1"}, headers={"accept": "application/json"}).status_code == 401
    client.force_login(user)
    response = client.post(url, {"wish": "1"}, headers={"accept": "application/json"})
    assert response.json() == {"wished": True, "count": 1}
    assert client.get(url).status_code == 405
    assert client.post(reverse("catalog:wish", args=[999999]), {"wish": "1"}).status_code == 404


def test_cards_show_the_heart_state_in_one_query(client, user, django_assert_max_num_queries):
    products = [ProductFactory() for _ in range(5)]
    wish_set(user=user, product_id=products[0].pk, wished=True)
    client.force_login(user)
    html = client.get(reverse("catalog:products")).content.decode()
    assert html.count('data-testid="wish-form"') == 5 and html.count('aria-pressed="true"') == 1


def test_wishlist_is_the_members_own(client, user):
    mine, theirs = ProductFactory(name="내가 찜한 쌀"), ProductFactory(name="남이 찜한 쌀")
    wish_set(user=user, product_id=mine.pk, wished=True)
    wish_set(user=UserFactory(), product_id=theirs.pk, wished=True)
    assert client.get(reverse("catalog:wishlist")).status_code == 302
    client.force_login(user)
    html = client.get(reverse("catalog:wishlist")).content.decode()
    assert "내가 찜한 쌀" in html and "남이 찜한 쌀" not in html
