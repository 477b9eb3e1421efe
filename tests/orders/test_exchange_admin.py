"""The vendor's exchange steps (/partner/exchanges/…) and the block the Claim admin's change form includes."""
import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from catalog.models import ShippingPolicy
from orders.models import ClaimReason, ClaimStatus, ExchangeFeeStatus, VendorOrderStatus
from orders.services.claims import claim_accept, claim_collect
from orders.services.exchanges import exchange_request
from tests.factories import ProductFactory, place_order
from tests.otp import otp_login

from .helpers import put

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(vendor, buyer, owner):
    ShippingPolicy.objects.create(vendor=vendor, exchange_fee=6000)
    product = ProductFactory(vendor=vendor, variants=[{"name": "S", "price": 10000, "stock": 10},
                                                      {"name": "M", "price": 10000, "stock": 10}])
    order = place_order(items=[(product.variants.get(name="S"), 1)], buyer=buyer, paid=True)
    vendor_order = put(order.vendor_orders.get(), VendorOrderStatus.DELIVERED, delivered_at=timezone.now())
    claim = exchange_request(vendor_order_id=vendor_order.pk, actor=buyer, reason=ClaimReason.OPTION_CHANGE,
                             lines={vendor_order.lines.get().pk: product.variants.get(name="M").pk},
                             fee_payment="enclosed")
    claim_accept(claim.pk, owner)
    claim_collect(claim.pk, owner)
    claim.refresh_from_db()
    return claim


def _url(claim, step):
    return f"/partner/exchanges/{claim.pk}/{step}/"


def test_the_vendor_settles_the_fee_ships_the_replacement_and_completes(client, owner, claim):
    client.force_login(owner)
    block = render_to_string("admin/orders/claim/_exchange_steps.html", {"original": claim})
    assert _url(claim, "fee_received") in block and _url(claim, "reship") in block and "S → <strong>M</strong>" in block
    assert "받았다고 표시하거나 면제해야" in block
    page = client.get(_url(claim, "reship"))
    assert page.status_code == 200 and "송장번호" in page.content.decode()
    response = client.post(_url(claim, "reship"), {"carrier": "cj", "tracking_number": "123456789012"})
    assert "배송비" in response.content.decode()  # refused: the fee first, shown on the form
    assert client.post(_url(claim, "fee_received"), {"note": "동봉 확인"}).status_code == 302
    claim.refresh_from_db()
    assert claim.fee_status == ExchangeFeeStatus.RECEIVED
    assert client.post(_url(claim, "reship"), {"carrier": "cj", "tracking_number": "1234-5678-9012"}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESHIPPED and claim.reship_tracking_number == "123456789012"
    block = render_to_string("admin/orders/claim/_exchange_steps.html", {"original": claim})
    assert _url(claim, "complete") in block and _url(claim, "reship") not in block
    client.post(_url(claim, "complete"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COMPLETED
    response = client.post(_url(claim, "complete"), follow=True)  # once only
    assert "교환 상품을 보낸 뒤에" in response.content.decode()


def test_another_vendor_gets_404_and_changes_nothing(client, other_owner, claim):
    client.force_login(other_owner)
    for step in ("fee_received", "fee_waived", "reship", "complete"):
        assert client.get(_url(claim, step)).status_code == 404
        assert client.post(_url(claim, step), {"carrier": "cj", "tracking_number": "123456789012"}).status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.COLLECTED and claim.fee_status == ExchangeFeeStatus.DUE


def test_the_buyer_and_visitors_cannot_reach_the_steps(client, buyer, claim):
    assert client.get(_url(claim, "reship")).status_code == 302  # to the login
    client.force_login(buyer)
    response = client.post(_url(claim, "complete"))
    assert response.status_code in (302, 403) and claim.__class__.objects.get(pk=claim.pk).status == ClaimStatus.COLLECTED
    assert client.get(_url(claim, "unknown")).status_code in (302, 403, 404)


def test_an_operator_may_take_the_steps(client, operator, claim):
    otp_login(client, operator)
    assert client.post(_url(claim, "fee_waived"), {"note": "불량 확인"}).status_code == 302
    claim.refresh_from_db()
    assert claim.fee_status == ExchangeFeeStatus.WAIVED
    assert claim.events.last().actor == operator


def test_the_claim_admin_page_shows_the_exchange_block_and_the_steps_come_back_to_it(client, owner, claim):
    client.force_login(owner)
    page = client.get(f"/partner/orders/claim/{claim.pk}/change/").content.decode()
    assert 'data-testid="exchange-admin"' in page and _url(claim, "fee_received") in page
    response = client.post(_url(claim, "fee_waived"), {"note": ""})
    assert response["Location"] == f"/partner/orders/claim/{claim.pk}/change/"


def test_rejecting_an_exchange_in_the_claim_admin_gives_the_held_option_back_at_once(client, vendor, buyer, owner):
    from django.urls import reverse

    ShippingPolicy.objects.create(vendor=vendor, exchange_fee=6000)
    product = ProductFactory(vendor=vendor, variants=[{"name": "S", "price": 10000, "stock": 10},
                                                      {"name": "M", "price": 10000, "stock": 10}])
    order = place_order(items=[(product.variants.get(name="S"), 1)], buyer=buyer, paid=True)
    vendor_order = put(order.vendor_orders.get(), VendorOrderStatus.DELIVERED, delivered_at=timezone.now())
    claim = exchange_request(vendor_order_id=vendor_order.pk, actor=buyer, reason=ClaimReason.OPTION_CHANGE,
                             lines={vendor_order.lines.get().pk: product.variants.get(name="M").pk},
                             fee_payment="enclosed")
    medium = product.variants.get(name="M")
    assert medium.stock == 9  # held for the exchange
    client.force_login(owner)
    url = reverse("partner:orders_claim_action", args=[claim.pk, "reject"])
    assert client.post(url, {"reason": "이미 사용한 상품입니다"}).status_code == 302
    claim.refresh_from_db()
    medium.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and medium.stock == 10  # back without waiting for the sweeper
