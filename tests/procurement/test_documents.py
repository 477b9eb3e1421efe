"""Generated procurement PDFs: the quote (견적서), its versions, the purchase order, the delivery note, spec sheets."""
import io

import pytest
from pypdf import PdfReader

from catalog.models import TaxType
from ddasum.documents import fingerprint
from procurement.models import POStatus, QuoteVersion
from procurement.services.documents import (
    delivery_note_pdf_make,
    po_pdf_make,
    quote_facts,
    quote_pdf_make,
    spec_sheet_facts,
    spec_sheet_pages,
    spec_sheets_render,
)
from procurement.tasks import delivery_note_pdf_task, quote_pdf_task
from tests.factories import ProductFactory
from tests.procurement.docs_helpers import (
    add_version,
    file_bytes,
    make_po,
    make_quote,
    pdf_pages,
    pdf_text,
    vendor_documents,
)
from tests.procurement.factories import AgencyMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer_membership():
    return AgencyMembershipFactory(department="회계과", agency__name="충청남도 홍성군청")


@pytest.fixture
def quote(vendor, buyer_membership):
    vendor_documents(vendor)
    return make_quote(agency=buyer_membership.agency, vendor=vendor, buyer=buyer_membership.user)


def _text(field) -> str:
    return pdf_text(file_bytes(field))


def test_quote_pdf_shows_the_parties_items_and_totals_by_tax_type(quote, vendor):
    version = quote_pdf_make(version_id=quote.current_version_id)
    assert version is not None and version.pdf and len(version.pdf_fingerprint) == 64
    data = file_bytes(version.pdf)
    assert pdf_pages(data) == 1  # a typical quote fits one page
    text = pdf_text(data)
    for expected in ["견 적 서", quote.number, "제1차", "충청남도 홍성군청", "귀중", "회계과",
                     vendor.business_number, vendor.name, vendor.representative, "제조업", "장류", "041-631-1234",
                     "유기농 현미 10kg", "10kg 포대", "전통 된장 선물세트",
                     "금 일백이십만원정", "₩1,200,000", "농협은행 301-1234-5678-91",
                     "주문 후 7일 이내 납품", "납품 후 30일 이내 지급",
                     "공급가액", "세액"]:
        assert expected in text, expected
    # 면세 1,100,000 (no tax) and 과세 100,000 = 90,909 + 9,091; together 1,190,909 + 9,091.
    assert "면세 1,100,000 0 1,100,000" in text
    assert "과세 90,909 9,091 100,000" in text
    assert "합계 1,190,909 9,091 1,200,000" in text
    assert f"{version.valid_until:%Y-%m-%d}까지" in text


def test_quote_pdf_carries_the_vendor_seal_image(quote):
    version = quote_pdf_make(version_id=quote.current_version_id)
    reader = PdfReader(io.BytesIO(file_bytes(version.pdf)))
    assert reader.pages[0].images, "the seal is drawn on the quote"


def test_making_again_with_the_same_facts_does_nothing(quote):
    first = quote_pdf_make(version_id=quote.current_version_id)
    name, digest = first.pdf.name, first.pdf_fingerprint
    assert quote_pdf_make(version_id=quote.current_version_id) is None
    assert quote_pdf_task.delay(version_id=quote.current_version_id).get() is False
    version = QuoteVersion.objects.get(pk=quote.current_version_id)
    assert (version.pdf.name, version.pdf_fingerprint) == (name, digest)


def test_a_changed_fact_makes_the_current_version_again(quote, vendor):
    first = quote_pdf_make(version_id=quote.current_version_id)
    vendor.phone = "041-000-9999"
    vendor.save()
    again = quote_pdf_make(version_id=quote.current_version_id)
    assert again is not None and again.pdf_fingerprint != first.pdf_fingerprint
    assert "041-000-9999" in _text(again.pdf)


def test_a_new_version_gets_its_own_pdf_and_the_earlier_one_stays_as_issued(quote, vendor):
    v1 = quote_pdf_make(version_id=quote.current_version_id)
    v2 = add_version(quote, lines=[{"name": "유기농 현미 10kg", "spec": "10kg 포대", "unit": "포", "quantity": 20,
                                    "unit_price": 50_000, "tax_type": TaxType.EXEMPT}], notes="수정 견적")
    quote_pdf_make(version_id=v2.pk)
    v2.refresh_from_db()
    v1.refresh_from_db()
    assert v2.pdf and v2.pdf.name != v1.pdf.name
    text2 = _text(v2.pdf)
    assert "제2차" in text2 and "금 일백만원정" in text2 and "수정 견적" in text2
    assert "과세" not in text2.split("구분 공급가액")[1]  # an exempt-only quote has no 과세 row
    # v1 is kept as it was issued, even when the vendor's details change afterwards.
    v1_name = v1.pdf.name
    vendor.phone = "041-000-9999"
    vendor.save()
    assert quote_pdf_make(version_id=v1.pk) is None
    v1.refresh_from_db()
    assert v1.pdf.name == v1_name
    text1 = _text(v1.pdf)
    assert "제1차" in text1 and "금 일백이십만원정" in text1 and "041-631-1234" in text1


def test_version_without_pdf_yet_is_made_even_if_not_current(quote):
    v1_id = quote.current_version_id
    add_version(quote, lines=[{"name": "된장", "quantity": 1, "unit_price": 10_000, "tax_type": TaxType.TAXABLE}])
    assert quote_pdf_make(version_id=v1_id) is not None


def test_fingerprint_is_of_the_facts(quote):
    version = QuoteVersion.objects.get(pk=quote.current_version_id)
    assert fingerprint(quote_facts(version)) == fingerprint(quote_facts(version))
    made = quote_pdf_make(version_id=version.pk)
    assert made.pdf_fingerprint == fingerprint(quote_facts(version))


def test_purchase_order_pdf(quote):
    po = make_po(quote)
    made = po_pdf_make(po_id=po.pk)
    text = _text(made.pdf)
    for expected in ["발주서", po.number, "충청남도 홍성군청", quote.vendor.name, "금 일백이십만원정",
                     "충청남도청 본관 1층", f"{quote.number}-1"]:
        assert expected in text, expected
    assert po_pdf_make(po_id=po.pk) is None  # idempotent
    po.status = POStatus.CANCELLED
    po.save()
    assert "발주 취소" in _text(po_pdf_make(po_id=po.pk).pdf)


def test_delivery_note_only_after_delivery(quote):
    po = make_po(quote, status=POStatus.CONFIRMED)
    assert delivery_note_pdf_make(po_id=po.pk) is None
    po.refresh_from_db()
    assert not po.delivery_note_pdf
    po.status = POStatus.DELIVERED
    po.delivery_note = "정문 경비실 인계"
    po.save()
    assert delivery_note_pdf_task.delay(po_id=po.pk).get() is True
    po.refresh_from_db()
    text = _text(po.delivery_note_pdf)
    assert "납품서" in text and "정문 경비실 인계" in text and "금 일백이십만원정" in text
    assert delivery_note_pdf_make(po_id=po.pk) is None


def test_spec_sheets_one_render_cut_per_product(vendor):
    first = ProductFactory(vendor=vendor, name="홍성 현미", specs="용량: 10kg\n보관방법: 서늘한 곳\n제조사: 따숨",
                           origin="국내산(충남 홍성)")
    long_specs = "\n".join(f"항목{i}: 아주 긴 설명 {'가나다라마바사 ' * 8}" for i in range(60))
    second = ProductFactory(vendor=vendor, name="긴 사양 상품", specs=long_specs)
    sheets = [spec_sheet_facts(first), spec_sheet_facts(second)]
    data = spec_sheets_render(sheets)
    reader = PdfReader(io.BytesIO(data))
    pages = spec_sheet_pages(reader, sheets)
    assert pages[first.pk] == (0, 1)
    start, count = pages[second.pk]
    assert start == 1 and count >= 2 and start + count == len(reader.pages)
    text = reader.pages[0].extract_text()
    for expected in ["상품 사양서", "홍성 현미", "용량", "10kg", "보관방법", "국내산(충남 홍성)", vendor.name, "25,000원"]:
        assert expected in text, expected


def test_spec_sheet_shows_the_main_product_image(vendor):
    from django.core.files.base import ContentFile

    from catalog.models import ProductImage
    from tests.factories import image_bytes

    product = ProductFactory(vendor=vendor, name="사진 있는 상품")
    image = ProductImage(product=product, position=0, alt="대표")
    image.image.save("main.jpg", ContentFile(image_bytes("JPEG", size=(400, 300))), save=True)
    sheet = spec_sheet_facts(product)
    assert sheet["image"] == image.image.name
    reader = PdfReader(io.BytesIO(spec_sheets_render([sheet])))
    assert len(reader.pages[0].images) == 1
    # a missing file leaves the picture out rather than failing the sheet
    image.image.storage.delete(image.image.name)
    reader = PdfReader(io.BytesIO(spec_sheets_render([spec_sheet_facts(product)])))
    assert len(reader.pages[0].images) == 0 and "사진 있는 상품" in reader.pages[0].extract_text()
