"""The claim pages: the buyer's preview → confirm, the order page, the partner and operator admins; strangers get 404."""
import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ShippingPolicy
from orders.models import (
    Claim,
    ClaimReason,
    ClaimStatus,
    OrderLineState,
    PaymentMethod,
    RefundStatus,
    VendorOrderStatus,
)
from orders.services.returns import claim_return_request
from tests.factories import ProductFactory, UserFactory, place_order
from tests.otp import otp_login

from .helpers import put, success

pytestmark = pytest.mark.django_db

V = VendorOrderStatus


@pytest.fixture
def paid(client, gateway, vendor, buyer, django_capture_on_commit_callbacks):
    """`buyer` paid by card for 2 × 현미 (20,000 each) and 1 × 비누 (10,000): 50,000, free shipping (threshold 50,000)."""
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=50000, return_fee=3000)
    rice = ProductFactory(vendor=vendor, name="현미", variants=[{"name": "5kg", "price": 20000, "stock": 20}])
    soap = ProductFactory(vendor=vendor, name="비누", variants=[{"name": "3개", "price": 10000, "stock": 20}])
    order = place_order(items=[(rice.variants.get(), 2), (soap.variants.get(), 1)], buyer=buyer,
                        payment_method=PaymentMethod.CARD)
    with django_capture_on_commit_callbacks(execute=True):
        success(client, order)
    client.logout()
    order.refresh_from_db()
    return order


def _soap(order):
    return order.vendor_orders.get().lines.get(product_name="비누")


def _url(order, kind):
    vo = order.vendor_orders.get()
    return reverse("orders:claim_start", args=[order.number, vo.pk, kind])


def test_buyer_previews_then_confirms_a_partial_cancel(client, paid, buyer, django_capture_on_commit_callbacks):
    client.force_login(buyer)
    soap = _soap(paid)
    page = client.get(_url(paid, "cancel"))
    assert page.status_code == 200 and "비누" in page.content.decode()
    preview = client.post(_url(paid, "cancel"), {"lines": [soap.pk], "reason": ClaimReason.CHANGE_OF_MIND,
                                                 "step": "preview"})
    html = preview.content.decode()
    # 40,000 left: under 50,000, the free shipping is charged back: 10,000 − 3,000.
    assert 'data-testid="claim-preview"' in html and "7,000원" in html and "3,000원" in html
    assert not Claim.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(_url(paid, "cancel"), {"lines": [soap.pk], "reason": ClaimReason.CHANGE_OF_MIND,
                                                  "step": "confirm"})
    assert done.status_code == 302
    claim = Claim.objects.get()
    assert (claim.refund_amount, claim.refund_status) == (7000, RefundStatus.DONE)
    order_page = client.get(paid.get_absolute_url()).content.decode()
    assert claim.number in order_page and 'data-testid="line-state"' in order_page and "7,000원" in order_page


def test_buyer_returns_a_line_and_withdraws(client, paid, buyer):
    put(paid.vendor_orders.get(), V.DELIVERED, delivered_at=timezone.now())
    client.force_login(buyer)
    soap = _soap(paid)
    preview = client.post(_url(paid, "return"), {"lines": [soap.pk], "reason": ClaimReason.CHANGE_OF_MIND,
                                                 "step": "preview"}).content.decode()
    # Buyer's fault, under the free-shipping line once returned: the one-way fee and the original fee.
    assert 'data-testid="claim-return-fee"' in preview and "6,000원" in preview and "4,000원" in preview
    client.post(_url(paid, "return"), {"lines": [soap.pk], "reason": ClaimReason.CHANGE_OF_MIND, "step": "confirm"})
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.REQUESTED and claim.refund_amount == 4000
    client.post(reverse("orders:claim_withdraw", args=[paid.number, claim.pk]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN
    soap.refresh_from_db()
    assert soap.state == OrderLineState.ORDERED and soap.open_claim_id is None


def test_another_buyer_gets_404_on_claim_pages_and_actions(client, paid, buyer):
    put(paid.vendor_orders.get(), V.DELIVERED)
    claim = claim_return_request(vendor_order_id=paid.vendor_orders.get().pk, line_ids=[_soap(paid).pk], actor=buyer,
                                 reason=ClaimReason.DEFECT)
    client.force_login(UserFactory())
    assert client.get(_url(paid, "return")).status_code == 404
    assert client.post(_url(paid, "return"), {"lines": [_soap(paid).pk], "reason": "defect",
                                              "step": "confirm"}).status_code == 404
    assert client.post(reverse("orders:claim_withdraw", args=[paid.number, claim.pk])).status_code == 404
    client.logout()
    assert client.get(_url(paid, "cancel")).status_code == 404
    assert Claim.objects.get().status == ClaimStatus.REQUESTED


# --- the admins ------------------------------------------------------------------------------------------


@pytest.fixture
def requested(paid, buyer):
    put(paid.vendor_orders.get(), V.DELIVERED, delivered_at=timezone.now())
    return claim_return_request(vendor_order_id=paid.vendor_orders.get().pk, line_ids=[_soap(paid).pk], actor=buyer,
                                reason=ClaimReason.CHANGE_OF_MIND)


def _action(site, claim, name):
    return reverse(f"{site}:orders_claim_action", args=[claim.pk, name])


def test_the_vendor_takes_a_return_through_its_steps_in_the_partner_admin(client, requested, owner, gateway,
                                                                          django_capture_on_commit_callbacks):
    client.force_login(owner)
    assert requested.number in client.get(reverse("partner:orders_claim_changelist")).content.decode()
    page = client.get(reverse("partner:orders_claim_change", args=[requested.pk])).content.decode()
    assert 'data-step="accept"' in page and 'data-step="reject"' in page and "6,000원" in page
    client.post(_action("partner", requested, "accept"), {"pickup_carrier": "cj",
                                                          "pickup_tracking_number": "123456789012"})
    client.post(_action("partner", requested, "collect"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_action("partner", requested, "refund"))
    requested.refresh_from_db()
    assert (requested.status, requested.refund_status) == (ClaimStatus.COMPLETED, RefundStatus.DONE)
    vo_page = client.get(reverse("partner:orders_vendororder_change", args=[requested.vendor_order_id])).content.decode()
    assert requested.number in vo_page and "4,000원" in vo_page


def test_reject_needs_a_reason_in_the_admin(client, requested, owner):
    client.force_login(owner)
    page = client.post(_action("partner", requested, "reject"), {"reason": ""})
    assert page.status_code == 200
    client.post(_action("partner", requested, "reject"), {"reason": "사용한 흔적이 있습니다"})
    requested.refresh_from_db()
    assert requested.status == ClaimStatus.REJECTED


def test_another_vendor_gets_404_on_the_claim_and_its_steps(client, requested, other_owner):
    client.force_login(other_owner)
    assert requested.number not in client.get(reverse("partner:orders_claim_changelist")).content.decode()
    assert client.get(reverse("partner:orders_claim_change", args=[requested.pk])).status_code == 404
    for name in ("accept", "collect", "refund", "reject"):
        assert client.post(_action("partner", requested, name), {"reason": "x"}).status_code == 404
    vo = requested.vendor_order
    assert client.get(reverse("partner:orders_claim_cancel_lines", args=[vo.pk])).status_code == 404
    requested.refresh_from_db()
    assert requested.status == ClaimStatus.REQUESTED


def test_the_vendor_cancels_an_out_of_stock_line_from_its_admin(client, paid, owner, gateway,
                                                               django_capture_on_commit_callbacks):
    client.force_login(owner)
    vo = paid.vendor_orders.get()
    url = reverse("partner:orders_claim_cancel_lines", args=[vo.pk])
    data = {"lines": [_soap(paid).pk], "reason": ClaimReason.OUT_OF_STOCK, "detail": "재고 부족"}
    assert "10,000원" in client.post(url, {**data, "step": "preview"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**data, "step": "confirm"}).status_code == 302
    claim = Claim.objects.get()
    assert claim.refund_amount == 10000 and claim.refund_status == RefundStatus.DONE


def test_the_operator_sees_a_failed_refund_and_sends_it_again(client, paid, buyer, operator, gateway,
                                                             django_capture_on_commit_callbacks):
    from orders.services.returns import claim_cancel

    gateway.queue("decline")
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_cancel(vendor_order_id=paid.vendor_orders.get().pk, line_ids=[_soap(paid).pk], actor=buyer,
                             reason=ClaimReason.CHANGE_OF_MIND)
    claim.refresh_from_db()
    assert claim.refund_status == RefundStatus.FAILED
    otp_login(client, operator)
    listing = client.get(reverse("admin:orders_claim_changelist"), {"refund_status": "failed"}).content.decode()
    assert claim.number in listing and "취소할 수 없는 결제" in listing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_action("admin", claim, "retry_refund"))
    claim.refresh_from_db()
    assert claim.refund_status == RefundStatus.DONE


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_claim_lists_and_the_order_page_run_a_fixed_number_of_queries(client, paid, buyer, owner, operator):
    from orders.services.returns import claim_cancel

    vo = paid.vendor_orders.get()
    first, *rest = vo.lines.order_by("pk")
    claim_cancel(vendor_order_id=vo.pk, line_ids=[first.pk], actor=owner, reason=ClaimReason.OUT_OF_STOCK)
    pages = [(lambda: client.force_login(owner), reverse("partner:orders_claim_changelist")),
             (lambda: otp_login(client, operator), reverse("admin:orders_claim_changelist")),
             (lambda: client.force_login(buyer), paid.get_absolute_url())]
    before = []
    for log_in, url in pages:
        log_in()
        before.append(_queries(client, url))
    for line in rest:  # more claims: the pages grow, the queries do not
        claim_cancel(vendor_order_id=vo.pk, line_ids=[line.pk], actor=owner, reason=ClaimReason.OUT_OF_STOCK)
    after = []
    for log_in, url in pages:
        log_in()
        after.append(_queries(client, url))
    assert after == before
