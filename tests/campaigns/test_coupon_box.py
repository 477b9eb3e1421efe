"""쿠폰함: claim rules, 쿠폰 받기 on a campaign page, the my-page box, checkout offering claimed coupons, the demo."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from campaigns.exceptions import CouponRefused
from campaigns.models import Coupon, CouponClaim, CouponUse
from campaigns.selectors.claims import coupon_box_count
from campaigns.services.claims import coupon_claim
from tests.campaigns.factories import CampaignFactory, CouponFactory
from tests.factories import ProductFactory, UserFactory, VendorFactory
from tests.orders.helpers import CHECKOUT, add, checkout_page_data, html

pytestmark = pytest.mark.django_db
BOX = "/mypage/coupons/"


def claim_url(coupon):
    return reverse("campaigns:coupon_claim", args=[coupon.campaign.slug, coupon.pk])


# --- rules ---------------------------------------------------------------------------------------


def test_claim_is_idempotent(user):
    coupon = CouponFactory(claimable=True)
    claim, created = coupon_claim(user, coupon.pk)
    again, created_again = coupon_claim(user, coupon.pk)
    assert created and not created_again and claim.pk == again.pk
    assert CouponClaim.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("change", [
    {"claimable": False},
    {"claimable": True, "is_active": False},
    {"claimable": True, "ends_at_days": -1},
])
def test_inactive_ended_or_not_claimable_coupons_are_refused(user, change):
    days = change.pop("ends_at_days", None)
    coupon = CouponFactory(**change)
    if days is not None:
        Coupon.objects.filter(pk=coupon.pk).update(starts_at=timezone.now() - timedelta(days=5),
                                                   ends_at=timezone.now() + timedelta(days=days))
    with pytest.raises(CouponRefused):
        coupon_claim(user, coupon.pk)
    assert not CouponClaim.objects.exists()


def test_unknown_coupon_is_refused(user):
    with pytest.raises(CouponRefused):
        coupon_claim(user, 999999)


# --- 쿠폰 받기 on the campaign page ------------------------------------------------------------------


def test_campaign_page_shows_the_claim_button_and_the_post_claims(client, user):
    campaign = CampaignFactory()
    coupon = CouponFactory(claimable=True, campaign=campaign, scope="campaign", name="기획전 받기 쿠폰")
    CouponFactory(claimable=False, campaign=campaign, scope="campaign", name="받을 수 없는 쿠폰")
    client.force_login(user)
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert f'data-testid="coupon-claim-{coupon.pk}"' in page and "받을 수 없는 쿠폰" not in page
    assert "<script>" not in page.split('data-testid="campaign-coupons"')[1].split("</section>")[0]
    response = client.post(claim_url(coupon))
    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    assert CouponClaim.objects.filter(user=user, coupon=coupon).exists()
    client.post(claim_url(coupon))
    assert CouponClaim.objects.filter(user=user).count() == 1


def test_claiming_a_not_claimable_coupon_by_post_is_refused(client, user):
    coupon = CouponFactory(claimable=False, campaign=CampaignFactory(), scope="campaign")
    client.force_login(user)
    client.post(claim_url(coupon))
    assert not CouponClaim.objects.exists()


def test_guest_is_sent_to_login(client):
    coupon = CouponFactory(claimable=True, campaign=CampaignFactory(), scope="campaign")
    response = client.post(claim_url(coupon))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not CouponClaim.objects.exists()
    response = client.get(BOX)
    assert response.status_code == 302 and "/login" in response["Location"]


# --- the coupon box ------------------------------------------------------------------------------


def test_box_lists_states_with_a_fixed_number_of_queries(client, user, django_assert_max_num_queries):
    usable = CouponFactory(claimable=True, name="쓸 수 있는 쿠폰", amount=4000, min_order_amount=30000)
    used = CouponFactory(claimable=True, name="쓴 쿠폰")
    expired = CouponFactory(claimable=True, name="끝난 쿠폰")
    for c in (usable, used, expired):
        coupon_claim(user, c.pk)
    CouponUse.objects.create(coupon=used, customer=f"u{user.pk}", count=1)
    Coupon.objects.filter(pk=expired.pk).update(starts_at=timezone.now() - timedelta(days=9),
                                                ends_at=timezone.now() - timedelta(days=1))
    client.force_login(user)
    with django_assert_max_num_queries(12):
        page = client.get(BOX).content.decode()
    for c in CouponFactory.create_batch(5, claimable=True):
        coupon_claim(user, c.pk)
    with django_assert_max_num_queries(12):
        page_more = client.get(BOX).content.decode()
    assert page_more.count('data-testid="coupon-row"') == 8
    assert "4,000원" in page and "30,000원" in page
    assert page.count("사용 가능") >= 1 and "사용함" in page and "기간 만료" in page
    assert 'data-testid="coupon-state-used"' in page and 'data-testid="coupon-state-expired"' in page
    assert coupon_box_count(user) == 6  # the used and the expired ones are not counted
    hub = client.get(reverse("mypage:hub")).content.decode()
    assert 'data-testid="coupon-box-link"' in hub


def test_one_member_cannot_see_another_members_box(client, user):
    other = UserFactory()
    coupon = CouponFactory(claimable=True, name="남의 쿠폰")
    coupon_claim(other, coupon.pk)
    client.force_login(user)
    page = client.get(BOX).content.decode()
    assert "남의 쿠폰" not in page and 'data-testid="coupon-box-empty"' in page


# --- checkout ------------------------------------------------------------------------------------


def test_checkout_offers_the_claimed_coupon_and_applies_it(client, user):
    coupon = CouponFactory(claimable=True, name="받은 쿠폰", code="BOX3000", amount=3000, min_order_amount=10000)
    not_claimed = CouponFactory(claimable=True, name="안 받은 쿠폰", code="NOTMINE")
    coupon_claim(user, coupon.pk)
    client.force_login(user)
    variant = ProductFactory(vendor=VendorFactory(), variants=[{"name": "기본", "price": 25000, "stock": 9}])
    add(client, variant.variants.get(), 1)
    page = html(client.get(CHECKOUT))
    assert f'data-testid="claimed-coupon-{coupon.pk}"' in page and not_claimed.code not in page
    data = checkout_page_data(client)
    response = client.post(CHECKOUT, {**data, "coupon_code": "", "apply_coupon": "BOX3000"})
    assert "'받은 쿠폰' 쿠폰으로 3,000원 할인됩니다." in html(response)
    # the typed code still works
    response = client.post(CHECKOUT, {**data, "coupon_code": "box3000", "apply_coupon": "1"})
    assert "'받은 쿠폰' 쿠폰으로 3,000원 할인됩니다." in html(response)


# --- demo ----------------------------------------------------------------------------------------


def test_seed_demo_fills_coupon_boxes_idempotently(client):
    call_command("seed_demo", stdout=io.StringIO())
    assert Coupon.objects.get(code="WELCOME3000").claimable
    consumer1 = User.objects.get(email="consumer1@ddasum.kr")
    consumer2 = User.objects.get(email="consumer2@ddasum.kr")
    count = CouponClaim.objects.count()
    assert CouponClaim.objects.filter(user=consumer1).count() >= 2
    assert CouponClaim.objects.filter(user=consumer2).exists()
    client.force_login(consumer1)
    page = client.get(BOX).content.decode()
    assert "사용함" in page and 'data-testid="coupon-state-usable"' in page and "SOON5000" in page
    call_command("seed_demo", stdout=io.StringIO())
    assert CouponClaim.objects.count() == count
