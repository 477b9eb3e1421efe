"""Exchanges (교환): options of the same product, stock held from the request, fee by reason, money only
for a cheaper option, its own shipment, the line reading the new option, and who may do what."""
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ProductVariant, ShippingPolicy
from notifications.models import Message
from orders.exceptions import InvalidTransition, NotAllowed, OrderError
from orders.models import (
    ClaimEvent,
    ClaimKind,
    ClaimLine,
    ClaimReason,
    ClaimStatus,
    ExchangeFeeStatus,
    Order,
    Payment,
    PaymentMethod,
    PaymentStatus,
    RefundStatus,
    VendorOrder,
    VendorOrderStatus,
)
from orders.services.actions import vendor_orders_auto_complete
from orders.services.claims import claim_accept, claim_collect, claim_reject, claim_withdraw
from orders.services.exchanges import (
    exchange_complete,
    exchange_fee_settle,
    exchange_options,
    exchange_quote,
    exchange_reject,
    exchange_request,
    exchange_reship,
    exchange_withdraw,
    exchanges_stock_release_due,
)
from orders.services.payments import refund_account_set
from orders.tasks import orders_expire_due_task
from tests.factories import ProductFactory, place_order

from .helpers import put

pytestmark = pytest.mark.django_db

V = VendorOrderStatus


@pytest.fixture
def product(vendor):
    ShippingPolicy.objects.create(vendor=vendor, exchange_fee=6000, return_period_days=7)
    return ProductFactory(vendor=vendor, name="면 티셔츠", variants=[
        {"name": "S", "price": 10000, "stock": 10}, {"name": "M", "price": 10000, "stock": 3},
        {"name": "L", "price": 12000, "stock": 10}, {"name": "XS", "price": 8000, "stock": 10},
    ])


def _variant(product, name) -> ProductVariant:
    return product.variants.get(name=name)


@pytest.fixture
def delivered(product, buyer):
    order = place_order(items=[(_variant(product, "S"), 2)], buyer=buyer, paid=True)
    return put(order.vendor_orders.get(), V.DELIVERED, delivered_at=timezone.now() - timedelta(days=1))


def _line(vendor_order):
    return vendor_order.lines.get()


def _ask(vendor_order, buyer, to, reason=ClaimReason.OPTION_CHANGE, **kw):
    kw.setdefault("fee_payment", "enclosed")
    return exchange_request(vendor_order_id=vendor_order.pk, actor=buyer, lines={_line(vendor_order).pk: to.pk},
                            reason=reason, detail="사이즈가 작아요", **kw)


def _stock(product, name) -> int:
    return _variant(product, name).stock


# --- the request ----------------------------------------------------------------------------


def test_a_request_holds_the_new_options_stock_and_tells_the_vendor(delivered, product, buyer, owner,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        claim = _ask(delivered, buyer, _variant(product, "M"))
    assert claim.kind == ClaimKind.EXCHANGE and claim.status == ClaimStatus.REQUESTED
    assert _stock(product, "M") == 1  # 3 − the line's 2
    line = claim.lines.get()
    assert (line.new_variant_name, line.new_unit_price, line.original_variant_name, line.stock_reserved) == (
        "M", 10000, "S", True)
    assert claim.exchange_difference == 0 and claim.refund_amount == 0
    assert _line(delivered).open_claim_id == claim.pk
    assert ClaimEvent.objects.get(claim=claim).to_status == ClaimStatus.REQUESTED
    told = Message.objects.get(user=owner)
    assert told.kind == "vendor_exchange_requested" and "S → M" in told.body and "6,000원" in told.body


def test_only_options_in_stock_for_the_quantity_are_offered(delivered, product):
    ProductVariant.objects.filter(product=product, name="M").update(stock=1)
    names = [v.name for v in exchange_options([_line(delivered)], reason=ClaimReason.OPTION_CHANGE)[_line(delivered).pk]]
    assert names == ["L", "XS"]  # not S (the same option), not M (1 left for a line of 2)
    with pytest.raises(OrderError, match="재고"):
        exchange_quote(vendor_order=delivered, lines={_line(delivered).pk: _variant(product, "M").pk},
                       reason=ClaimReason.OPTION_CHANGE)


def test_an_inactive_option_or_another_products_option_is_refused(delivered, product, buyer, vendor):
    m = _variant(product, "M")
    ProductVariant.objects.filter(pk=m.pk).update(is_active=False)
    with pytest.raises(OrderError):
        _ask(delivered, buyer, m)
    other = ProductFactory(vendor=vendor, variants=[{"name": "S", "price": 10000, "stock": 10}]).variants.get()
    with pytest.raises(OrderError, match="같은 상품"):
        _ask(delivered, buyer, other)


def test_the_same_option_is_only_a_defect_replacement_and_it_has_no_fee(delivered, product, buyer):
    s = _variant(product, "S")
    with pytest.raises(OrderError, match="불량"):
        _ask(delivered, buyer, s)
    claim = _ask(delivered, buyer, s, reason=ClaimReason.DEFECT)
    assert claim.return_fee == 0 and claim.fee_status == ExchangeFeeStatus.NONE and claim.fee_payment == ""
    assert _stock(product, "S") == 6  # 10 − 2 sold − 2 held for the replacement


def test_a_dearer_option_is_refused_with_what_to_do_instead(delivered, product, buyer):
    with pytest.raises(OrderError, match="반품하신 뒤") as refused:
        _ask(delivered, buyer, _variant(product, "L"))
    assert "차액 4,000원" in refused.value.message  # 2,000원 × 2
    assert _stock(product, "L") == 10 and _line(delivered).open_claim_id is None


def _refund_account(vendor_order):
    order = vendor_order.order
    Payment.objects.get_or_create(order=order, defaults={
        "method": PaymentMethod.BANK_TRANSFER, "status": PaymentStatus.DONE, "amount": order.total,
        "idempotency_key": f"bank-{order.pk}"})
    refund_account_set(order_id=vendor_order.order_id, bank_code="11", account_number="301-1234-5678-91",
                       holder_name="김구매")


def test_a_cheaper_option_refunds_the_difference_when_the_exchange_completes(delivered, product, buyer, owner):
    with pytest.raises(OrderError, match="계좌"):  # paid by bank transfer: where the difference goes, first
        _ask(delivered, buyer, _variant(product, "XS"))
    _refund_account(delivered)
    claim = _ask(delivered, buyer, _variant(product, "XS"))
    assert claim.exchange_difference == -4000 and claim.refund_amount == 4000
    assert claim.refund_status == RefundStatus.NONE  # nothing leaves before the exchange is done
    _through_reship(claim, owner)
    exchange_complete(claim_id=claim.pk, actor=owner)
    claim.refresh_from_db()
    # Bank transfer: the operator sends it (the claims refund path); a card payment goes to the PG.
    assert claim.refund_status == RefundStatus.MANUAL and claim.refund_amount == 4000
    assert VendorOrder.objects.get(pk=delivered.pk).refunded_items == 4000  # no commission on the difference


def test_a_cheaper_option_paid_by_card_goes_to_the_pg_after_completion(product, buyer, owner, monkeypatch,
                                                                         django_capture_on_commit_callbacks):
    order = place_order(items=[(_variant(product, "S"), 2)], buyer=buyer, paid=True)
    Payment.objects.create(order=order, method=PaymentMethod.CARD, status=PaymentStatus.DONE, amount=order.total,
                           provider_key="pay_test", idempotency_key=f"card-{order.pk}")
    Order.objects.filter(pk=order.pk).update(payment_method=PaymentMethod.CARD)
    vendor_order = put(order.vendor_orders.get(), V.DELIVERED, delivered_at=timezone.now())
    claim = _ask(vendor_order, buyer, _variant(product, "XS"))
    _through_reship(claim, owner)
    queued = []
    monkeypatch.setattr("orders.services.refunds.jobs.after_commit", lambda name, **kw: queued.append((name, kw)))
    exchange_complete(claim_id=claim.pk, actor=owner)
    claim.refresh_from_db()
    assert claim.refund_status == RefundStatus.PENDING
    assert ("orders.claim_refund_task", {"claim_id": claim.pk}) in queued


def test_the_fee_follows_the_reason(delivered, product, buyer, vendor):
    vendor.bank_account_number = ""
    vendor.save()
    delivered.refresh_from_db()
    quote = exchange_quote(vendor_order=delivered, lines={_line(delivered).pk: _variant(product, "M").pk},
                           reason=ClaimReason.CHANGE_OF_MIND)
    assert quote.fee == 6000 and [k for k, _label in quote.fee_payments] == ["enclosed"]  # no account on file
    quote = exchange_quote(vendor_order=delivered, lines={_line(delivered).pk: _variant(product, "M").pk},
                           reason=ClaimReason.WRONG_ITEM)
    assert quote.fee == 0 and quote.fee_payments == []
    with pytest.raises(OrderError, match="배송비"):
        _ask(delivered, buyer, _variant(product, "M"), fee_payment="")
    claim = _ask(delivered, buyer, _variant(product, "M"))
    assert claim.return_fee == 6000 and claim.fee_status == ExchangeFeeStatus.DUE and claim.fee_payment == "enclosed"


def test_the_fee_may_be_sent_to_the_vendors_account_when_it_has_one(delivered, product, buyer, vendor):
    assert vendor.bank_account_number  # the factory's vendors have their settlement account
    claim = _ask(delivered, buyer, _variant(product, "M"), fee_payment="transfer")
    assert claim.fee_payment == "transfer"


def test_only_the_buyer_asks_and_only_within_the_period_while_delivered(delivered, product, buyer, user, owner):
    m = _variant(product, "M")
    with pytest.raises(NotAllowed):
        _ask(delivered, user, m)
    with pytest.raises(NotAllowed):
        _ask(delivered, owner, m)  # the vendor does not ask for its buyer
    put(delivered, V.DELIVERED, delivered_at=timezone.now() - timedelta(days=8))
    with pytest.raises(OrderError, match="기간"):
        _ask(delivered, buyer, m)
    put(delivered, V.COMPLETED, delivered_at=timezone.now())
    with pytest.raises(InvalidTransition):
        _ask(delivered, buyer, m)
    assert _stock(product, "M") == 3


def test_a_line_is_in_one_exchange_at_a_time(delivered, product, buyer):
    _ask(delivered, buyer, _variant(product, "M"))
    with pytest.raises(OrderError):
        _ask(delivered, buyer, _variant(product, "XS"))
    assert _stock(product, "XS") == 10


# --- closing without an exchange: the stock comes back ------------------------------------------


def test_rejected_and_withdrawn_exchanges_give_the_held_stock_back_once(delivered, product, buyer, owner):
    claim = _ask(delivered, buyer, _variant(product, "M"))
    exchange_withdraw(claim_id=claim.pk, actor=buyer)
    assert _stock(product, "M") == 3 and not claim.lines.get().stock_reserved
    assert exchanges_stock_release_due() == 0

    claim = _ask(delivered, buyer, _variant(product, "M"))
    exchange_reject(claim_id=claim.pk, actor=owner, reason="착용 흔적이 있습니다")
    assert _stock(product, "M") == 3
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and _line(delivered).open_claim_id is None


def test_the_sweeper_gives_back_what_the_shared_steps_closed(delivered, product, buyer, owner):
    """Closed through the shared steps alone (the Claim admin's reject, the order page's withdraw)."""
    first = _ask(delivered, buyer, _variant(product, "M"))
    claim_withdraw(first.pk, buyer)
    assert _stock(product, "M") == 1  # still held until the sweeper runs
    _refund_account(delivered)
    second = _ask(delivered, buyer, _variant(product, "XS"))
    claim_accept(second.pk, owner)
    claim_reject(second.pk, owner, "회수 전 거절")
    orders_expire_due_task()  # the 15-minute beat job that also gives back stock
    assert (_stock(product, "M"), _stock(product, "XS")) == (3, 10)
    assert exchanges_stock_release_due() == 0  # a second run gives nothing twice
    assert (_stock(product, "M"), _stock(product, "XS")) == (3, 10)


# --- after collection: the replacement ships, then the exchange completes ------------------------


def _through_reship(claim, owner, settle=True):
    claim_accept(claim.pk, owner, pickup_carrier="cj", pickup_tracking_number="111122223333")
    claim_collect(claim.pk, owner)
    claim.refresh_from_db()
    if settle and claim.fee_status == ExchangeFeeStatus.DUE:
        exchange_fee_settle(claim_id=claim.pk, actor=owner)
    exchange_reship(claim_id=claim.pk, actor=owner, carrier="lotte", tracking_number="4444-5555-6666")


def test_the_whole_exchange_with_its_own_shipment(delivered, product, buyer, owner, django_capture_on_commit_callbacks):
    claim = _ask(delivered, buyer, _variant(product, "M"))
    with django_capture_on_commit_callbacks(execute=True):
        _through_reship(claim, owner)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESHIPPED and claim.reship_tracking_number == "444455556666"
    shipped = Message.objects.filter(user=buyer, kind="exchange_shipped").get()
    assert "444455556666" in shipped.body and "lotteglogis.com" in shipped.body  # the tracking link
    with django_capture_on_commit_callbacks(execute=True):
        exchange_complete(claim_id=claim.pk, actor=owner)
    claim.refresh_from_db()
    line = _line(delivered)
    assert claim.status == ClaimStatus.COMPLETED and claim.closed_at
    assert (line.variant_name, line.variant_id, line.open_claim_id) == ("M", _variant(product, "M").pk, None)
    assert line.unit_price == 10000 and line.line_total == 20000  # what was paid stays
    kept = ClaimLine.objects.get(claim=claim)
    assert (kept.original_variant_name, kept.original_variant_id) == ("S", _variant(product, "S").pk)
    assert not kept.stock_reserved
    assert (_stock(product, "S"), _stock(product, "M")) == (8, 1)  # the returned S is not restocked
    assert Message.objects.filter(user=buyer, kind="exchange_done").count() == 1
    assert [e.to_status for e in claim.events.all()] == ["requested", "accepted", "collected", "collected",
                                                          "reshipped", "completed"]


def test_the_replacement_waits_for_the_fee_and_the_fee_is_settled_once(delivered, product, buyer, owner):
    claim = _ask(delivered, buyer, _variant(product, "M"))
    claim_accept(claim.pk, owner)
    claim_collect(claim.pk, owner)
    with pytest.raises(InvalidTransition, match="배송비"):
        exchange_reship(claim_id=claim.pk, actor=owner, carrier="cj", tracking_number="123456789012")
    exchange_fee_settle(claim_id=claim.pk, actor=owner, waived=True, note="불량 확인")
    with pytest.raises(InvalidTransition):
        exchange_fee_settle(claim_id=claim.pk, actor=owner)
    claim.refresh_from_db()
    assert claim.fee_status == ExchangeFeeStatus.WAIVED and claim.fee_settled_at
    exchange_reship(claim_id=claim.pk, actor=owner, carrier="cj", tracking_number="123456789012")


def test_each_step_is_taken_once_and_in_order(delivered, product, buyer, owner):
    claim = _ask(delivered, buyer, _variant(product, "M"), reason=ClaimReason.DEFECT)
    with pytest.raises(InvalidTransition):
        exchange_reship(claim_id=claim.pk, actor=owner, carrier="cj", tracking_number="123456789012")
    with pytest.raises(InvalidTransition):
        exchange_complete(claim_id=claim.pk, actor=owner)
    _through_reship(claim, owner)
    with pytest.raises(InvalidTransition):
        exchange_reship(claim_id=claim.pk, actor=owner, carrier="cj", tracking_number="123456789012")
    exchange_complete(claim_id=claim.pk, actor=owner)
    with pytest.raises(InvalidTransition):
        exchange_complete(claim_id=claim.pk, actor=owner)
    with pytest.raises(InvalidTransition):
        exchange_withdraw(claim_id=claim.pk, actor=buyer)


def test_another_vendor_and_the_buyer_may_not_take_the_vendors_steps(delivered, product, buyer, owner, other_owner):
    claim = _ask(delivered, buyer, _variant(product, "M"), reason=ClaimReason.DEFECT)
    claim_accept(claim.pk, owner)
    claim_collect(claim.pk, owner)
    for actor in (other_owner, buyer):
        with pytest.raises(NotAllowed):
            exchange_reship(claim_id=claim.pk, actor=actor, carrier="cj", tracking_number="123456789012")
    exchange_reship(claim_id=claim.pk, actor=owner, carrier="cj", tracking_number="123456789012")
    with pytest.raises(NotAllowed):
        exchange_complete(claim_id=claim.pk, actor=other_owner)


# --- auto-confirmation waits -------------------------------------------------------------------


def test_auto_confirmation_waits_while_an_exchange_is_open_and_after_its_replacement(delivered, product, buyer,
                                                                                     owner, settings):
    long_ago = timezone.now() - timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS + 1)
    claim = _ask(delivered, buyer, _variant(product, "M"), reason=ClaimReason.DEFECT)
    put(delivered, V.DELIVERED, delivered_at=long_ago)
    assert vendor_orders_auto_complete() == 0
    _through_reship(claim, owner)
    exchange_complete(claim_id=claim.pk, actor=owner)
    assert vendor_orders_auto_complete() == 0  # the replacement just arrived: the clock starts again
    claim.__class__.objects.filter(pk=claim.pk).update(completed_at=long_ago)
    assert vendor_orders_auto_complete() == 1
    assert VendorOrder.objects.get(pk=delivered.pk).status == V.COMPLETED
