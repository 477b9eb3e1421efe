"""쿠폰함 in Chromium: a member takes a coupon on a campaign page, finds it in the coupon box and
applies it at checkout with the box's button."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_campaign_journey import campaign_product, log_in
from tests.campaigns.factories import CampaignFactory, CouponFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_claims_a_coupon_sees_it_in_the_box_and_uses_it_at_checkout(live_server, new_page):
    product = campaign_product(name="홍성 한우 선물세트", price=40000, image=False)
    campaign = CampaignFactory(title="설 판매전", slug="seol-sale")
    coupon = CouponFactory(campaign=campaign, scope="all", claimable=True, name="설 맞이 5,000원 쿠폰",
                           code="SEOL5000", amount=5000, min_order_amount=30000)
    buyer = UserFactory(email="box@example.kr", name="김쿠폰")
    page = new_page()
    log_in(page, live_server, buyer.email, "/campaigns/seol-sale/")
    page.get_by_test_id(f"coupon-claim-{coupon.pk}").click()
    expect(page.get_by_text("쿠폰함에 쿠폰을 넣었습니다.")).to_be_visible()
    page.goto(f"{live_server.url}/mypage/")
    page.get_by_test_id("coupon-box-link").click()
    expect(page.get_by_test_id("coupon-row")).to_contain_text("설 맞이 5,000원 쿠폰")
    expect(page.get_by_test_id("coupon-state-usable")).to_have_text("사용 가능")
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    page.get_by_role("button", name="장바구니").first.click()
    page.goto(f"{live_server.url}/orders/checkout/")
    page.get_by_test_id(f"claimed-coupon-{coupon.pk}").click()
    expect(page.get_by_test_id("coupon-applied")).to_contain_text("5,000원 할인됩니다.")
