"""Partial refunds in the settlement, the statement and the receipt: a line cancelled, a line returned with its fee."""
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import ShippingPolicy
from orders.models import ClaimReason, DocumentKind, PaymentMethod, SettlementLine, VendorOrder, VendorOrderStatus
from orders.services.actions import vendor_order_transition
from orders.services.claims import claim_accept, claim_collect
from orders.services.documents import statement_facts
from orders.services.returns import claim_cancel, claim_return_refund, claim_return_request
from orders.services.settlements import previous_month, settlement_build
from tests.factories import ProductFactory, place_order

from .helpers import success

pytestmark = pytest.mark.django_db

V = VendorOrderStatus
MIND = ClaimReason.CHANGE_OF_MIND


@pytest.fixture
def settled_vo(client, gateway, vendor, buyer, owner, django_capture_on_commit_callbacks):
    """20,000 rice + 10,000 soap + 15,000 jam + 3,000 shipping, paid by card (48,000), commission 10%.

    The soap is cancelled before shipping (10,000 back); the jam returned for a change of mind after
    delivery (15,000 − 3,000 return fee = 12,000 back); then the purchase is confirmed last month.
    """
    vendor.commission_rate = Decimal("10")
    vendor.save()
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=100000, return_fee=3000)
    items = [(ProductFactory(vendor=vendor, name=name, variants=[{"name": "기본", "price": price, "stock": 9}])
              .variants.get(), 1) for name, price in (("현미", 20000), ("비누", 10000), ("잼", 15000))]
    order = place_order(items=items, buyer=buyer, payment_method=PaymentMethod.CARD)
    with django_capture_on_commit_callbacks(execute=True):
        success(client, order)
    vo = order.vendor_orders.get()
    lines = {ln.product_name: ln for ln in vo.lines.all()}
    with django_capture_on_commit_callbacks(execute=True):
        claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=buyer, reason=MIND)
    vo.refresh_from_db()
    for to in (V.SHIPPED, V.DELIVERED):
        vendor_order_transition(vo, to)
    returned = claim_return_request(vendor_order_id=vo.pk, line_ids=[lines["잼"].pk], actor=buyer, reason=MIND)
    claim_accept(returned.pk, owner)
    claim_collect(returned.pk, owner)
    with django_capture_on_commit_callbacks(execute=True):
        claim_return_refund(returned.pk, owner)
    vo.refresh_from_db()
    vendor_order_transition(vo, V.COMPLETED)
    start, _end = previous_month()
    VendorOrder.objects.filter(pk=vo.pk).update(completed_at=timezone.make_aware(
        timezone.datetime(start.year, start.month, 15, 12)))
    vo.refresh_from_db()
    return vo


def test_the_settlement_pays_out_on_net_sales(settled_vo, vendor):
    assert (settled_vo.refunded_amount, settled_vo.refunded_items) == (22000, 25000)
    start, end = previous_month()
    settlement = settlement_build(vendor_id=vendor.pk, period_start=start, period_end=end)
    line = SettlementLine.objects.get(vendor_order=settled_vo)
    # Commission on what was sold and kept (20,000), not on the cancelled and returned goods.
    assert (line.items_total, line.shipping_fee, line.refunded_amount, line.commission) == (45000, 3000, 22000, 2000)
    # The rice, the shipping and the return fee kept: 20,000 + 3,000 + 3,000 − 2,000 commission.
    assert line.payout == settlement.payout == 24000


def test_the_statement_and_the_receipt_show_the_partial_refunds(settled_vo):
    order = settled_vo.order
    statement = statement_facts(order, settled_vo)
    [section] = statement["sections"]
    states = {ln["name"]: ln.get("state_label") for ln in section["lines"]}
    assert states == {"현미": None, "비누": "취소", "잼": "반품"}
    assert statement["kind"] == DocumentKind.STATEMENT
    assert (statement["total"], statement["refunded_amount"], statement["paid_total"]) == (48000, 22000, 26000)
    receipt = statement_facts(order, None)
    assert (receipt["refunded_amount"], receipt["paid_total"]) == (22000, 26000)


def test_an_operator_funded_coupon_share_of_a_cancelled_line_is_not_paid_to_the_vendor(vendor, buyer, owner,
                                                                                       operator):
    """30,000 rice + 10,000 soap, free shipping, an operator-funded 4,000원 coupon (3,000 + 1,000 by line),
    commission 10%. The soap is out of stock and cancelled: the buyer gets 9,000 back; the vendor is paid for the rice only,
    as if the buyer had paid full price for it (30,000 − 3,000 commission), not the soap's 1,000 subsidy too."""
    from campaigns.models import FundedBy
    from orders.models import Cart, Payment, PaymentStatus
    from orders.services.actions import order_mark_paid
    from orders.services.cart import cart_line_set
    from orders.services.checkout import order_place
    from orders.services.payments import payment_start
    from orders.services.refunds import claim_refund_manual_done
    from tests.campaigns.factories import CouponFactory
    from tests.factories import checkout_data

    vendor.commission_rate = Decimal("10")
    vendor.save()
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=30000)
    CouponFactory(code="SUBSIDY", amount=4000, funded_by=FundedBy.OPERATOR)
    rice, soap = (ProductFactory(vendor=vendor, name=name, variants=[{"name": "기본", "price": price, "stock": 9}])
                  .variants.get() for name, price in (("현미", 30000), ("비누", 10000)))
    cart = Cart.objects.create(user=buyer)
    for variant in (rice, soap):
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    order = order_place(cart=cart, buyer=buyer, checkout=checkout_data(coupon_code="SUBSIDY"),
                        idempotency_key="subsidy")
    payment_start(order_id=order.pk)
    order_mark_paid(order_id=order.pk)
    Payment.objects.filter(order=order).update(status=PaymentStatus.DONE)  # the deposit was seen
    vo = order.vendor_orders.get()
    lines = {ln.product_name: ln for ln in vo.lines.all()}
    assert (vo.discount, vo.vendor_discount, lines["비누"].discount) == (4000, 0, 1000)
    claim = claim_cancel(vendor_order_id=vo.pk, line_ids=[lines["비누"].pk], actor=owner,
                         reason=ClaimReason.OUT_OF_STOCK)
    assert claim.refund_amount == 9000  # still free shipping: 30,000 ≥ the threshold
    claim_refund_manual_done(claim_id=claim.pk, actor=operator)  # the operator sent the bank transfer
    vo.refresh_from_db()
    for to in (V.PREPARING, V.SHIPPED, V.DELIVERED, V.COMPLETED):
        vendor_order_transition(vo, to)
    start, end = previous_month()
    VendorOrder.objects.filter(pk=vo.pk).update(completed_at=timezone.make_aware(
        timezone.datetime(start.year, start.month, 15, 12)))
    settlement = settlement_build(vendor_id=vendor.pk, period_start=start, period_end=end)
    line = SettlementLine.objects.get(vendor_order=vo)
    assert (line.items_total, line.refunded_amount, line.commission) == (40000, 10000, 3000)
    assert line.payout == settlement.payout == 27000


def test_a_vendor_order_returned_in_full_is_settled_for_what_the_vendor_kept(client, gateway, vendor, buyer, owner,
                                                                           django_capture_on_commit_callbacks):
    """15,000 jam + 3,000 shipping by card, returned whole for a change of mind: the buyer gets 12,000 back
    (the 3,000 return fee and the shipping stay). The vendor order ends refunded and its month's settlement
    pays the vendor the 6,000 it kept, with no commission on goods that came back."""
    vendor.commission_rate = Decimal("10")
    vendor.save()
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=100000, return_fee=3000)
    jam = ProductFactory(vendor=vendor, name="잼", variants=[{"name": "기본", "price": 15000, "stock": 9}]).variants.get()
    order = place_order(items=[(jam, 1)], buyer=buyer, payment_method=PaymentMethod.CARD)
    with django_capture_on_commit_callbacks(execute=True):
        success(client, order)
    vo = order.vendor_orders.get()
    for to in (V.SHIPPED, V.DELIVERED):
        vendor_order_transition(vo, to)
    returned = claim_return_request(vendor_order_id=vo.pk, line_ids=[vo.lines.get().pk], actor=buyer, reason=MIND)
    claim_accept(returned.pk, owner)
    claim_collect(returned.pk, owner)
    with django_capture_on_commit_callbacks(execute=True):
        claim_return_refund(returned.pk, owner)
    returned.refresh_from_db()
    vo.refresh_from_db()
    assert (vo.status, vo.refunded_amount, returned.refund_amount) == (V.REFUNDED, 12000, 12000)
    assert vo.completed_at is not None  # finished: dated for its settlement
    start, end = previous_month()
    VendorOrder.objects.filter(pk=vo.pk).update(completed_at=timezone.make_aware(
        timezone.datetime(start.year, start.month, 20, 12)))
    settlement = settlement_build(vendor_id=vendor.pk, period_start=start, period_end=end)
    line = SettlementLine.objects.get(vendor_order=vo)
    assert (line.items_total, line.shipping_fee, line.refunded_amount, line.commission) == (15000, 3000, 12000, 0)
    assert line.payout == settlement.payout == 6000


def test_a_vendor_order_refunded_to_the_last_won_is_not_settled(client, gateway, vendor, buyer, owner,
                                                                django_capture_on_commit_callbacks):
    """A whole vendor order returned and refunded in full (the old whole-order return) keeps nothing: no line."""
    from orders.services.actions import (
        vendor_order_return_accept,
        vendor_order_return_refund,
        vendor_order_return_request,
    )

    jam = ProductFactory(vendor=vendor, name="잼", variants=[{"name": "기본", "price": 15000, "stock": 9}]).variants.get()
    order = place_order(items=[(jam, 1)], buyer=buyer, payment_method=PaymentMethod.CARD)
    with django_capture_on_commit_callbacks(execute=True):
        success(client, order)
    vo = order.vendor_orders.get()
    for to in (V.SHIPPED, V.DELIVERED):
        vendor_order_transition(vo, to)
    vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="파손되어 왔습니다")
    vendor_order_return_accept(vendor_order_id=vo.pk, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_return_refund(vendor_order_id=vo.pk, actor=owner)
    vo.refresh_from_db()
    assert vo.status == V.REFUNDED and vo.refunded_amount == vo.paid_total
    start, end = previous_month()
    VendorOrder.objects.filter(pk=vo.pk).update(completed_at=timezone.make_aware(
        timezone.datetime(start.year, start.month, 20, 12)))
    settlement_build(vendor_id=vendor.pk, period_start=start, period_end=end)
    assert not SettlementLine.objects.filter(vendor_order=vo).exists()
