"""The partner admin on a 390×844 phone: every page fits the width, and a vendor member lists a product
and ships an order by the Korean labels alone."""
import pytest
from django.test import RequestFactory
from django.urls import reverse

from catalog.models import Product, ProductStatus
from catalog.services import product_image_add
from orders.models import VendorOrderStatus
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
    category,
    image_bytes,
    place_order,
    upload,
)
from vendors.admin_site import partner_admin_site

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# How far the page may be wider than the screen (rounding of sub-pixel widths).
OVERFLOW_JS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# What sticks out past the right edge (for the failure message).
WIDEST_JS = """() => {
  const w = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && el.children.length === 0) {
      const m = el.closest(".module"); out.push((m ? "[" + (m.id || m.className) + "] " : "") + el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " right=" + Math.round(r.right));
    }
  }
  return out.slice(0, 5).join(", ");
}"""

# Boxes that scroll sideways inside the page (Django puts wide tables in one): a phone user would
# have to swipe them to reach the columns on the right.
SIDEWAYS_SCROLLERS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll("#content *")) {
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && el.offsetParent !== null) {
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " " + (el.scrollWidth - el.clientWidth) + "px");
    }
  }
  return out.join(", ");
}"""


def log_in(page, live_server, email, next_url):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"**{next_url}")


def assert_fits(page):
    """No sideways scrolling: the page is no wider than the phone."""
    page.wait_for_load_state("load")
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the screen"


def partner_urls(member, vendor, product, vendor_order) -> list[str]:
    """The dashboard, every list and add page of the partner admin, and the pages of a product and an order."""
    request = RequestFactory().get("/partner/")
    request.user = member
    urls = [reverse("partner:index")]
    for model, model_admin in partner_admin_site._registry.items():
        opts = model._meta
        urls.append(reverse(f"partner:{opts.app_label}_{opts.model_name}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"partner:{opts.app_label}_{opts.model_name}_add"))
    urls += [
        reverse("partner:vendors_vendor_change", args=[vendor.pk]),
        reverse("partner:catalog_product_change", args=[product.pk]),
        reverse("partner:catalog_product_import"),
        reverse("partner:orders_vendororder_change", args=[vendor_order.pk]),
        reverse("partner:orders_vendororder_action", args=[vendor_order.pk, "ship"]),
        reverse("partner:orders_vendororder_ship_csv"),
        reverse("partner:sales_report"),
        # The dashboard's shortcuts outside the admin.
        reverse("procurement:vendor_quote_list"),
        reverse("procurement:po_list"),
        reverse("procurement:need_list"),
        reverse("procurement:vendor_report"),
        reverse("orders:campaign_reports"),
    ]
    return urls


def test_every_partner_page_fits_a_phone(live_server, new_page):
    vendor = VendorFactory(name="홍성햇살농장협동조합")
    owner = MembershipFactory(vendor=vendor).user
    product = ProductFactory(vendor=vendor, name="홍성 유기농 현미 찹쌀 혼합 10kg 선물세트",
                             variants=[{"name": "5kg", "price": 25000, "stock": 10, "sku": "RICE-5-ORGANIC-LONG"},
                                       {"name": "10kg", "price": 45000, "stock": 3, "sku": "RICE-10-ORGANIC-LONG"}])
    product_image_add(product_id=product.pk, upload=upload("p.png", image_bytes("PNG", (300, 300))))
    order = place_order(items=[(product.variants.first(), 2)], buyer=UserFactory(), paid=True)
    vendor_order = order.vendor_orders.get()

    page = new_page(viewport=PHONE)
    log_in(page, live_server, owner.email, "/partner/")
    too_wide = []
    for url in partner_urls(owner, vendor, product, vendor_order):
        response = page.goto(live_server.url + url)
        assert response.status < 400, f"{url}: {response.status}"
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow > 1:
            too_wide.append(f"{url}: {overflow}px " + page.evaluate(WIDEST_JS))
        scrollers = page.evaluate(SIDEWAYS_SCROLLERS_JS)
        if scrollers:
            too_wide.append(f"{url}: scrolls sideways inside {scrollers}")
    assert not too_wide, "wider than a 390px phone:\n" + "\n".join(too_wide)


def visible(locator):
    """The visible ones among the matches (an inline's blank template row carries the same labels, hidden)."""
    return locator.filter(visible=True)


def test_vendor_lists_a_product_and_ships_an_order_on_a_phone(live_server, new_page, tmp_path):
    """By the Korean labels alone at 390×844: two options, two photos, then a paid order shipped with tracking."""
    rice = category("rice-grains")
    vendor = VendorFactory(name="홍성햇살농장")
    member = MembershipFactory(vendor=vendor).user
    on_sale = ProductFactory(vendor=vendor, name="홍성 유기농 현미",
                             variants=[{"name": "5kg", "price": 25000, "stock": 10, "sku": "RICE-5"}])
    order = place_order(items=[(on_sale.variants.get(), 1)], buyer=UserFactory(), paid=True)
    vendor_order = order.vendor_orders.get()
    photos = []
    for name, colour_size in (("앞면.png", (320, 240)), ("포장.png", (240, 320))):
        photo = tmp_path / name
        photo.write_bytes(image_bytes("PNG", colour_size))
        photos.append(str(photo))

    page = new_page(viewport=PHONE)
    log_in(page, live_server, member.email, "/partner/")
    assert_fits(page)

    # From the dashboard to the product list, then a new product.
    page.get_by_role("rowheader", name="상품", exact=True).get_by_role("link").click()
    page.wait_for_url("**/partner/catalog/product/")
    assert_fits(page)
    page.get_by_role("link", name="상품 추가").click()
    page.wait_for_url("**/partner/catalog/product/add/")
    assert_fits(page)
    assert visible(page.get_by_label("이미지", exact=True)).first.get_attribute("accept") == "image/*"

    page.get_by_label("분류").select_option(str(rice.pk))
    page.get_by_label("상품명").fill("홍성 찹쌀")
    page.get_by_label("한 줄 소개").fill("햇찹쌀을 바로 도정해 보냅니다")
    page.get_by_label("과세 구분").select_option("exempt")
    page.get_by_label("원산지").fill("국내산(충남 홍성)")
    page.get_by_label("판매 단위").fill("1포")

    # Two options: the first row is there, the second comes from "옵션 더 추가하기".
    page.get_by_role("button", name="옵션 더 추가하기").click()
    for i, (name, sku, price, stock) in enumerate((("2kg", "GLUT-2", "12000", "30"), ("4kg", "GLUT-4", "22000", "15"))):
        visible(page.get_by_label("옵션명", exact=True)).nth(i).fill(name)
        visible(page.get_by_label("관리 코드(SKU)")).nth(i).fill(sku)
        visible(page.get_by_label("판매가(원)")).nth(i).fill(price)
        visible(page.get_by_label("재고", exact=True)).nth(i).fill(stock)
    # Two photos: one blank row is there, the second comes from "상품 이미지 더 추가하기".
    page.get_by_role("button", name="상품 이미지 더 추가하기").click()
    for i, photo in enumerate(photos):
        visible(page.get_by_label("이미지", exact=True)).nth(i).set_input_files(photo)
        visible(page.get_by_label("대체 텍스트")).nth(i).fill(f"홍성 찹쌀 사진 {i + 1}")
    assert_fits(page)  # the option and photo rows stack as cards
    page.get_by_role("button", name="저장 및 편집 계속").click()
    page.wait_for_url("**/partner/catalog/product/*/change/")
    assert_fits(page)

    product = Product.objects.get(vendor=vendor, name="홍성 찹쌀")
    assert product.status == ProductStatus.DRAFT
    assert sorted(product.variants.values_list("name", "price", "stock")) == [("2kg", 12000, 30), ("4kg", 22000, 15)]
    assert sorted(product.images.values_list("alt", flat=True)) == ["홍성 찹쌀 사진 1", "홍성 찹쌀 사진 2"]

    # The paid order: from the dashboard to the order list, where the rest of the columns are one tap away.
    page.get_by_role("link", name="홈").click()
    page.wait_for_url("**/partner/")
    page.get_by_role("rowheader", name="기업별 주문", exact=True).get_by_role("link").click()
    page.wait_for_url("**/partner/orders/vendororder/")
    assert_fits(page)
    total_header = page.get_by_role("columnheader", name="합계")
    assert total_header.is_hidden()
    page.get_by_label("모든 열 보기").check()
    assert total_header.is_visible()
    page.get_by_label("모든 열 보기").uncheck()

    page.get_by_role("link", name=vendor_order.number).click()
    page.wait_for_url(f"**/partner/orders/vendororder/{vendor_order.pk}/change/")
    assert_fits(page)
    page.get_by_role("link", name="발송 처리").click()
    page.wait_for_url(f"**/partner/orders/vendororder/{vendor_order.pk}/do/ship/")
    assert_fits(page)
    page.get_by_label("택배사").select_option(label="CJ대한통운")
    page.get_by_label("송장번호").fill("6012-3456-7890")
    page.get_by_role("button", name="발송 처리").click()
    page.wait_for_url(f"**/partner/orders/vendororder/{vendor_order.pk}/change/")
    assert_fits(page)
    assert "601234567890" in page.content()

    vendor_order.refresh_from_db()
    assert vendor_order.status == VendorOrderStatus.SHIPPED
    assert (vendor_order.carrier, vendor_order.tracking_number) == ("cj", "601234567890")
