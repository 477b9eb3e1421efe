"""What a per-line cancel gives back: the coupon only with the whole order, campaign caps and stock per line,
delivery-date capacity per line; a virtual-account refund goes to the buyer's refund account."""
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import CampaignItem, CampaignItemUse, CouponUse
from orders.exceptions import OrderError
from orders.models import ClaimReason, Order, OrderStatus, Payment, PaymentMethod, RefundAccount, RefundStatus
from orders.services.actions import order_mark_paid
from orders.services.cart import cart_line_set
from orders.services.checkout import order_place
from orders.services.payments import payment_start, refund_account_set
from orders.services.refunds import claim_refund_manual_done
from orders.services.returns import claim_cancel
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory, CouponFactory
from tests.factories import ProductFactory, VendorFactory, checkout_data

from .helpers import stock, success

pytestmark = pytest.mark.django_db
MIND = ClaimReason.CHANGE_OF_MIND


def _bank_paid(order: Order) -> Order:
    """Paid by bank transfer, with the buyer's refund account on file."""
    payment_start(order_id=order.pk)
    Payment.objects.filter(order=order).update(status="done")
    order_mark_paid(order_id=order.pk)
    refund_account_set(order_id=order.pk, bank_code="88", account_number="110123456789", holder_name="김구매")
    order.refresh_from_db()
    return order


def _place(items, buyer, **kw) -> Order:
    from orders.models import Cart

    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in items:
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=quantity)
    return order_place(cart=cart, buyer=buyer, checkout=checkout_data(email=buyer.email, **kw),
                       idempotency_key=uuid.uuid4().hex)


def test_the_coupon_comes_back_only_when_every_line_of_the_order_is_cancelled(buyer, operator):
    coupon = CouponFactory(code="HALF", amount=4000, total_limit=5, per_user_limit=1)
    a = ProductFactory(vendor=VendorFactory(), variants=[{"name": "기본", "price": 30000, "stock": 9}]).variants.get()
    b = ProductFactory(vendor=VendorFactory(), variants=[{"name": "기본", "price": 10000, "stock": 9}]).variants.get()
    order = _bank_paid(_place([(a, 1), (b, 1)], buyer, coupon_code="HALF"))
    first = order.vendor_orders.get(vendor=a.product.vendor)
    claim = claim_cancel(vendor_order_id=first.pk, line_ids=[first.lines.get().pk], actor=buyer, reason=MIND)
    assert (claim.items_amount, claim.coupon_amount, claim.refund_amount) == (30000, 3000, 27000)
    coupon.refresh_from_db()
    assert coupon.used_count == 1 and Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    second = order.vendor_orders.get(vendor=b.product.vendor)
    refund_account_set(order_id=order.pk, bank_code="88", account_number="110123456789", holder_name="김구매")
    claim_cancel(vendor_order_id=second.pk, line_ids=[second.lines.get().pk], actor=buyer, reason=MIND)
    order.refresh_from_db()
    coupon.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.coupon_released
    assert coupon.used_count == 0 and CouponUse.objects.get(coupon=coupon).count == 0
    claim_refund_manual_done(claim_id=claim.pk, actor=operator)
    assert Order.objects.get(pk=order.pk).vendor_orders.get(pk=first.pk).refunded_amount == 27000


def test_a_cancelled_line_gives_back_its_campaign_quantity_and_stock_only(buyer, monkeypatch):
    now = timezone.now().replace(microsecond=0)
    campaign = CampaignFactory(title="추석 판매전", slug="chuseok", starts_at=now - timedelta(hours=1),
                               ends_at=now + timedelta(days=1))
    product = ProductFactory(name="한우 세트", variants=[{"name": "1kg", "price": 30000, "stock": 100}])
    item = CampaignItemFactory(campaign=campaign, product=product, percent_off=20)
    CampaignItem.objects.filter(pk=item.pk).update(stock_cap=10, per_customer_limit=2)
    on_sale = product.variants.get()
    other = ProductFactory(vendor=product.vendor, variants=[{"name": "기본", "price": 5000, "stock": 10}]).variants.get()
    order = _bank_paid(_place([(on_sale, 2), (other, 1)], buyer))
    vo = order.vendor_orders.get()
    line = vo.lines.get(variant=on_sale)
    assert line.campaign_item_id == item.pk
    item.refresh_from_db()
    assert item.sold_count == 2
    claim_cancel(vendor_order_id=vo.pk, line_ids=[line.pk], actor=buyer, reason=MIND)
    item.refresh_from_db()
    assert item.sold_count == 0 and CampaignItemUse.objects.get(item=item).quantity == 0
    assert stock(on_sale) == 100 and stock(other) == 9  # the other line keeps its stock taken


# --- a virtual-account refund ------------------------------------------------------------------------------

@pytest.fixture
def paid_va(client, gateway, variant, buyer, django_capture_on_commit_callbacks):
    """`buyer` paid `variant` through a virtual account: issued by the PG, then its deposit webhook."""
    order = _place([(variant, 1)], buyer, payment_method=PaymentMethod.VIRTUAL_ACCOUNT)
    gateway.virtual_account = True
    with django_capture_on_commit_callbacks(execute=True):
        assert success(client, order, key="pk_va_1").status_code == 200
    client.post("/orders/payments/webhook/", json.dumps(gateway.deposit("pk_va_1")), content_type="application/json")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def test_a_virtual_account_refund_goes_to_the_refund_account_which_is_then_deleted(
        paid_va, buyer, gateway, django_capture_on_commit_callbacks):
    vo = paid_va.vendor_orders.get()
    line = vo.lines.get()
    with pytest.raises(OrderError):  # the buyer's account first
        claim_cancel(vendor_order_id=vo.pk, line_ids=[line.pk], actor=buyer, reason=MIND)
    refund_account_set(order_id=paid_va.pk, bank_code="88", account_number="110-123-456789", holder_name="김구매")
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_cancel(vendor_order_id=vo.pk, line_ids=[line.pk], actor=buyer, reason=MIND)
    claim.refresh_from_db()
    assert claim.refund_status == RefundStatus.DONE
    cancel = [r for r in gateway.requests if r.path.endswith("/cancel")][-1]
    assert cancel.body["refundReceiveAccount"] == {"bank": "88", "accountNumber": "110123456789", "holderName": "김구매"}
    assert not RefundAccount.objects.exists()
