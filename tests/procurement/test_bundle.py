"""The one-click document bundle: pages and text, missing and expired documents, the ZIP, caching."""
import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone
from pypdf import PdfReader

from catalog.models import TaxType
from procurement.exceptions import NotAllowed, ProcurementError
from procurement.models import BundleStatus, POStatus, QuoteBundle
from procurement.services import bundle as bundle_module
from procurement.services.bundle import (
    bundle_build,
    bundle_is_current,
    bundle_plan,
    bundle_request,
    bundle_state,
    image_pdf,
)
from procurement.services.documents import quote_pdf_make
from tests.factories import ProductFactory, UserFactory, image_bytes, pdf_bytes
from tests.procurement.docs_helpers import (
    add_version,
    file_bytes,
    make_po,
    make_quote,
    pdf_text,
    vendor_document,
    vendor_documents,
)
from tests.procurement.factories import AgencyMembershipFactory
from vendors.models import DocumentKind, EnterpriseType

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership():
    return AgencyMembershipFactory(agency__name="충청남도 홍성군청")


@pytest.fixture
def product(vendor):
    return ProductFactory(vendor=vendor, name="홍성 유기농 현미", specs="용량: 10kg\n보관방법: 서늘한 곳")


@pytest.fixture
def quote(vendor, membership, product):
    """A quote of two lines: one catalog product (→ one spec sheet) and one free-text line."""
    variant = product.variants.get()
    return make_quote(agency=membership.agency, vendor=vendor, buyer=membership.user, lines=[
        {"name": product.name, "spec": "10kg", "unit": "포", "quantity": 20, "unit_price": 55_000,
         "tax_type": TaxType.EXEMPT, "variant": variant},
        {"name": "전통 된장 선물세트", "quantity": 20, "unit_price": 5_000, "tax_type": TaxType.TAXABLE},
    ])


def _queued(callbacks) -> list:
    """The builds queued by bundle_request (other callbacks delete replaced files)."""
    return [c for c in callbacks if _queued_task_name(c) == "procurement.bundle_build_task"]


def _queued_task_name(callback) -> str:
    """The task a jobs.after_commit callback sends ("" for any other callback)."""
    if "after_commit" not in callback.__qualname__:
        return ""
    return next((cell.cell_contents.name for cell in callback.__closure__ or ()
                 if hasattr(cell.cell_contents, "delay")), "")


def _reader(bundle) -> PdfReader:
    return PdfReader(io.BytesIO(file_bytes(bundle.pdf)))


def _page_texts(bundle) -> list[str]:
    return [page.extract_text() for page in _reader(bundle).pages]


def _zip_names(bundle) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(file_bytes(bundle.zip))) as archive:
        return archive.namelist()


def test_full_bundle_pages_in_order(quote, vendor):
    vendor_documents(vendor)
    vendor_document(vendor, DocumentKind.BUSINESS_REGISTRATION, data=pdf_bytes(pages=2),
                    uploaded_at=timezone.now() + dt.timedelta(seconds=1))  # the current one has two pages
    bundle = bundle_build(quote_id=quote.pk)
    assert bundle.status == BundleStatus.READY, bundle.error
    # cover 1 + quote 1 + registration 2 + proof (image) 1 + bank book (image) 1 + one spec sheet 1
    reader = _reader(bundle)
    assert bundle.page_count == len(reader.pages) == 7
    texts = _page_texts(bundle)
    cover = texts[0]
    assert "공공구매 제출 서류 묶음" in cover and quote.number in cover and "충청남도 홍성군청" in cover
    for label, pages in [("견적서 제1차", "2"), ("사업자등록증", "3–4"), ("협동조합 설립신고필증", "5"),
                         ("통장 사본", "6"), ("상품 사양서: 홍성 유기농 현미", "7")]:
        assert f"{label} {pages}" in cover, label
    assert "필요한 서류가 모두 들어 있습니다" in cover
    assert "납품서는 납품을 마친 뒤" in cover
    assert "견 적 서" in texts[1] and "금 일백이십만원정" in texts[1]
    assert "상품 사양서" in texts[6] and "홍성 유기농 현미" in texts[6] and "10kg" in texts[6]
    # every page is A4
    for page in reader.pages:
        assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    assert bundle.missing == []
    assert bundle.contents[0] == "표지 (1쪽)"
    assert bundle.contents[1:] == ["견적서 제1차 (2쪽)", "사업자등록증 (3–4쪽)", "협동조합 설립신고필증 (5쪽)",
                                   "통장 사본 (6쪽)", "상품 사양서: 홍성 유기농 현미 (7쪽)"]
    assert bundle.built_at is not None


def test_image_document_becomes_a_fitted_a4_page():
    data = image_pdf(image_bytes("PNG", size=(1600, 400)))
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    assert len(page.images) == 1
    with pytest.raises(ValueError):
        image_pdf(b"\x89PNG\r\n\x1a\n not really an image")


def test_missing_documents_are_listed_on_the_cover_and_before_building(quote, vendor):
    vendor_document(vendor, DocumentKind.BUSINESS_REGISTRATION)
    # what the quote page shows before anybody builds anything
    state = bundle_state(quote)
    assert state["status"] == "none"
    assert state["missing"] == ["협동조합 설립신고필증: 제출되지 않음", "통장 사본: 제출되지 않음"]
    bundle = bundle_build(quote_id=quote.pk)
    assert bundle.status == BundleStatus.READY
    assert bundle.page_count == 1 + 1 + 1 + 1  # cover, quote, registration, spec sheet
    cover = _page_texts(bundle)[0]
    assert "빠지거나 확인이 필요한 서류" in cover
    assert "협동조합 설립신고필증: 제출되지 않음" in cover and "통장 사본: 제출되지 않음" in cover
    assert bundle.missing == ["협동조합 설립신고필증: 제출되지 않음", "통장 사본: 제출되지 않음"]


def test_expired_certification_is_included_but_flagged(quote, vendor):
    vendor.enterprise_type = EnterpriseType.SOCIAL
    vendor.cert_number = "2020-123"
    vendor.cert_valid_until = timezone.localdate() - dt.timedelta(days=3)
    vendor.save()
    vendor_documents(vendor)
    bundle = bundle_build(quote_id=quote.pk)
    assert bundle.page_count == 6
    expired_on = f"{vendor.cert_valid_until:%Y-%m-%d}"
    cover = _page_texts(bundle)[0]
    assert "사회적기업 인증서" in cover and "인증 만료" in cover and expired_on in cover
    assert bundle.missing == [f"사회적기업 인증서: 인증 만료 ({expired_on}까지 유효)"]
    assert any(c.startswith("사회적기업 인증서 (4쪽)") and "인증 만료" in c for c in bundle.contents)


def test_certification_still_valid_is_not_flagged(quote, vendor):
    vendor.enterprise_type = EnterpriseType.PRE_SOCIAL
    vendor.cert_valid_until = timezone.localdate() + dt.timedelta(days=30)
    vendor.save()
    vendor_documents(vendor)
    assert bundle_plan(quote).missing == []


def test_corrupt_pdf_is_listed_as_unreadable_not_a_failure(quote, vendor):
    vendor_documents(vendor)
    vendor_document(vendor, DocumentKind.BANK_BOOK, data=b"%PDF-1.4\nthis is not a pdf at all",
                    uploaded_at=timezone.now() + dt.timedelta(seconds=1))
    bundle = bundle_build(quote_id=quote.pk)
    assert bundle.status == BundleStatus.READY
    assert bundle.missing == ["통장 사본: 파일을 읽을 수 없음"]
    assert "통장 사본: 파일을 읽을 수 없음" in _page_texts(bundle)[0]
    assert bundle.page_count == 5  # cover, quote, registration, proof, spec sheet
    assert not any("통장" in name for name in _zip_names(bundle))


def test_zip_holds_the_separate_files_under_korean_names(quote, vendor):
    vendor_documents(vendor)
    bundle = bundle_build(quote_id=quote.pk)
    names = _zip_names(bundle)
    assert names == [
        "00_표지_서류목록.pdf",
        f"01_견적서_{quote.number}_제1차.pdf",
        "02_사업자등록증.pdf",
        "03_협동조합 설립신고필증.png",
        "04_통장 사본.jpg",
        "05_상품 사양서_ 홍성 유기농 현미.pdf",
    ]
    with zipfile.ZipFile(io.BytesIO(file_bytes(bundle.zip))) as archive:
        docs = {d.kind: d for d in vendor.documents.all()}
        # vendor documents are the originals, byte for byte
        assert archive.read("03_협동조합 설립신고필증.png") == file_bytes(docs[DocumentKind.ENTERPRISE_PROOF].file)
        spec = PdfReader(io.BytesIO(archive.read(names[-1])))
        assert len(spec.pages) == 1 and "홍성 유기농 현미" in spec.pages[0].extract_text()
        info = archive.getinfo(names[1])
        assert info.flag_bits & 0x800  # names are stored as UTF-8


def test_delivery_note_joins_after_delivery(quote, vendor):
    vendor_documents(vendor)
    po = make_po(quote, status=POStatus.CONFIRMED)
    before = bundle_build(quote_id=quote.pk)
    assert before.page_count == 6
    po.status = POStatus.DELIVERED
    po.delivered_at = timezone.now()
    po.save()
    assert not bundle_is_current(before)
    after = bundle_build(quote_id=quote.pk)
    assert after.page_count == 7
    texts = _page_texts(after)
    assert f"납품서 {po.number} 7" in texts[0]
    assert "납품서" in texts[6] and po.number in texts[6]
    assert "납품서는 납품을 마친 뒤" not in texts[0]
    assert _zip_names(after)[-1] == f"06_납품서_{po.number}.pdf"


def test_build_makes_the_quote_pdf_first(quote, vendor):
    vendor_documents(vendor)
    assert not quote.current_version.pdf
    bundle_build(quote_id=quote.pk)
    quote.current_version.refresh_from_db()
    assert quote.current_version.pdf


def test_build_is_idempotent(quote, vendor, monkeypatch):
    vendor_documents(vendor)
    first = bundle_build(quote_id=quote.pk)
    names = (first.pdf.name, first.zip.name, first.built_at)

    def boom(*args, **kwargs):
        raise AssertionError("nothing should be rendered again")

    monkeypatch.setattr(bundle_module, "_assemble", boom)
    again = bundle_build(quote_id=quote.pk)
    assert (again.pdf.name, again.zip.name, again.built_at) == names
    assert bundle_is_current(again)


def test_request_queues_only_when_the_inputs_changed(quote, vendor, django_capture_on_commit_callbacks):
    vendor_documents(vendor)
    quote_pdf_make(version_id=quote.current_version_id)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bundle = bundle_request(quote_id=quote.pk, user=quote.request.created_by)
    assert len(_queued(callbacks)) == 1
    bundle.refresh_from_db()
    assert bundle.status == BundleStatus.READY and bundle_is_current(bundle)
    built_at = bundle.built_at

    # the same inputs: nothing is queued, nothing rebuilt
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        same = bundle_request(quote_id=quote.pk)
    assert _queued(callbacks) == [] and same.built_at == built_at

    # a new upload of a document changes the fingerprint
    old_fingerprint = same.fingerprint
    vendor_document(vendor, DocumentKind.BANK_BOOK, content_type="image/png",
                    data=image_bytes("PNG", size=(500, 300)), uploaded_at=timezone.now() + dt.timedelta(seconds=1))
    assert bundle_plan(quote).fingerprint != old_fingerprint
    assert not bundle_is_current(QuoteBundle.objects.get(quote=quote))
    assert bundle_state(quote)["status"] == "outdated"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bundle_request(quote_id=quote.pk)
    assert len(_queued(callbacks)) == 1
    bundle = QuoteBundle.objects.get(quote=quote)
    assert bundle.status == BundleStatus.READY and bundle.built_at > built_at and bundle_is_current(bundle)

    # so does a new version of the quote
    fingerprint_before = bundle.fingerprint
    add_version(quote, lines=[{"name": "된장", "quantity": 10, "unit_price": 10_000, "tax_type": TaxType.TAXABLE}])
    quote.refresh_from_db()
    assert bundle_plan(quote).fingerprint != fingerprint_before
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bundle_request(quote_id=quote.pk)
    assert len(_queued(callbacks)) == 1
    bundle = QuoteBundle.objects.get(quote=quote)
    assert "견적서 제2차 (2쪽)" in bundle.contents
    assert bundle.page_count == 5  # the free-text line has no spec sheet


def test_pending_request_is_not_queued_twice(quote, vendor, django_capture_on_commit_callbacks):
    vendor_documents(vendor)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = bundle_request(quote_id=quote.pk)
    assert len(_queued(callbacks)) == 1 and first.status == BundleStatus.PENDING
    assert bundle_state(quote)["status"] == "pending"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bundle_request(quote_id=quote.pk)
    assert _queued(callbacks) == []
    # a lost task: an old pending request is queued again
    QuoteBundle.objects.filter(quote=quote).update(requested_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bundle_request(quote_id=quote.pk)
    assert len(_queued(callbacks)) == 1


def test_failed_build_is_recorded_and_requested_again(quote, vendor, monkeypatch, django_capture_on_commit_callbacks):
    vendor_documents(vendor)

    def broken(plan):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bundle_module, "_assemble", broken)
    bundle = bundle_build(quote_id=quote.pk)
    assert bundle.status == BundleStatus.FAILED and "disk full" in bundle.error
    state = bundle_state(quote)
    assert state["status"] == "failed" and state["error"] and not state["pdf_url"]
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bundle_request(quote_id=quote.pk)
    assert len(_queued(callbacks)) == 1
    assert QuoteBundle.objects.get(quote=quote).status == BundleStatus.READY


def test_request_refuses_strangers_and_unanswered_quotes(quote, vendor, other_owner):
    with pytest.raises(NotAllowed):
        bundle_request(quote_id=quote.pk, user=other_owner)
    with pytest.raises(NotAllowed):
        bundle_request(quote_id=quote.pk, user=UserFactory())
    other = make_quote(agency=quote.request.agency, vendor=vendor, buyer=quote.request.created_by)
    other.current_version = None
    other.save()
    with pytest.raises(ProcurementError):
        bundle_request(quote_id=other.pk)
    assert bundle_state(other)["can_request"] is False


def test_ready_state_has_the_download_links(quote, vendor):
    vendor_documents(vendor)
    bundle_build(quote_id=quote.pk)
    state = bundle_state(quote)
    assert state["status"] == "ready" and state["page_count"] == 6
    assert state["pdf_url"].endswith(f"/{quote.number}/bundle/pdf/")
    assert state["zip_url"].endswith(f"/{quote.number}/bundle/zip/")
    assert state["contents"][0] == "표지 (1쪽)" and state["missing"] == []


# --- through the other parts' services: request → quote → bundle → accept → delivery -------------


def test_flow_request_quote_bundle_accept_deliver(vendor, owner, django_capture_on_commit_callbacks):
    from procurement.services.purchases import po_confirm, po_deliver, quote_accept
    from tests.procurement.quotes_helpers import answer, eligible_product, request_for

    vendor_documents(vendor)
    buyer = AgencyMembershipFactory(agency__name="충청남도 보령시청").user
    agency = buyer.agency_memberships.get().agency
    product = eligible_product(vendor, price=12_000, tax_type=TaxType.EXEMPT, name="보령 김 선물세트",
                               specs="구성: 김 10봉\n원산지: 국내산")
    with django_capture_on_commit_callbacks(execute=True):
        request = request_for(buyer, agency, [(product.variants.get(), 50)])
    quote = request.quotes.get()
    with django_capture_on_commit_callbacks(execute=True):  # the quote PDF is made after commit
        version = answer(quote, owner)
    version.refresh_from_db()
    assert version.pdf and "금 육십만원정" in pdf_text(file_bytes(version.pdf))

    with django_capture_on_commit_callbacks(execute=True):
        bundle_request(quote_id=quote.pk, user=buyer)
    bundle = QuoteBundle.objects.get(quote=quote)
    assert bundle.status == BundleStatus.READY and bundle.page_count == 6
    assert bundle.contents[-1] == "상품 사양서: 보령 김 선물세트 (6쪽)"

    with django_capture_on_commit_callbacks(execute=True):
        po = quote_accept(quote_id=quote.pk, actor=buyer)
    po.refresh_from_db()
    assert po.pdf and "발주서" in pdf_text(file_bytes(po.pdf))
    with django_capture_on_commit_callbacks(execute=True):
        po_confirm(po_id=po.pk, actor=owner)
        po_deliver(po_id=po.pk, actor=owner, note="본관 1층 인계")
    po.refresh_from_db()
    assert po.delivery_note_pdf and "본관 1층 인계" in pdf_text(file_bytes(po.delivery_note_pdf))

    quote.refresh_from_db()
    assert bundle_state(quote)["status"] == "outdated"  # the delivery note joins the bundle
    with django_capture_on_commit_callbacks(execute=True):
        bundle_request(quote_id=quote.pk, user=buyer)
    bundle.refresh_from_db()
    assert bundle.page_count == 7 and bundle.contents[-1] == f"납품서 {po.number} (7쪽)"


def test_spec_sheets_are_kept_until_the_product_changes(quote, vendor, product, monkeypatch):
    vendor_documents(vendor)
    calls = []
    real = bundle_module.spec_sheets_render
    monkeypatch.setattr(bundle_module, "spec_sheets_render", lambda sheets: calls.append(len(sheets)) or real(sheets))
    bundle_build(quote_id=quote.pk)
    assert calls == [1]
    # a new quote version: the bundle is made again, the unchanged spec sheet is not
    add_version(quote, lines=[{"name": product.name, "quantity": 5, "unit_price": 50_000, "tax_type": TaxType.EXEMPT,
                               "variant": product.variants.get()}])
    quote.refresh_from_db()
    bundle = bundle_build(quote_id=quote.pk)
    assert calls == [1] and "견적서 제2차 (2쪽)" in bundle.contents
    assert "상품 사양서" in _page_texts(bundle)[-1]
    # the product's specs change: its sheet is made again and the bundle shows the new text
    product.specs = "용량: 20kg"
    product.save()
    assert not bundle_is_current(bundle)
    bundle = bundle_build(quote_id=quote.pk)
    assert calls == [1, 1]
    assert "20kg" in _page_texts(bundle)[-1]
