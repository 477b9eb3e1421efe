"""The cart (orders.services.cart): the summary by vendor with shipping and VAT, stock limits, merging on login."""
import pytest

from ddasum.money import EXEMPT, TAXABLE
from orders.exceptions import CartError
from orders.models import Cart
from orders.services.cart import cart_line_set, cart_merge, cart_summary
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_summary_groups_by_vendor_with_shipping_and_vat(two_vendor_cart):
    cart, rice, soap = two_vendor_cart
    summary = cart_summary(cart)
    assert len(summary.groups) == 2
    assert summary.items_total == 65000
    assert summary.exempt_total == 50000 and summary.taxable_total == 15000
    assert summary.vat[EXEMPT].vat == 0
    assert summary.vat[TAXABLE].total == 15000 + summary.shipping_total


def test_cart_refuses_more_than_stock_and_merges_on_login(two_vendor_cart):
    cart, rice, soap = two_vendor_cart
    with pytest.raises(CartError) as exc:
        cart_line_set(cart=cart, variant_id=soap.variants.get().pk, quantity=5)
    assert "재고가 3개" in exc.value.message
    user = UserFactory()
    mine = Cart.objects.create(user=user)
    cart_line_set(cart=mine, variant_id=rice.variants.get().pk, quantity=1)
    merged = cart_merge(session_key="s1", user=user)
    assert merged.pk == mine.pk
    assert {(ln.variant.product_id, ln.quantity) for ln in merged.lines.all()} == {(rice.pk, 3), (soap.pk, 1)}
    assert not Cart.objects.filter(session_key="s1").exists()


def test_abandoned_carts_are_purged_by_age_whenever_the_daily_run_comes(rice, settings):
    from datetime import timedelta

    from django.utils import timezone

    from orders.models import CartLine
    from orders.services.cart import buy_now_cart_create, carts_abandoned_purge

    settings.CART_ANONYMOUS_KEEP_DAYS, settings.BUY_NOW_CART_KEEP_HOURS = 30, 24
    now = timezone.now()
    old, recent_line, member = (Cart.objects.create(session_key="old-visitor"),
                                Cart.objects.create(session_key="visitor-still-adding"),
                                Cart.objects.create(user=UserFactory()))
    cart_line_set(cart=recent_line, variant_id=rice.pk, quantity=1)
    buy_now, fresh_buy_now = (buy_now_cart_create(variant_id=rice.pk, quantity=1),
                              buy_now_cart_create(variant_id=rice.pk, quantity=1))
    Cart.objects.filter(pk__in=[old.pk, recent_line.pk, member.pk]).update(updated_at=now - timedelta(days=40))
    Cart.objects.filter(pk=buy_now.pk).update(updated_at=now - timedelta(hours=25))
    CartLine.objects.filter(cart=buy_now).update(added_at=now - timedelta(hours=25))
    # A run missed for weeks deletes the same carts as a run on time; a second run finds nothing.
    assert carts_abandoned_purge(now=now + timedelta(days=1)) == 2
    assert set(Cart.objects.values_list("pk", flat=True)) == {recent_line.pk, member.pk, fresh_buy_now.pk}
    assert carts_abandoned_purge(now=now + timedelta(days=1)) == 0
