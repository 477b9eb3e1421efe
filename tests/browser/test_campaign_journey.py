"""A live campaign in Chromium: from the home banner to the campaign page, the campaign price in
the cart and at checkout, and the order that records which campaign set the price; a code coupon
at checkout."""
import re

import pytest
from playwright.sync_api import expect

from campaigns.models import CampaignKind
from catalog.services import product_image_add
from orders.models import Order, OrderLine, OrderStatus
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory, CouponFactory
from tests.factories import PASSWORD, ProductFactory, UserFactory, VendorFactory, category, image_bytes, upload

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, email, next_url):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("이메일").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{live_server.url}{next_url}")


def fill_checkout(page, buyer):
    page.locator("#id_orderer_name").fill(buyer.name)
    page.locator("#id_orderer_phone").fill("010-2222-3333")
    page.locator("#id_email").fill(buyer.email)
    page.locator("#id_recipient_name").fill(buyer.name)
    page.locator("#id_recipient_phone").fill("010-2222-3333")
    page.locator("#id_postal_code").fill("32244")
    page.locator("#id_address").fill("충청남도 홍성군 홍성읍 아문길 27")
    page.get_by_label("무통장입금").check()


def place_order(page):
    page.get_by_label("주문 상품의 구매조건을 확인했으며 결제 진행에 동의합니다 (필수)").check()
    page.get_by_label("개인정보 제3자(판매기업) 제공에 동의합니다 (필수)").check()
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("order-placed")).to_be_visible()


def campaign_product(*, name, price, image=True):
    farm = VendorFactory(name="청양고추마을협동조합")
    product = ProductFactory(vendor=farm, name=name, category=category("rice-grains"),
                             variants=[{"name": "선물세트", "price": price, "stock": 20, "sku": f"GIFT-{price}"}])
    if image:
        product_image_add(product_id=product.pk, upload=upload("p.png", image_bytes("PNG", (300, 300))))
    return product


def test_consumer_buys_a_campaign_item_at_the_campaign_price(live_server, new_page):
    product = campaign_product(name="청양 구기자 한과 선물세트", price=30000)
    campaign = CampaignFactory(
        title="추석 판매전", slug="chuseok-sale", kind=CampaignKind.CHUSEOK, intro="고향의 맛을 나누세요.",
        banner_desktop=upload("wide.png", image_bytes("PNG", (1200, 360)), "image/png"),
    )
    item = CampaignItemFactory(campaign=campaign, product=product, campaign_price=24000, percent_off=None)
    buyer = UserFactory(email="chuseok@example.kr", name="박추석", phone="010-2222-3333")

    # The consumer signs in and lands on the home page, where the live campaign is a banner.
    page = new_page()
    log_in(page, live_server, buyer.email, "/")
    banner = page.get_by_test_id("home-campaign").filter(has_text="추석 판매전")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("img", name="추석 판매전")).to_be_attached()
    banner.click()
    page.wait_for_url(f"{live_server.url}/campaigns/chuseok-sale/")

    # The campaign page: live, the campaign price with the regular price struck through and the % off.
    expect(page.get_by_test_id("campaign")).to_have_attribute("data-state", "live")
    expect(page.get_by_role("heading", name="추석 판매전", level=1)).to_be_visible()
    expect(page.get_by_test_id("countdown")).to_be_visible()
    card = page.get_by_test_id("campaign-item").filter(has_text="청양 구기자 한과 선물세트")
    price = card.get_by_test_id("item-price")
    expect(price.locator("strong")).to_have_text("24,000원")
    expect(price.locator("del")).to_contain_text("30,000원")
    expect(price.locator(".discount")).to_have_text("20%")

    # The product page says so too; two go into the cart.
    card.get_by_role("link").first.click()
    page.wait_for_url(f"{live_server.url}{product.get_absolute_url()}")
    expect(page.get_by_test_id("campaign-badge")).to_contain_text("추석 판매전")
    expect(page.get_by_test_id("campaign-price").locator("strong")).to_have_text("24,000원")
    page.get_by_label("수량").fill("2")
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_url(f"{live_server.url}/orders/cart/")

    # The cart: the campaign price and the campaign's name, not the regular price.
    line = page.get_by_test_id("cart-line").filter(has_text="청양 구기자 한과 선물세트")
    expect(line.get_by_test_id("line-price")).to_have_text("24,000원")
    expect(line.get_by_test_id("line-regular-price")).to_contain_text("30,000원")
    expect(line.get_by_test_id("line-percent")).to_have_text("20%")
    expect(line.get_by_test_id("line-campaign")).to_contain_text("추석 판매전")
    expect(line.locator(".line-total")).to_contain_text("48,000원")
    expect(page.get_by_test_id("items-total")).to_have_text("48,000원")
    expect(page.get_by_test_id("campaign-savings")).to_have_text("-12,000원")
    cart_total = page.get_by_test_id("grand-total").inner_text()
    assert "60,000원" not in page.get_by_test_id("totals").inner_text()

    # Checkout shows the same amounts.
    page.get_by_test_id("checkout-link").click()
    page.wait_for_url(f"{live_server.url}/orders/checkout/")
    checkout_line = page.get_by_test_id("checkout-line").filter(has_text="청양 구기자 한과 선물세트")
    expect(checkout_line.locator("strong")).to_have_text("48,000원")
    expect(checkout_line.locator("del")).to_contain_text("60,000원")
    expect(checkout_line.get_by_test_id("line-campaign")).to_contain_text("추석 판매전")
    expect(checkout_line.get_by_test_id("line-campaign")).to_contain_text("20%")
    expect(page.get_by_test_id("items-total")).to_have_text("48,000원")
    expect(page.get_by_test_id("grand-total")).to_have_text(cart_total)
    expect(page.get_by_test_id("place-order")).to_contain_text(cart_total.strip())

    # Bank transfer; the order page shows the campaign price for the line.
    fill_checkout(page, buyer)
    place_order(page)
    order = Order.objects.get(buyer=buyer)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.items_total == 48000
    expect(page.get_by_test_id("order-placed")).to_contain_text(order.number)
    expect(page.get_by_test_id("deposit-amount")).to_have_text(f"{order.total:,}원")
    assert f"{order.total:,}원" == cart_total.strip()
    order_line = page.get_by_test_id("order-line").filter(has_text="청양 구기자 한과 선물세트")
    expect(order_line.get_by_test_id("order-line-campaign")).to_contain_text("추석 판매전")
    expect(order_line.get_by_test_id("order-line-campaign")).to_contain_text("24,000원")
    expect(order_line.get_by_test_id("order-line-campaign").locator("del")).to_contain_text("30,000원")
    expect(order_line).to_contain_text("48,000원")

    # The order line recorded which campaign set the price.
    recorded = OrderLine.objects.get(vendor_order__order=order)
    assert recorded.campaign_item_id == item.pk and recorded.campaign_id == campaign.pk
    assert recorded.unit_price == 24000 and recorded.regular_price == 30000 and recorded.quantity == 2
    item.refresh_from_db()
    assert item.sold_count == 2


def test_code_coupon_at_checkout_shows_the_discount(live_server, new_page):
    product = campaign_product(name="금산 홍삼 정과", price=25000, image=False)
    campaign = CampaignFactory(title="건강식품 기획전", slug="health-sale", kind=CampaignKind.HEALTH)
    CampaignItemFactory(campaign=campaign, product=product)  # 20% off: 20,000원
    CouponFactory(name="기획전 감사 쿠폰", code="HEALTH3000", amount=3000)
    buyer = UserFactory(email="health@example.kr", name="김건강", phone="010-2222-3333")

    page = new_page()
    log_in(page, live_server, buyer.email, product.get_absolute_url())
    expect(page.get_by_test_id("campaign-price").locator("strong")).to_have_text("20,000원")
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_url(f"{live_server.url}/orders/cart/")
    expect(page.get_by_test_id("items-total")).to_have_text("20,000원")
    page.get_by_test_id("checkout-link").click()
    page.wait_for_url(f"{live_server.url}/orders/checkout/")
    before = int(re.sub(r"\D", "", page.get_by_test_id("grand-total").inner_text()))

    fill_checkout(page, buyer)
    page.get_by_label("쿠폰 코드").fill("HEALTH3000")
    page.get_by_test_id("coupon-apply").click()
    expect(page.get_by_test_id("coupon-applied")).to_contain_text("기획전 감사 쿠폰")
    expect(page.get_by_test_id("discount-total")).to_have_text("-3,000원")
    expect(page.get_by_test_id("coupon-name")).to_contain_text("기획전 감사 쿠폰")
    expect(page.get_by_test_id("grand-total")).to_have_text(f"{before - 3000:,}원")
    expect(page.get_by_test_id("line-campaign")).to_contain_text("건강식품 기획전")
    # What was typed before "적용" is still there.
    expect(page.locator("#id_address")).to_have_value("충청남도 홍성군 홍성읍 아문길 27")

    place_order(page)
    order = Order.objects.get(buyer=buyer)
    assert order.discount_total == 3000 and order.coupon_code == "HEALTH3000"
    assert order.total == before - 3000
    expect(page.get_by_test_id("order-discount")).to_have_text("-3,000원")
    expect(page.get_by_test_id("order-coupon")).to_contain_text("HEALTH3000")
    expect(page.get_by_test_id("deposit-amount")).to_have_text(f"{before - 3000:,}원")
    expect(page.get_by_test_id("order-line-campaign")).to_contain_text("20,000원")
