"""Public procurement in Chromium: a verified agency buyer fills a quote basket from two vendors,
asks for quotes, one vendor answers with a discounted price, the buyer downloads the one-click
document bundle, accepts the quote, the vendor confirms and delivers, the buyer inspects and the
agency dashboard shows the purchase."""
import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from catalog.models import TaxType
from procurement.models import POStatus, PurchaseOrder, PurchaseRecord, QuoteRequest, QuoteStatus, VendorQuote
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory, category
from tests.procurement.docs_helpers import vendor_documents
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}


def add_to_basket(page, live_server, product, quantity):
    page.goto(live_server.url + product.get_absolute_url())
    box = page.get_by_test_id("quote-basket-box")
    assert box.get_attribute("data-state") == "verified"
    box.get_by_label("수량").fill(str(quantity))
    box.get_by_role("button", name="견적 바구니 담기").click()
    page.wait_for_url("**/procurement/basket/")


def test_agency_quote_bundle_purchase_until_dashboard(live_server, new_page, tmp_path):
    agency = AgencyFactory(name="충청남도 홍성군청")
    buyer = UserFactory(email="buyer@hongseong.go.kr", name="박주무관")
    AgencyMembershipFactory(user=buyer, agency=agency)

    farm = VendorFactory(name="홍성햇살농장")
    soap_maker = VendorFactory(name="보령머드공방")
    farm_owner = MembershipFactory(vendor=farm).user
    MembershipFactory(vendor=soap_maker)
    for vendor in (farm, soap_maker):
        vendor_documents(vendor)
    rice = ProductFactory(vendor=farm, name="홍성 유기농 현미 10kg", category=category("rice-grains"),
                          procurement_eligible=True, tax_type=TaxType.EXEMPT,
                          variants=[{"name": "기본", "price": 55_000, "stock": 500}])
    paste = ProductFactory(vendor=farm, name="전통 된장 선물세트", category=category("rice-grains"),
                           procurement_eligible=True, tax_type=TaxType.TAXABLE,
                           variants=[{"name": "기본", "price": 15_000, "stock": 500}])
    soap = ProductFactory(vendor=soap_maker, name="머드 수제비누 세트", category=category("household"), origin="",
                          procurement_eligible=True, tax_type=TaxType.TAXABLE,
                          variants=[{"name": "기본", "price": 12_000, "stock": 500}])

    # The buyer fills the quote basket from the product pages of two vendors.
    page = new_page(viewport=DESKTOP)
    log_in(page, live_server, buyer.email, "/")
    add_to_basket(page, live_server, rice, 20)
    add_to_basket(page, live_server, paste, 10)
    add_to_basket(page, live_server, soap, 30)
    groups = page.get_by_test_id("basket-group")
    assert groups.count() == 2
    assert "홍성햇살농장" in page.content() and "보령머드공방" in page.content()

    # ... and asks both for a quote.
    page.get_by_test_id("request-new").click()
    page.wait_for_url("**/procurement/requests/new/")
    reply_by = timezone.localdate() + dt.timedelta(days=5)
    form = page.get_by_test_id("request-form")
    form.get_by_label("제목").fill("2026년 경로당 명절 선물 구매")
    form.get_by_label("납품 장소").fill("홍성군청 본관 1층 총무과")
    form.get_by_label("회신 기한").fill(reply_by.isoformat())
    form.get_by_role("button", name="견적 요청 보내기").click()
    page.wait_for_url("**/procurement/requests/RQ-*/")
    quote_request = QuoteRequest.objects.get(agency=agency)
    assert quote_request.title == "2026년 경로당 명절 선물 구매" and quote_request.reply_by == reply_by
    assert set(quote_request.quotes.values_list("vendor__name", flat=True)) == {"홍성햇살농장", "보령머드공방"}
    farm_quote = VendorQuote.objects.get(request=quote_request, vendor=farm)

    # The farm's owner answers: catalog prices prefilled, a volume discount on the rice.
    vendor_page = new_page(viewport=DESKTOP)
    log_in(vendor_page, live_server, farm_owner.email, "/procurement/vendor/quotes/")
    assert "보령머드공방" not in vendor_page.content()
    vendor_page.get_by_role("link", name="견적 작성").click()
    vendor_page.wait_for_url(f"**/procurement/vendor/quotes/{farm_quote.number}/answer/")
    rows = vendor_page.get_by_test_id("answer-row")
    rice_row = rows.filter(has=vendor_page.locator("input[value='홍성 유기농 현미 10kg']"))
    paste_row = rows.filter(has=vendor_page.locator("input[value='전통 된장 선물세트']"))
    assert rice_row.locator("input[name$='-unit_price']").input_value() == "55000"
    assert paste_row.locator("input[name$='-unit_price']").input_value() == "15000"
    rice_row.locator("input[name$='-unit_price']").fill("52000")
    assert "정가 대비 5.5% 할인" in rice_row.get_by_test_id("percent-off").inner_text()
    vendor_page.get_by_test_id("answer-form").get_by_label("납품 조건").fill("발주 후 7일 이내, 하차 포함")
    vendor_page.get_by_role("button", name="견적서 보내기").click()
    vendor_page.wait_for_url(f"**/procurement/quotes/{farm_quote.number}/")
    farm_quote.refresh_from_db()
    assert farm_quote.status == QuoteStatus.ANSWERED
    # 20 × 52,000 (면세) + 10 × 15,000 (과세, 부가세 포함)
    assert farm_quote.current_version.total == 1_190_000

    # The buyer opens the quote and gets the document bundle in one click.
    page.goto(live_server.url + farm_quote.get_absolute_url())
    assert "1,190,000원" in page.get_by_test_id("current-version").inner_text()
    panel = page.get_by_test_id("bundle-panel")
    panel.get_by_role("button", name="서류 한 번에 받기").click()
    pdf_link = panel.get_by_test_id("bundle-pdf")
    pdf_link.wait_for(state="visible", timeout=30_000)
    assert panel.get_attribute("data-status") == "ready"
    # The PDF is served inline (the browser would show it); Alt+click saves a link in Chromium.
    with page.expect_download() as download_info:
        pdf_link.click(modifiers=["Alt"])
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf") and farm_quote.number in download.suggested_filename
    path = tmp_path / "bundle.pdf"
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 3
    cover = reader.pages[0].extract_text()
    assert "공공구매 제출 서류 묶음" in cover and farm_quote.number in cover and "홍성햇살농장" in cover
    assert "사업자등록증" in cover

    # ... accepts it, which issues the purchase order.
    page.get_by_role("button", name="이 견적 채택").click()
    page.wait_for_url("**/procurement/po/PO-*/")
    po = PurchaseOrder.objects.get(quote=farm_quote)
    assert po.status == POStatus.ISSUED and po.total == 1_190_000
    assert "1,190,000원" in page.get_by_test_id("po-total").inner_text()

    # The farm confirms the order and delivers.
    vendor_page.goto(live_server.url + po.get_absolute_url())
    vendor_page.get_by_test_id("po-confirm").click()
    vendor_page.wait_for_url(f"**/procurement/po/{po.number}/")
    vendor_page.get_by_test_id("po-deliver").click()
    vendor_page.wait_for_url(f"**/procurement/po/{po.number}/")
    vendor_page.get_by_test_id("delivery-note-pdf").wait_for()
    po.refresh_from_db()
    assert po.status == POStatus.DELIVERED

    # The buyer inspects the delivery: a purchase record.
    page.goto(live_server.url + po.get_absolute_url())
    page.get_by_test_id("po-inspect").click()
    page.wait_for_url(f"**/procurement/po/{po.number}/")
    page.get_by_test_id("po-records").wait_for()
    po.refresh_from_db()
    assert po.status == POStatus.INSPECTED
    assert sum(r.total for r in PurchaseRecord.objects.filter(agency=agency)) == 1_190_000

    # The agency dashboard shows the purchase and the vendor.
    page.goto(f"{live_server.url}/procurement/dashboard/")
    dashboard = page.get_by_test_id("dashboard")
    assert "1,190,000원" in dashboard.get_by_test_id("total").inner_text()
    assert "홍성햇살농장" in dashboard.inner_text()
    assert "보령머드공방" not in dashboard.inner_text()
