"""claim_quote: the money of a per-line cancel or return, part by part (a pure function: no database)."""
from types import SimpleNamespace as NS

import pytest

from orders.models import ClaimKind, ClaimReason, OrderLineState
from orders.services.returns import claim_quote

CANCEL, RETURN = ClaimKind.CANCEL, ClaimKind.RETURN
MIND, DEFECT, STOCK = ClaimReason.CHANGE_OF_MIND, ClaimReason.DEFECT, ClaimReason.OUT_OF_STOCK


def line(pk, total, *, discount=0, tax="taxable", state=OrderLineState.ORDERED):
    return NS(pk=pk, line_total=total, discount=discount, tax_type=tax, state=state)


def vorder(lines, *, shipping=0):
    return NS(lines=NS(all=lambda: lines), items_total=sum(ln.line_total for ln in lines), shipping_fee=shipping)


def policy(base=3000, threshold=50000, return_fee=3000):
    return NS(base_fee=base, free_threshold=threshold, return_fee=return_fee)


# --- cancels before shipping -----------------------------------------------------------------------


def test_cancelling_some_lines_gives_back_their_amount_less_their_coupon_share():
    a, b = line(1, 20000, discount=2000), line(2, 10000, discount=1000)
    q = claim_quote(vorder([a, b], shipping=3000), [b], CANCEL, MIND, policy(threshold=None))
    assert (q.items_amount, q.coupon_amount, q.shipping_refund, q.shipping_charge, q.return_fee) == (10000, 1000, 0, 0, 0)
    assert q.refund_amount == 9000 and not q.empties and q.notes == []


def test_cancelling_the_last_lines_gives_back_the_whole_shipping_fee():
    a, b = line(1, 20000), line(2, 10000)
    q = claim_quote(vorder([a, b], shipping=6000), [a, b], CANCEL, MIND, policy(threshold=None))
    assert q.empties and q.shipping_refund == 6000 and q.refund_amount == 36000
    assert "배송비" in q.notes[0]


def test_the_last_line_after_earlier_cancels_gives_back_what_they_charged_too():
    gone, last = line(1, 40000, state=OrderLineState.CANCELLED), line(2, 20000)
    q = claim_quote(vorder([gone, last], shipping=0), [last], CANCEL, MIND, policy(), charged_before=3000)
    assert q.shipping_refund == 3000 and q.refund_amount == 23000


def test_a_cancel_that_leaves_a_free_shipping_order_under_the_threshold_charges_the_base_fee():
    a, b = line(1, 40000), line(2, 20000)  # 60,000 ≥ 50,000: shipped free
    q = claim_quote(vorder([a, b], shipping=0), [b], CANCEL, MIND, policy())
    assert q.shipping_charge == 3000 and q.refund_amount == 17000
    assert "무료배송 기준" in q.notes[0]


def test_no_charge_when_the_rest_stays_over_the_threshold_or_the_order_paid_shipping():
    a, b = line(1, 55000), line(2, 5000)
    assert claim_quote(vorder([a, b]), [b], CANCEL, MIND, policy()).shipping_charge == 0
    c, d = line(3, 30000), line(4, 10000)  # 40,000 < 50,000: shipping was paid already
    assert claim_quote(vorder([c, d], shipping=3000), [d], CANCEL, MIND, policy()).shipping_charge == 0


def test_a_second_cancel_below_the_threshold_is_not_charged_again():
    gone, a, b = line(1, 20000, state=OrderLineState.CANCELLED), line(2, 25000), line(3, 15000)
    vo = vorder([gone, a, b])
    vo.items_total = 60000  # placed at 60,000: free; already under after the first cancel
    assert claim_quote(vo, [b], CANCEL, MIND, policy()).shipping_charge == 0


def test_the_vendor_running_out_of_stock_charges_the_buyer_nothing():
    a, b = line(1, 40000), line(2, 20000)
    q = claim_quote(vorder([a, b]), [b], CANCEL, STOCK, policy())
    assert q.shipping_charge == 0 and q.refund_amount == 20000


def test_a_cancel_takes_no_return_fee():
    a, b = line(1, 10000), line(2, 10000)
    assert claim_quote(vorder([a, b], shipping=3000), [a], CANCEL, MIND, policy()).return_fee == 0


# --- returns -------------------------------------------------------------------------------------------


def test_a_change_of_mind_return_deducts_the_one_way_fee():
    a, b = line(1, 10000), line(2, 10000)
    q = claim_quote(vorder([a, b], shipping=3000), [a], RETURN, MIND, policy(return_fee=3500))
    assert (q.return_fee, q.shipping_refund, q.refund_amount) == (3500, 0, 6500)
    assert "반품 배송비" in q.notes[0]


def test_a_buyer_fault_return_emptying_a_free_shipping_order_also_deducts_the_original_fee():
    a = line(1, 60000)
    q = claim_quote(vorder([a]), [a], RETURN, MIND, policy())
    assert q.return_fee == 6000 and q.refund_amount == 54000
    assert any("처음 배송비" in n for n in q.notes)


def test_a_buyer_fault_return_dropping_under_the_threshold_also_deducts_the_original_fee():
    a, b = line(1, 40000), line(2, 20000)
    assert claim_quote(vorder([a, b]), [b], RETURN, MIND, policy()).return_fee == 6000
    assert claim_quote(vorder([a, line(2, 20000), line(3, 15000)]), [line(3, 15000)], RETURN, MIND,
                       policy()).return_fee == 3000  # 60,000 left: still free


@pytest.mark.parametrize("reason", [DEFECT, ClaimReason.WRONG_ITEM, ClaimReason.LATE_DELIVERY])
def test_a_seller_fault_return_costs_nothing_and_gives_shipping_back_when_it_empties_the_order(reason):
    a, b = line(1, 10000), line(2, 10000)
    part = claim_quote(vorder([a, b], shipping=3000), [a], RETURN, reason, policy())
    assert (part.return_fee, part.shipping_refund, part.refund_amount) == (0, 0, 10000)
    whole = claim_quote(vorder([a, b], shipping=3000), [a, b], RETURN, reason, policy())
    assert (whole.return_fee, whole.shipping_refund, whole.refund_amount) == (0, 3000, 23000)


def test_the_refund_is_never_below_zero():
    a, b = line(1, 2000), line(2, 60000)
    q = claim_quote(vorder([a, b]), [a], RETURN, MIND, policy())
    assert q.refund_amount == 0 and q.tax_free_amount == 0


def test_no_policy_means_no_fees():
    a = line(1, 10000)
    assert claim_quote(vorder([a]), [a], RETURN, MIND, None).refund_amount == 10000


# --- the tax-free part ------------------------------------------------------------------------------------


def test_tax_free_part_is_the_exempt_lines_and_deductions_come_out_of_the_taxable_part_first():
    rice, soap = line(1, 30000, discount=3000, tax="exempt"), line(2, 10000, discount=1000)
    both = claim_quote(vorder([rice, soap, line(3, 5000)], shipping=3000), [rice, soap], RETURN, MIND, policy())
    assert both.refund_amount == 27000 + 9000 - 3000 and both.tax_free_amount == 27000
    only_exempt = claim_quote(vorder([rice, soap]), [rice], RETURN, MIND, policy(threshold=None))
    # No taxable goods in the refund: the fee comes out of the exempt part.
    assert only_exempt.refund_amount == only_exempt.tax_free_amount == 24000


def test_shipping_given_back_is_taxable():
    rice = line(1, 20000, tax="exempt")
    q = claim_quote(vorder([rice], shipping=3000), [rice], CANCEL, MIND, policy(threshold=None))
    assert (q.refund_amount, q.tax_free_amount) == (23000, 20000)
