"""Issue 11 in Chromium: a vendor's documents reach an agency only once it submitted a quote, and the
vendor sees in its partner admin who downloaded them.

The agency asks a vendor for a quote; its bank book is not there for the buyer (404). The vendor reads,
on the answer page, that sending the quote shares its documents, and sends it. The buyer downloads the
bundle ZIP; the vendor's partner admin shows the agency and the ZIP in 서류 열람 기록.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import TaxType
from procurement.models import QuoteStatus, VendorQuote
from procurement.services.quotes import quote_request_create
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory, category
from tests.procurement.docs_helpers import vendor_documents
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory
from vendors.models import DocumentKind, DocumentRead, DocumentReadChannel

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}


def test_documents_are_shared_by_the_quote_and_the_vendor_sees_the_reads(live_server, new_page):
    agency = AgencyFactory(name="충청남도 서산시청")
    buyer = UserFactory(email="buyer@seosan.go.kr", name="이주무관")
    AgencyMembershipFactory(user=buyer, agency=agency)
    farm = VendorFactory(name="서산햇살농장")
    owner = MembershipFactory(vendor=farm, user=UserFactory(email="owner@farm.kr", name="정대표")).user
    docs = vendor_documents(farm)
    rice = ProductFactory(vendor=farm, name="서산 간척지 쌀 10kg", category=category("rice-grains"),
                          procurement_eligible=True, tax_type=TaxType.EXEMPT,
                          variants=[{"name": "기본", "price": 40_000, "stock": 100}])
    request = quote_request_create(
        user=buyer, agency_id=agency.pk, title="경로당 쌀 구매", delivery_place="서산시청 본관",
        reply_by=timezone.localdate() + timedelta(days=5),
        items=[{"vendor_id": farm.pk, "variant_id": rice.variants.get().pk, "name": rice.name, "quantity": 10}])
    quote = VendorQuote.objects.get(request=request)

    # A request alone: the bank book is not the agency's to read.
    page = new_page(viewport=DESKTOP)
    log_in(page, live_server, buyer.email, "/")
    response = page.goto(live_server.url + docs[DocumentKind.BANK_BOOK].get_absolute_url())
    assert response.status == 404

    # The vendor answers; the answer page says what sending shares.
    vendor_page = new_page(viewport=DESKTOP)
    log_in(vendor_page, live_server, owner.email, "/procurement/vendor/quotes/")
    vendor_page.get_by_role("link", name="견적 작성").click()
    vendor_page.wait_for_url(f"**/procurement/vendor/quotes/{quote.number}/answer/")
    note = vendor_page.get_by_test_id("documents-shared-note").inner_text()
    assert "통장 사본" in note and "서류 열람 기록" in note
    vendor_page.get_by_role("button", name="견적서 보내기").click()
    vendor_page.wait_for_url(f"**/procurement/quotes/{quote.number}/")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ANSWERED

    # The buyer downloads the bundle ZIP from the quote page.
    page.goto(live_server.url + quote.get_absolute_url())
    panel = page.get_by_test_id("bundle-panel")
    panel.get_by_role("button", name="서류 한 번에 받기").click()
    zip_link = panel.get_by_test_id("bundle-zip")
    zip_link.wait_for(state="visible", timeout=30_000)
    with page.expect_download() as download_info:
        zip_link.click()
    assert download_info.value.suggested_filename.endswith(".zip")
    reads = DocumentRead.objects.filter(vendor=farm, channel=DocumentReadChannel.BUNDLE_ZIP)
    assert reads.count() == 3 and {r.context for r in reads} == {"충청남도 서산시청"}

    # The vendor sees who read its documents, from the partner admin's front page.
    vendor_page.goto(f"{live_server.url}/partner/")
    vendor_page.get_by_role("link", name="서류 열람 기록").first.click()
    vendor_page.wait_for_url("**/partner/vendors/documentread/")
    table = vendor_page.locator("#result_list").inner_text()
    assert "충청남도 서산시청" in table and "서류 묶음 ZIP" in table and quote.number in table
    assert "통장 사본" in table and "이주무관" in table
    assert "buyer@seosan.go.kr" not in table
