"""The my-page hub: orders counted by state (linking to the filtered list), shopping links, guest lookup."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import PolicyVersion
from orders.models import OrderStatus, VendorOrder
from orders.models import VendorOrderStatus as V
from orders.selectors.mypage import buyer_state_counts
from tests.factories import ProductFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db


def order_in(buyer, vendor_status=None, *, paid=True):
    variant = ProductFactory().variants.get()
    order = place_order(items=[(variant, 1)], buyer=buyer, paid=paid)
    if vendor_status:
        VendorOrder.objects.filter(order=order).update(status=vendor_status)
    return order


@pytest.fixture
def buyer():
    return UserFactory()


def counts(user):
    return {s["key"]: s["count"] for s in buyer_state_counts(user)}


def test_orders_are_counted_by_the_state_a_shopper_thinks_in(buyer):
    order_in(buyer, paid=False)
    order_in(buyer, V.PAID)
    order_in(buyer, V.PREPARING)
    order_in(buyer, V.SHIPPED)
    order_in(buyer, V.DELIVERED)
    order_in(buyer, V.COMPLETED)
    order_in(buyer, V.RETURN_REQUESTED)
    cancelled = order_in(buyer, paid=False)
    type(cancelled).objects.filter(pk=cancelled.pk).update(status=OrderStatus.CANCELLED)
    order_in(UserFactory(), V.SHIPPED)  # someone else's
    assert counts(buyer) == {"waiting": 1, "paid": 2, "shipping": 1, "delivered": 2, "cancelled": 2}


def test_hub_links_each_state_to_the_filtered_order_list(client, buyer):
    shipped = order_in(buyer, V.SHIPPED)
    delivered = order_in(buyer, V.DELIVERED)
    client.force_login(buyer)
    page = client.get(reverse("mypage:hub")).content.decode()
    assert f'href="{reverse("orders:list")}?state=shipping"' in page
    for name in ("reviews:writable", "reviews:mine", "catalog:wishlist", "catalog:recent", "accounts:mypage", "orders:addresses",
                 "catalog:wish_notices"):
        assert f'href="{reverse(name)}"' in page, name
    listing = client.get(reverse("orders:list") + "?state=shipping").content.decode()
    assert shipped.number in listing and delivered.number not in listing
    assert 'aria-current="page"' in listing
    # An unknown state shows everything rather than failing.
    everything = client.get(reverse("orders:list") + "?state=nope").content.decode()
    assert shipped.number in everything and delivered.number in everything


def test_hub_needs_sign_in_and_header_offers_guests_the_order_lookup(client, buyer):
    response = client.get(reverse("mypage:hub"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("orders:lookup")}"' in home and 'data-testid="guest-lookup"' in home
    client.force_login(buyer)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="guest-lookup"' not in home
    assert f'href="{reverse("mypage:hub")}" data-testid="mypage"' in home


def test_hub_query_count_does_not_grow_with_orders(client, buyer, django_assert_max_num_queries):
    client.force_login(buyer)
    for status in (V.PAID, V.SHIPPED, V.DELIVERED):
        order_in(buyer, status)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("mypage:hub")).status_code == 200
    for status in (V.PAID, V.SHIPPED, V.DELIVERED, V.REFUNDED) * 3:
        order_in(buyer, status)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("mypage:hub")).status_code == 200


def test_hub_tells_a_member_a_policy_changed_since_they_agreed(client, buyer):
    old = PolicyVersion.objects.create(kind="privacy", version="1.0", effective_at=timezone.now() - timedelta(days=90), body="x")
    terms = PolicyVersion.objects.create(kind="terms", version="1.0", effective_at=timezone.now() - timedelta(days=90), body="x")
    type(buyer).objects.filter(pk=buyer.pk).update(terms_version=terms, privacy_version=old)
    client.force_login(buyer)
    assert 'data-testid="policy-changed"' not in client.get(reverse("mypage:hub")).content.decode()
    PolicyVersion.objects.create(kind="privacy", version="1.1", effective_at=timezone.now() - timedelta(days=1), body="y")
    page = client.get(reverse("mypage:hub")).content.decode()
    assert page.count('data-testid="policy-changed"') == 1 and "1.1" in page and reverse("privacy") in page
