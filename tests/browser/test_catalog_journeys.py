"""Catalog journeys in Chromium: a consumer finds a product in Korean; vendors keep their listings."""
import pytest

from catalog.models import Product, ProductStatus
from catalog.services import product_image_add
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, ProductFactory, VendorFactory, category, image_bytes, upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_consumer_searches_filters_and_sees_stock_the_vendor_changes(live_server, new_page):
    vendor = VendorFactory(name="해남배추마을")
    owner = MembershipFactory(vendor=vendor).user
    cabbage = ProductFactory(
        vendor=vendor, category=category("fruit-vegetables"), name="해남 절임배추", origin="국내산(해남)",
        variants=[{"name": "10kg", "price": 32000, "stock": 5, "sku": "CAB-10"},
                  {"name": "20kg", "price": 59000, "stock": 0, "sku": "CAB-20"}],
    )
    product_image_add(product_id=cabbage.pk, upload=upload("c.png", image_bytes("PNG", (300, 300))))
    ProductFactory(name="배추김치 3kg", category=category("side-dishes-sauces"), origin="국내산")
    ProductFactory(name="홍성 현미", category=category("rice-grains"))

    # The consumer searches a two-syllable word from the header.
    page = new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox").fill("배추")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url("**/search/?q=*")
    cards = page.locator("[data-testid=product-card]")
    assert cards.count() == 2
    assert page.locator("mark", has_text="배추").count() >= 2

    # Narrow it to a category.
    page.get_by_text("조건 검색").click()
    page.locator("#id_category").select_option("fruit-vegetables")
    page.get_by_role("button", name="적용").click()
    page.wait_for_url("**category=fruit-vegetables*")
    assert cards.count() == 1

    # The product page: the 20kg option is sold out and cannot be chosen.
    cards.first.get_by_role("link").first.click()
    page.wait_for_url(f"**/products/{cabbage.pk}/**")
    sold_out = page.locator("input[name=variant]").nth(1)
    assert sold_out.is_disabled()
    assert "품절" in page.locator("label.variant").nth(1).inner_text()
    assert "원산지" in page.content() and "국내산(해남)" in page.content()

    # The vendor puts 20kg back in stock from the partner admin's quick list.
    admin = new_page(viewport={"width": 1280, "height": 900})
    log_in(admin, live_server, owner.email, "/partner/catalog/productvariant/")
    row = admin.locator("tr", has_text="CAB-20")
    row.locator("input[name$='-stock']").fill("12")
    admin.locator("input[name=_save]").click()
    admin.wait_for_url("**/partner/catalog/productvariant/**")

    page.reload()
    assert page.locator("input[name=variant]").nth(1).is_enabled()
    assert "구매 가능" in page.locator("label.variant").nth(1).inner_text()


def test_vendor_creates_a_product_with_two_options_and_a_photo_on_a_phone(live_server, new_page, tmp_path):
    fruit = category("fruit-vegetables")
    vendor = VendorFactory(name="예산사과농장")
    owner = MembershipFactory(vendor=vendor).user
    photo = tmp_path / "사과.jpg"
    photo.write_bytes(image_bytes("JPEG", (900, 700)))

    page = new_page(viewport={"width": 390, "height": 844})
    log_in(page, live_server, owner.email, "/partner/catalog/product/add/")
    page.locator("#id_category").select_option(str(fruit.pk))
    page.locator("#id_name").fill("예산 꿀사과")
    page.locator("#id_summary").fill("일교차 큰 예산의 아삭한 사과")
    page.locator("#id_tax_type").select_option("exempt")
    page.locator("#id_origin").fill("국내산(충남 예산)")
    page.locator("#id_unit").fill("1박스")
    page.locator("[name='variants-0-name']").fill("3kg")
    page.locator("[name='variants-0-sku']").fill("APPLE-3")
    page.locator("[name='variants-0-price']").fill("29000")
    page.locator("[name='variants-0-stock']").fill("20")
    page.locator("#variants-group .add-row a").click()
    page.locator("[name='variants-1-name']").fill("5kg")
    page.locator("[name='variants-1-sku']").fill("APPLE-5")
    page.locator("[name='variants-1-price']").fill("45000")
    page.locator("[name='variants-1-stock']").fill("10")
    page.locator("[name='images-0-image']").set_input_files(str(photo))
    page.locator("input[name=_continue]").click()
    page.wait_for_url("**/partner/catalog/product/*/change/**")

    product = Product.objects.get(name="예산 꿀사과")
    assert product.variants.count() == 2 and product.images.count() == 1
    assert product.status == ProductStatus.DRAFT and product.price == 29000

    page.get_by_role("link", name="검토 요청").click()
    page.get_by_role("button", name="검토 요청").click()
    page.wait_for_url(f"**/partner/catalog/product/{product.pk}/change/**")
    product.refresh_from_db()
    assert product.status == ProductStatus.PENDING  # a vendor's first product waits for the operator
    assert "검토 대기" in page.content()
