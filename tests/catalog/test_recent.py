"""최근 본 상품: the last 20, guests in a signed cookie, members in the database, merged on login."""
import pytest
from django.urls import reverse

from catalog.models import RecentView
from catalog.recent import COOKIE, RECENT_MAX
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def names(client):
    html = client.get(reverse("catalog:recent")).content.decode()
    return html


def test_guest_list_is_newest_first_and_capped(client):
    products = [ProductFactory(name=f"최근 상품 {i:02d}") for i in range(RECENT_MAX + 2)]
    for product in products:
        client.get(product.get_absolute_url())
    client.get(products[3].get_absolute_url())  # seen again: back on top
    html = names(client)
    assert html.find("최근 상품 03") < html.find(f"최근 상품 {RECENT_MAX + 1:02d}")
    assert "최근 상품 00" not in html and "최근 상품 01" not in html
    assert not RecentView.objects.exists()


def test_a_tampered_cookie_is_ignored(client):
    product = ProductFactory(name="몰래 넣은 상품")
    client.cookies[COOKIE] = f"{product.pk}"
    assert "몰래 넣은 상품" not in names(client)


def test_member_list_is_kept_in_the_database_and_the_guest_list_joins_it_on_login(client, user):
    seen_as_guest, seen_as_member = ProductFactory(name="손님으로 본 쌀"), ProductFactory(name="회원으로 본 쌀")
    client.get(seen_as_guest.get_absolute_url())
    client.force_login(user)
    client.get(seen_as_member.get_absolute_url())
    assert set(RecentView.objects.filter(user=user).values_list("product_id", flat=True)) == {
        seen_as_guest.pk, seen_as_member.pk}
    html = names(client)
    assert html.find("회원으로 본 쌀") < html.find("손님으로 본 쌀")
    assert client.cookies[COOKIE].value == ""  # merged and dropped


def test_member_list_keeps_only_the_last_twenty(client, user):
    client.force_login(user)
    for product in [ProductFactory() for _ in range(RECENT_MAX + 3)]:
        client.get(product.get_absolute_url())
    assert RecentView.objects.filter(user=user).count() == RECENT_MAX


def test_recent_page_is_linked_from_the_mypage(client, user):
    client.force_login(user)
    assert reverse("catalog:recent") in client.get(reverse("accounts:mypage")).content.decode()
