"""The buyer's exchange pages: choose → preview (fee, difference) → confirm; the order page's steps and links."""
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ShippingPolicy
from orders.models import Claim, ClaimStatus, VendorOrderStatus
from orders.services.claims import claim_accept, claim_collect
from orders.services.exchanges import exchange_complete, exchange_fee_settle, exchange_reship
from tests.factories import ProductFactory, UserFactory, place_order

from .helpers import put

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(vendor):
    ShippingPolicy.objects.create(vendor=vendor, exchange_fee=6000)
    return ProductFactory(vendor=vendor, name="면 티셔츠", variants=[
        {"name": "S", "price": 10000, "stock": 10}, {"name": "M", "price": 10000, "stock": 3},
        {"name": "L", "price": 12000, "stock": 10}, {"name": "XS", "price": 8000, "stock": 1},
    ])


@pytest.fixture
def delivered(product, buyer):
    order = place_order(items=[(product.variants.get(name="S"), 2)], buyer=buyer, paid=True)
    return put(order.vendor_orders.get(), VendorOrderStatus.DELIVERED, delivered_at=timezone.now())


def _url(vo):
    return f"/orders/{vo.order.number}/{vo.pk}/exchange/"


def _choice(vo, product, name, **extra):
    line = vo.lines.get()
    return {"line": line.pk, f"option-{line.pk}": product.variants.get(name=name).pk, "reason": "option_change",
            "detail": "한 치수 크게", **extra}


def test_the_order_page_offers_an_exchange_and_the_choice_shows_only_fitting_options(client, buyer, delivered,
                                                                                      product):
    client.force_login(buyer)
    page = client.get(delivered.order.get_absolute_url()).content.decode()
    assert _url(delivered) in page and "교환 신청" in page
    page = client.get(_url(delivered)).content.decode()
    assert ">M<" in page  # the same price: no difference
    assert "XS (차액" not in page  # 1 left, the line is 2
    assert ">L" not in page  # dearer: not offered
    assert "반품한 뒤 새로 주문" in page


def test_preview_shows_the_fee_and_how_to_pay_then_confirm_asks(client, buyer, delivered, product, owner):
    client.force_login(buyer)
    page = client.post(_url(delivered), {"step": "preview", **_choice(delivered, product, "M")}).content.decode()
    assert 'data-testid="exchange-preview"' in page and "6,000원" in page and "동봉" in page
    assert "송금" in page  # the factory's vendor has its account on file
    assert not Claim.objects.exists()  # nothing saved before the confirmation
    response = client.post(_url(delivered), {"step": "confirm", "fee_payment": "enclosed",
                                             **_choice(delivered, product, "M")})
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.REQUESTED and claim.return_fee == 6000 and claim.fee_payment == "enclosed"
    page = client.get(delivered.order.get_absolute_url()).content.decode()
    assert claim.number in page and "S → <strong>M</strong>" in page and "회수 상자에 동봉해 주세요" in page


def test_a_dearer_option_posted_anyway_is_refused_with_the_reason(client, buyer, delivered, product):
    client.force_login(buyer)
    response = client.post(_url(delivered), {"step": "confirm", "fee_payment": "enclosed",
                                             **_choice(delivered, product, "L")}, follow=True)
    assert "반품하신 뒤" in response.content.decode()
    assert not Claim.objects.exists()


def test_the_order_page_shows_the_steps_and_both_tracking_links(client, buyer, delivered, product, owner):
    client.force_login(buyer)
    client.post(_url(delivered), {"step": "confirm", "fee_payment": "enclosed", **_choice(delivered, product, "M")})
    claim = Claim.objects.get()
    claim_accept(claim.pk, owner, pickup_carrier="cj", pickup_tracking_number="111122223333")
    claim_collect(claim.pk, owner)
    exchange_fee_settle(claim_id=claim.pk, actor=owner)
    exchange_reship(claim_id=claim.pk, actor=owner, carrier="hanjin", tracking_number="555566667777")
    page = client.get(delivered.order.get_absolute_url()).content.decode()
    assert "wblNo=111122223333" in page and "wblnum=555566667777" in page
    assert 'aria-current="step">교환 상품 발송' in page
    exchange_complete(claim_id=claim.pk, actor=owner)
    page = client.get(delivered.order.get_absolute_url()).content.decode()
    assert "면 티셔츠 · M" in page  # the line reads the new option


def test_withdraw_gives_the_option_back(client, buyer, delivered, product):
    client.force_login(buyer)
    client.post(_url(delivered), {"step": "confirm", "fee_payment": "enclosed", **_choice(delivered, product, "M")})
    claim = Claim.objects.get()
    assert product.variants.get(name="M").stock == 1
    client.post(f"/orders/{delivered.order.number}/exchanges/{claim.pk}/withdraw/")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN and product.variants.get(name="M").stock == 3


def test_another_member_gets_404_and_an_old_delivery_is_refused(client, buyer, delivered, product):
    client.force_login(UserFactory())
    assert client.get(_url(delivered)).status_code == 404
    assert client.post(_url(delivered), {"step": "confirm", **_choice(delivered, product, "M")}).status_code == 404
    client.force_login(buyer)
    client.post(_url(delivered), {"step": "confirm", "fee_payment": "enclosed", **_choice(delivered, product, "M")})
    claim = Claim.objects.get()
    client.force_login(UserFactory())
    assert client.post(f"/orders/{delivered.order.number}/exchanges/{claim.pk}/withdraw/").status_code == 404
    client.force_login(buyer)
    put(delivered, VendorOrderStatus.DELIVERED, delivered_at=timezone.now() - timedelta(days=30))
    response = client.get(_url(delivered), follow=True)
    assert "교환 신청 기간" in response.content.decode()


def test_the_order_page_reads_exchanges_in_a_fixed_number_of_queries(client, buyer, vendor, product):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shirts = [ProductFactory(vendor=vendor, variants=[{"name": "S", "price": 10000, "stock": 10},
                                                      {"name": "M", "price": 10000, "stock": 10}]) for _n in range(3)]
    order = place_order(items=[(p.variants.get(name="S"), 1) for p in shirts], buyer=buyer, paid=True)
    vendor_order = put(order.vendor_orders.get(), VendorOrderStatus.DELIVERED, delivered_at=timezone.now())
    client.force_login(buyer)
    lines = list(vendor_order.lines.order_by("pk"))

    def ask(line, shirt):
        client.post(_url(vendor_order), {"step": "confirm", "fee_payment": "enclosed", "line": line.pk,
                                         f"option-{line.pk}": shirt.variants.get(name="M").pk,
                                         "reason": "option_change"})

    def count():
        client.get(order.get_absolute_url())  # the flash messages of the requests are read here
        with CaptureQueriesContext(connection) as queries:
            assert client.get(order.get_absolute_url()).status_code == 200
        return len(queries)

    ask(lines[0], shirts[0])
    one = count()
    ask(lines[1], shirts[1])
    ask(lines[2], shirts[2])
    assert Claim.objects.count() == 3
    assert count() == one


def test_a_guest_exchanges_from_the_session_that_looked_the_order_up(client, product):
    order = place_order(items=[(product.variants.get(name="S"), 2)], paid=True)
    vendor_order = put(order.vendor_orders.get(), VendorOrderStatus.DELIVERED, delivered_at=timezone.now())
    assert client.get(_url(vendor_order)).status_code == 404  # not this browser's order yet
    session = client.session
    session["orders_lookup"] = [order.number]  # what the guest lookup leaves (selectors.access)
    session.save()
    response = client.post(_url(vendor_order), {"step": "confirm", "fee_payment": "enclosed",
                                                **_choice(vendor_order, product, "M")})
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.requested_by is None and claim.order_id == order.pk
    client.post(f"/orders/{order.number}/exchanges/{claim.pk}/withdraw/")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN
