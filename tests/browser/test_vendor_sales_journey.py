"""The vendor's sales report in Chromium on a phone (390×844): from the partner dashboard to the report,
which fits the width (wide tables scroll inside their box), and the spreadsheet download."""
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from orders.services.settlements import previous_month
from tests.browser.test_procurement_journey import log_in
from tests.factories import MembershipFactory, ProductFactory, VendorFactory
from tests.orders.helpers import paid_vendor_order, vendor_order_completed
from tests.procurement.test_vendor_sales import kst

pytestmark = pytest.mark.django_db(transaction=True)


def test_vendor_reads_its_sales_on_a_phone_and_downloads_them(live_server, new_page):
    farm = VendorFactory(name="홍성햇살농장")
    owner = MembershipFactory(vendor=farm).user
    rice = ProductFactory(vendor=farm, name="홍성 유기농 현미 10kg",
                          variants=[{"name": "기본", "price": 55_000, "stock": 50}]).variants.get()
    start, _end = previous_month()
    vendor_order_completed(paid_vendor_order(rice, qty=2), at=kst(start.year, start.month, 5, 10))

    page = new_page()
    log_in(page, live_server, owner.email, "/partner/")
    page.get_by_test_id("sales-report-link").click()
    page.wait_for_url("**/partner/sales/")
    page.get_by_label("연도").select_option(str(start.year))
    page.get_by_role("button", name="보기").click()
    expect(page.get_by_test_id("sales-total")).to_have_text("110,000원")
    expect(page.locator("#sales-products")).to_contain_text("홍성 유기농 현미 10kg")
    expect(page.locator(".vendor-sales-chart")).to_be_visible()
    # Nothing runs off the right edge: the wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with page.expect_download() as download:
        page.get_by_test_id("sales-xlsx").click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert workbook.sheetnames == ["월별", "채널별", "상품별", "지역별"]
