"""Coupon rules (each with its Korean reason), the choice code vs automatic, dividing, redemption, admin."""
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from campaigns.models import Coupon, CouponScope, CouponUse, FundedBy
from campaigns.services.coupons import (
    CouponLine,
    allocate,
    automatic_coupons,
    coupon_choose,
    coupon_evaluate,
    coupon_redeem,
    coupon_release,
)
from tests.campaigns.factories import CampaignFactory, CouponFactory
from tests.factories import VendorFactory, category
from tests.otp import otp_login

pytestmark = pytest.mark.django_db


def lines(*amounts, vendor_id=1, category_ids=(1,), campaign_id=None):
    return [CouponLine(key=i, amount=a, vendor_id=vendor_id, category_ids=category_ids, campaign_id=campaign_id)
            for i, a in enumerate(amounts)]


# --- the rules, each with its reason -----------------------------------------------------------


def test_fixed_discount_within_its_dates():
    coupon = CouponFactory(amount=3000)
    result = coupon_evaluate(coupon, lines=lines(20000, 5000), customer="u1")
    assert result.ok and result.discount == 3000 and result.eligible_amount == 25000 and result.reason == ""


def test_dates_inactive_and_period_reasons():
    now = timezone.now()
    coupon = CouponFactory(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(days=1))
    assert coupon_evaluate(coupon, lines=lines(20000), now=now).reason == "쿠폰 사용 기간이 아닙니다."
    assert coupon_evaluate(coupon, lines=lines(20000), now=coupon.starts_at).ok
    assert coupon_evaluate(coupon, lines=lines(20000), now=coupon.ends_at - timedelta(seconds=1)).ok
    assert coupon_evaluate(coupon, lines=lines(20000), now=coupon.ends_at).reason == "만료된 쿠폰입니다."
    coupon.is_active = False
    assert coupon_evaluate(coupon, lines=lines(20000), now=coupon.starts_at).reason == "사용할 수 없는 쿠폰입니다."


def test_minimum_order_amount_counts_only_eligible_lines():
    vendor = VendorFactory()
    coupon = CouponFactory(min_order_amount=30000, scope=CouponScope.VENDOR, vendor=vendor)
    mixed = lines(20000, vendor_id=vendor.pk) + [CouponLine(key="x", amount=50000, vendor_id=vendor.pk + 1)]
    result = coupon_evaluate(coupon, lines=mixed)
    assert result.reason == "최소 주문 금액 30,000원 이상일 때 사용할 수 있습니다."
    assert coupon_evaluate(coupon, lines=lines(30000, vendor_id=vendor.pk)).ok


def test_scopes_and_no_eligible_line():
    vendor = VendorFactory()
    food = category("rice-grains")
    campaign = CampaignFactory()
    by_vendor = CouponFactory(scope=CouponScope.VENDOR, vendor=vendor)
    by_category = CouponFactory(scope=CouponScope.CATEGORY, category=food)
    by_campaign = CouponFactory(scope=CouponScope.CAMPAIGN, campaign=campaign)
    other = lines(20000, vendor_id=vendor.pk + 1, category_ids=(food.pk + 1000,))
    for coupon in (by_vendor, by_category, by_campaign):
        assert coupon_evaluate(coupon, lines=other).reason == "적용 대상 상품이 없습니다."
    assert coupon_evaluate(by_vendor, lines=lines(20000, vendor_id=vendor.pk)).ok
    # A sub-category's product carries its parent: a coupon for the parent category counts it.
    assert coupon_evaluate(by_category, lines=lines(20000, category_ids=(food.pk + 1000, food.pk))).ok
    assert coupon_evaluate(by_campaign, lines=lines(20000, campaign_id=campaign.pk)).ok


def test_total_limit_and_per_user_limit_reasons():
    coupon = CouponFactory(total_limit=5, used_count=5)
    assert coupon_evaluate(coupon, lines=lines(20000)).reason == "선착순 수량이 모두 소진되었습니다."
    once = CouponFactory(per_user_limit=1)
    CouponUse.objects.create(coupon=once, customer="u7", count=1)
    assert coupon_evaluate(once, lines=lines(20000), customer="u7").reason == "이미 사용한 쿠폰입니다."
    assert coupon_evaluate(once, lines=lines(20000), customer="u8").ok


def test_percent_with_maximum_and_never_more_than_the_eligible_amount():
    coupon = CouponFactory(discount_kind="percent", amount=None, percent=10, max_discount=5000)
    assert coupon_evaluate(coupon, lines=lines(33333)).discount == 3333  # rounded down to the won
    assert coupon_evaluate(coupon, lines=lines(100000)).discount == 5000  # the maximum
    fixed = CouponFactory(amount=10000)
    assert coupon_evaluate(fixed, lines=lines(4000)).discount == 4000


# --- the choice: code vs automatic ------------------------------------------------------------


def test_automatic_coupon_applies_without_a_code_and_the_larger_discount_wins():
    auto = CouponFactory(code=None, name="가을 자동 할인", amount=2000)
    choice = coupon_choose(lines=lines(30000), customer="u1")
    assert choice.applied.coupon == auto and choice.discount == 2000
    bigger = CouponFactory(code="BIG5", amount=5000)
    choice = coupon_choose(lines=lines(30000), customer="u1", code="big5")  # any case
    assert choice.applied.coupon == bigger and choice.discount == 5000 and not choice.code_refused
    smaller = CouponFactory(code="SMALL1", amount=1000)
    choice = coupon_choose(lines=lines(30000), customer="u1", code="SMALL1")
    assert choice.applied.coupon == auto and not choice.code_refused
    assert "자동 적용 쿠폰 '가을 자동 할인'의 할인(2,000원)이 더 커서" in choice.code_message
    assert smaller.used_count == 0


def test_unknown_or_refused_code_keeps_the_automatic_coupon_and_says_why():
    auto = CouponFactory(code=None, amount=2000)
    choice = coupon_choose(lines=lines(30000), code="NOPE")
    assert choice.code_refused and choice.code_message == "없는 쿠폰 코드입니다. 코드를 확인해 주세요."
    assert choice.applied.coupon == auto
    CouponFactory(code="LATE", ends_at=timezone.now() - timedelta(seconds=1),
                  starts_at=timezone.now() - timedelta(days=2))
    choice = coupon_choose(lines=lines(30000), code="LATE")
    assert choice.code_refused and choice.code_message == "만료된 쿠폰입니다."


def test_automatic_coupons_are_cached_until_a_coupon_changes(django_assert_num_queries):
    assert automatic_coupons() == []
    with django_assert_num_queries(0):
        assert automatic_coupons() == []  # nothing running: no query
    auto = CouponFactory(code=None)  # saving clears the cache
    assert automatic_coupons() == [auto]
    Coupon.objects.filter(pk=auto.pk).update(is_active=False)
    assert automatic_coupons() == []  # the coupons themselves are read fresh


# --- dividing a discount ----------------------------------------------------------------------


def test_allocate_known_values():
    assert allocate(1000, [3000, 3000, 3000]) == [334, 333, 333]
    assert allocate(100, [0, 50, 50]) == [0, 50, 50]
    assert allocate(0, [10, 20]) == [0, 0]
    assert allocate(7, [1, 2]) == [1, 2]  # never more than a part's weight


@given(st.integers(min_value=0, max_value=10**7),
       st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12))
def test_allocated_parts_add_up_exactly_and_stay_within_their_weights(amount, weights):
    parts = allocate(amount, weights)
    assert sum(parts) == (min(amount, sum(weights)) if sum(weights) else 0)
    assert all(0 <= p <= w for p, w in zip(parts, weights, strict=True))


# --- redemption and release ----------------------------------------------------------------------


def test_redeem_counts_total_and_per_user_and_release_gives_back():
    coupon = CouponFactory(total_limit=2, per_user_limit=1)
    assert coupon_redeem(coupon_id=coupon.pk, customer="u1") == ""
    assert coupon_redeem(coupon_id=coupon.pk, customer="u1") == "이미 사용한 쿠폰입니다."
    coupon.refresh_from_db()
    assert coupon.used_count == 1  # the refused second use left the total alone
    assert coupon_redeem(coupon_id=coupon.pk, customer="u2") == ""
    assert coupon_redeem(coupon_id=coupon.pk, customer="u3") == "선착순 수량이 모두 소진되었습니다."
    coupon_release(coupon_id=coupon.pk, customer="u1")
    coupon.refresh_from_db()
    assert coupon.used_count == 1 and CouponUse.objects.get(coupon=coupon, customer="u1").count == 0
    assert coupon_redeem(coupon_id=coupon.pk, customer="u1") == ""


def test_redeem_refuses_outside_the_dates():
    coupon = CouponFactory(starts_at=timezone.now() + timedelta(days=1), ends_at=timezone.now() + timedelta(days=2))
    assert coupon_redeem(coupon_id=coupon.pk, customer="u1") == "쿠폰 사용 기간이 아닙니다."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_redemption_never_exceeds_the_total_limit():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    from django.db import connections, transaction

    coupon = CouponFactory(total_limit=10, per_user_limit=1)
    results, barrier = [], threading.Barrier(30)

    def use(i):
        try:
            barrier.wait()
            with transaction.atomic():
                results.append(coupon_redeem(coupon_id=coupon.pk, customer=f"u{i}"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    coupon.refresh_from_db()
    assert results.count("") == 10 and coupon.used_count == 10
    assert results.count("선착순 수량이 모두 소진되었습니다.") == 20


# --- admin ----------------------------------------------------------------------------------------


def test_operator_lists_coupons_with_uses_and_filters(client, operator):
    CouponFactory(name="추석 쿠폰", code="CHUSEOK", total_limit=100, used_count=7, funded_by=FundedBy.VENDOR,
                  scope=CouponScope.VENDOR, vendor=VendorFactory(name="홍성유기농"))
    CouponFactory(name="자동 쿠폰", code=None, is_active=False)
    otp_login(client, operator)
    page = client.get("/admin/campaigns/coupon/").content.decode()
    assert "추석 쿠폰" in page and "7 / 100" in page and "홍성유기농" in page and "(자동 적용)" in page
    page = client.get("/admin/campaigns/coupon/?funded_by__exact=vendor").content.decode()
    assert "추석 쿠폰" in page and "자동 쿠폰" not in page
    page = client.get("/admin/campaigns/coupon/?running=now").content.decode()
    assert "추석 쿠폰" in page and "자동 쿠폰" not in page


def test_admin_form_checks_the_rules_in_korean(client, operator):
    otp_login(client, operator)
    now = timezone.localtime()
    data = {"name": "정률", "code": " fall10 ", "discount_kind": "percent", "amount": "", "percent": "",
            "max_discount": "", "min_order_amount": "0", "starts_at_0": f"{now:%Y-%m-%d}", "starts_at_1": "00:00:00",
            "ends_at_0": f"{now:%Y-%m-%d}", "ends_at_1": "00:00:00", "scope": "vendor", "total_limit": "",
            "per_user_limit": "1", "funded_by": "operator", "is_active": "on"}
    page = client.post("/admin/campaigns/coupon/add/", data).content.decode()
    assert "정률 할인은 할인율을 입력해 주세요." in page
    assert "적용 범위에 맞는 대상을 골라 주세요." in page
    assert "사용 종료는 사용 시작보다 뒤여야 합니다." in page
    data.update(percent="10", scope="all", ends_at_0=f"{now + timedelta(days=3):%Y-%m-%d}")
    response = client.post("/admin/campaigns/coupon/add/", data)
    assert response.status_code == 302
    assert Coupon.objects.get(name="정률").code == "FALL10"
