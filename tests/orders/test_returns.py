"""Per-line cancels and returns (orders.services.returns) with the fake PG: money, stock, statuses, documents."""
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ShippingPolicy
from notifications.models import Message
from orders.exceptions import InvalidTransition, NotAllowed, OrderError
from orders.models import (
    ClaimKind,
    ClaimReason,
    ClaimStatus,
    OrderLineState,
    OrderStatus,
    Payment,
    PaymentMethod,
    RefundStatus,
    VendorOrder,
    VendorOrderStatus,
)
from orders.services.actions import vendor_order_complete, vendor_orders_auto_complete
from orders.services.claims import claim_accept, claim_collect
from orders.services.payments import payment_start
from orders.services.returns import claim_cancel, claim_preview, claim_return_refund, claim_return_request
from tests.factories import ProductFactory, UserFactory, image_bytes, place_order, upload

from .helpers import put, stock, success

pytestmark = pytest.mark.django_db

V = VendorOrderStatus
MIND = ClaimReason.CHANGE_OF_MIND


@pytest.fixture
def goods(vendor):
    """`vendor` ships for 3,000 (free from 50,000; return fee 3,000): rice 30,000 (exempt) and soap 10,000."""
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=50000, return_fee=3000)
    rice = ProductFactory(vendor=vendor, name="현미", variants=[{"name": "5kg", "price": 30000, "stock": 20}])
    rice.tax_type = "exempt"
    rice.save(update_fields=["tax_type"])
    soap = ProductFactory(vendor=vendor, name="비누", variants=[{"name": "3개", "price": 10000, "stock": 20}])
    return rice.variants.get(), soap.variants.get()


@pytest.fixture
def card_paid(client, gateway, goods, buyer, django_capture_on_commit_callbacks):
    """`buyer` paid by card: 2 × rice (60,000, free shipping) + 1 × soap (10,000) = 70,000."""
    rice, soap = goods
    order = place_order(items=[(rice, 2), (soap, 1)], buyer=buyer, payment_method=PaymentMethod.CARD)
    with django_capture_on_commit_callbacks(execute=True):
        assert success(client, order).status_code in (200, 302)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.total == 70000
    return order


def _lines(order):
    vo = order.vendor_orders.get()
    return vo, {ln.product_name: ln for ln in vo.lines.all()}


def _cancel_requests(gateway):
    return [r for r in gateway.requests if r.path.endswith("/cancel")]


# --- cancels -----------------------------------------------------------------------------------------


def test_buyer_cancels_one_line_refunded_through_the_pg_with_its_tax_free_part(
        card_paid, buyer, gateway, goods, django_capture_on_commit_callbacks):
    vo, lines = _lines(card_paid)
    rice_stock = stock(goods[0])
    preview = claim_preview(vendor_order=vo, line_ids=[lines["현미"].pk], kind=ClaimKind.CANCEL, reason=MIND)
    # 10,000 of soap left: under 50,000, so the free shipping is charged back.
    assert (preview.items_amount, preview.shipping_charge, preview.refund_amount) == (60000, 3000, 57000)
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["현미"].pk], actor=buyer, reason=MIND)
    claim.refresh_from_db()
    assert (claim.kind, claim.status, claim.refund_status) == (ClaimKind.CANCEL, ClaimStatus.COMPLETED, RefundStatus.DONE)
    assert (claim.refund_amount, claim.tax_free_amount, claim.shipping_charge) == (57000, 57000, 3000)
    [cancel] = _cancel_requests(gateway)
    assert cancel.body == {"cancelReason": f"취소 {claim.number}", "cancelAmount": 57000, "taxFreeAmount": 57000}
    payment = Payment.objects.get(order=card_paid)
    assert (payment.cancelled_amount, payment.status) == (57000, "partial_cancelled")
    vo.refresh_from_db()
    assert vo.status == V.PAID and vo.refunded_amount == 57000 and vo.refunded_items == 60000
    assert stock(goods[0]) == rice_stock + 2 and stock(goods[1]) == 19  # only the cancelled line's stock
    lines["현미"].refresh_from_db()
    assert lines["현미"].state == OrderLineState.CANCELLED and lines["현미"].open_claim_id is None
    assert Message.objects.filter(user=buyer, kind="order_cancelled").exists()
    assert Message.objects.filter(user=buyer, kind="order_refunded").exists()


def test_cancelling_every_line_cancels_the_vendor_order_and_the_order_and_gives_shipping_back(
        card_paid, buyer, gateway, django_capture_on_commit_callbacks):
    vo, lines = _lines(card_paid)
    with django_capture_on_commit_callbacks(execute=True):
        first = claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=buyer, reason=MIND)
    with django_capture_on_commit_callbacks(execute=True):
        last = claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["현미"].pk], actor=buyer, reason=MIND)
    first.refresh_from_db()
    last.refresh_from_db()
    assert first.refund_amount == 10000 and last.refund_amount == 60000
    vo.refresh_from_db()
    card_paid.refresh_from_db()
    assert vo.status == V.CANCELLED and card_paid.status == OrderStatus.CANCELLED
    assert vo.refunded_amount == 70000 == Payment.objects.get(order=card_paid).cancelled_amount
    assert len({r.headers["Idempotency-Key"] for r in _cancel_requests(gateway)}) == 2


def test_vendor_cancels_an_out_of_stock_line(card_paid, owner, gateway, django_capture_on_commit_callbacks):
    vo, lines = _lines(card_paid)
    put(vo, V.PREPARING)
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=owner,
                             reason=ClaimReason.OUT_OF_STOCK, reason_detail="재고가 떨어졌습니다")
    claim.refresh_from_db()
    assert claim.refund_amount == 10000 and claim.shipping_charge == 0 and claim.refund_status == RefundStatus.DONE
    assert claim.events.get(to_status="completed").actor == owner


def test_no_cancel_after_shipping_or_by_strangers(card_paid, buyer, other_owner):
    vo, lines = _lines(card_paid)
    with pytest.raises(NotAllowed):
        claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=other_owner, reason=MIND)
    with pytest.raises(NotAllowed):
        claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=UserFactory(), reason=MIND)
    put(vo, V.SHIPPED)
    with pytest.raises(InvalidTransition):
        claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=buyer, reason=MIND)
    assert not vo.claims.exists()


def test_a_line_of_another_vendor_order_or_already_cancelled_is_refused(card_paid, buyer, gateway, vo):
    mine, lines = _lines(card_paid)
    with pytest.raises(OrderError):
        claim_cancel(vendor_order_id=mine.pk, line_ids=[vo.lines.get().pk], actor=buyer, reason=MIND)
    claim_cancel(vendor_order_id=mine.pk, line_ids=[lines["비누"].pk], actor=buyer, reason=MIND)
    with pytest.raises(OrderError):
        claim_cancel(vendor_order_id=mine.pk, line_ids=[lines["비누"].pk], actor=buyer, reason=MIND)


def test_an_unpaid_bank_transfer_order_just_owes_less(goods, buyer):
    rice, soap = goods
    order = place_order(items=[(rice, 1), (soap, 1)], buyer=buyer)  # 40,000 + 3,000 shipping
    payment_start(order_id=order.pk)
    vo, lines = _lines(order)
    claim = claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=buyer, reason=MIND)
    assert claim.refund_status == RefundStatus.NONE
    order.refresh_from_db()
    vo.refresh_from_db()
    assert (order.total, order.items_total, vo.total, vo.items_total) == (33000, 30000, 33000, 30000)
    assert order.payments.get().amount == 33000
    assert stock(soap) == 20


# --- returns -------------------------------------------------------------------------------------------


def test_a_return_with_the_fee_deducted_through_every_step(card_paid, buyer, owner, gateway,
                                                           django_capture_on_commit_callbacks):
    vo, lines = _lines(card_paid)
    put(vo, V.DELIVERED, delivered_at=timezone.now())
    preview = claim_preview(vendor_order=vo, line_ids=[lines["비누"].pk], kind=ClaimKind.RETURN, reason=MIND)
    # 60,000 of rice stays: still free shipping, so only the one-way fee.
    assert (preview.return_fee, preview.refund_amount) == (3000, 7000)
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_return_request(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=buyer, reason=MIND,
                                     reason_detail="생각보다 커요",
                                     photos=[upload("box.png", image_bytes("PNG"), "image/png")])
    assert Message.objects.filter(user=owner, kind="vendor_return_requested").exists()
    assert claim.events.get().to_status == ClaimStatus.REQUESTED
    with pytest.raises(InvalidTransition):  # no 구매 확정 while the return is open
        vendor_order_complete(vendor_order_id=vo.pk, actor=buyer)
    claim_accept(claim.pk, owner, pickup_carrier="cj", pickup_tracking_number="123456789012")
    with pytest.raises(InvalidTransition):
        claim_return_refund(claim.pk, owner)  # not collected yet
    claim_collect(claim.pk, owner)
    with django_capture_on_commit_callbacks(execute=True):
        claim_return_refund(claim.pk, owner)
    claim.refresh_from_db()
    assert (claim.status, claim.refund_status, claim.refund_amount, claim.return_fee) == (
        ClaimStatus.COMPLETED, RefundStatus.DONE, 7000, 3000)
    [cancel] = _cancel_requests(gateway)
    assert cancel.body["cancelAmount"] == 7000 and "taxFreeAmount" not in cancel.body
    vo.refresh_from_db()
    assert vo.status == V.DELIVERED and vo.refunded_amount == 7000
    lines["비누"].refresh_from_db()
    assert lines["비누"].state == OrderLineState.RETURNED


def test_returning_every_line_moves_the_vendor_order_to_refunded(card_paid, buyer, owner, gateway,
                                                                 django_capture_on_commit_callbacks):
    vo, lines = _lines(card_paid)
    put(vo, V.DELIVERED, delivered_at=timezone.now())
    claim = claim_return_request(vendor_order_id=vo.pk, line_ids=list(lines_pk(lines)), actor=buyer,
                                 reason=ClaimReason.DEFECT)
    assert claim.refund_amount == 70000 and claim.return_fee == 0
    claim_accept(claim.pk, owner)
    claim_collect(claim.pk, owner)
    with django_capture_on_commit_callbacks(execute=True):
        claim_return_refund(claim.pk, owner)
    vo.refresh_from_db()
    assert vo.status == V.REFUNDED and vo.refunded_amount == 70000


def lines_pk(lines):
    return (ln.pk for ln in lines.values())


def test_auto_complete_skips_a_vendor_order_with_an_open_claim(card_paid, buyer, settings):
    settings.ORDER_AUTO_COMPLETE_DAYS = 7
    vo, lines = _lines(card_paid)
    put(vo, V.DELIVERED, delivered_at=timezone.now() - timedelta(days=8))
    claim_return_request(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=buyer, reason=MIND)
    assert vendor_orders_auto_complete() == 0
    assert VendorOrder.objects.get(pk=vo.pk).status == V.DELIVERED


def test_a_return_needs_a_delivered_order_and_its_buyer(card_paid, buyer, owner):
    vo, lines = _lines(card_paid)
    with pytest.raises(InvalidTransition):
        claim_return_request(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=buyer, reason=MIND)
    put(vo, V.DELIVERED)
    for stranger in (owner, UserFactory()):
        with pytest.raises(NotAllowed):
            claim_return_request(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=stranger, reason=MIND)
    with pytest.raises(OrderError):
        claim_return_request(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=buyer, reason="nonsense")
