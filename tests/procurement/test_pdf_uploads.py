"""Issue 11, item 3: every PDF upload of procurement keeps only a copy without active content, and every
PDF handed on (a stored attachment, a bundle and each file of its ZIP) is clean, also when it was stored
before uploads were cleaned.
"""
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from procurement.models import BundleStatus, PurchaseRecord, QuoteRequestAttachment, RecordStatus
from procurement.services.bundle import bundle_build
from procurement.services.needs import need_create
from procurement.services.purchases import outside_record_create
from procurement.services.quotes import quote_message_post
from tests.factories import category, upload
from tests.hostile_pdfs import HOSTILE, active_content
from tests.procurement.docs_helpers import file_bytes, make_quote, vendor_document, vendor_documents
from tests.procurement.quotes_helpers import eligible_product, request_for, vendor_owner
from vendors.models import DocumentKind

pytestmark = pytest.mark.django_db

KINDS = sorted(HOSTILE)


def _hostile_uploads():
    return [upload(f"{kind}.pdf", make(), "application/pdf") for kind, make in sorted(HOSTILE.items())]


def test_quote_request_attachments_are_cleaned(buyer, agency):
    product = eligible_product()
    request = request_for(buyer, agency, [(product.variants.get(), 2)], attachments=_hostile_uploads()[:5])
    for attachment in request.attachments.all():
        assert active_content(file_bytes(attachment.file)) == [], attachment.original_name


def test_quote_message_attachments_are_cleaned(buyer, agency):
    product = eligible_product()
    owner = vendor_owner(product.vendor)
    quote = request_for(buyer, agency, [(product.variants.get(), 2)]).quotes.get()
    for who, hostile in zip((buyer, owner) * 5, _hostile_uploads(), strict=True):
        message = quote_message_post(quote_id=quote.pk, actor=who, body="첨부합니다", attachment=hostile)
        assert active_content(file_bytes(message.attachment)) == [], message.attachment_name


def test_need_attachments_are_cleaned(buyer, agency):
    uploads = _hostile_uploads()
    for start in range(0, len(uploads), 5):
        need = need_create(user=buyer, agency_id=agency.pk, attachments=uploads[start:start + 5], data={
            "category": category("household"), "title": f"의자 {start}", "description": "회의실", "quantity": "20개",
            "deadline": timezone.localdate() + timedelta(days=5)})
        for attachment in need.attachments.all():
            assert active_content(file_bytes(attachment.file)) == [], attachment.original_name


@pytest.mark.parametrize("kind", KINDS)
def test_outside_purchase_evidence_is_cleaned(buyer, agency, vendor, kind):
    record = outside_record_create(
        user=buyer, agency_id=agency.pk, vendor_id=vendor.pk, purchased_on=timezone.localdate(),
        category_id=category("lunch-catering").pk, description="워크숍 도시락", taxable_amount=0,
        exempt_amount=80_000, evidence=upload(f"{kind}.pdf", HOSTILE[kind]()))
    assert record.status == RecordStatus.PENDING
    assert active_content(file_bytes(record.evidence)) == []


def test_outside_purchase_page_cleans_the_evidence(client, buyer, agency, vendor):
    client.force_login(buyer)
    response = client.post(reverse("procurement:outside_record_new"), {
        "agency": agency.pk, "vendor": vendor.pk, "purchased_on": timezone.localdate().isoformat(),
        "category": category("lunch-catering").pk, "description": "워크숍 도시락", "taxable_amount": "",
        "exempt_amount": "640000", "evidence": upload("영수증.pdf", HOSTILE["form_submit"]())})
    assert response.status_code == 302
    assert active_content(file_bytes(PurchaseRecord.objects.get().evidence)) == []


# --- files stored before uploads were cleaned --------------------------------------------------


def test_stored_dirty_attachments_are_streamed_clean(client, buyer, agency):
    """An attachment stored as it came (before this change) is cleaned on its way out."""
    product = eligible_product()
    owner = vendor_owner(product.vendor)
    request = request_for(buyer, agency, [(product.variants.get(), 2)])
    dirty = HOSTILE["open_action_js"]()
    attachment = QuoteRequestAttachment(request=request, original_name="사양서.pdf", content_type="application/pdf",
                                        size=len(dirty), uploaded_by=buyer)
    attachment.file.save("legacy.pdf", ContentFile(dirty), save=False)
    attachment.save()
    assert active_content(file_bytes(attachment.file))  # stored dirty
    client.force_login(owner)
    response = client.get(reverse("procurement:request_attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert active_content(b"".join(response.streaming_content)) == []


def test_stored_dirty_evidence_is_streamed_clean(client, buyer, agency, vendor, operator):
    record = outside_record_create(
        user=buyer, agency_id=agency.pk, vendor_id=vendor.pk, purchased_on=timezone.localdate(),
        category_id=category("lunch-catering").pk, description="워크숍 도시락", taxable_amount=0,
        exempt_amount=80_000, evidence=upload("영수증.pdf", HOSTILE["launch_action"]()))
    with record.evidence.open("wb") as fh:  # as if stored before cleaning began
        fh.write(HOSTILE["launch_action"]())
    client.force_login(operator)
    response = client.get(reverse("procurement:record_evidence", args=[record.pk]))
    assert response.status_code == 200
    assert active_content(b"".join(response.streaming_content)) == []


# --- bundles -----------------------------------------------------------------------------------


@pytest.fixture
def dirty_world(vendor, owner, agency, buyer):
    """A quote whose vendor's registration and bank book were stored with active content (before cleaning)."""
    docs = vendor_documents(vendor)
    docs[DocumentKind.BUSINESS_REGISTRATION] = vendor_document(
        vendor, DocumentKind.BUSINESS_REGISTRATION, data=HOSTILE["form_submit"](),
        uploaded_at=timezone.now() + timedelta(seconds=1))
    docs[DocumentKind.BANK_BOOK] = vendor_document(
        vendor, DocumentKind.BANK_BOOK, data=HOSTILE["embedded_file"](), uploaded_at=timezone.now() + timedelta(seconds=1))
    quote = make_quote(agency=agency, vendor=vendor, buyer=buyer)
    return {"docs": docs, "quote": quote, "buyer": buyer, "owner": owner}


def test_bundle_pdf_and_every_zip_member_are_clean(dirty_world):
    """Fails before issue 11: the vendor's file was merged and zipped as stored."""
    bundle = bundle_build(quote_id=dirty_world["quote"].pk)
    assert bundle.status == BundleStatus.READY, bundle.error
    pdf = file_bytes(bundle.pdf)
    assert active_content(pdf) == []
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 5  # cover, quote, registration, proof, bank book
    archive = zipfile.ZipFile(io.BytesIO(file_bytes(bundle.zip)))
    pdf_members = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert any("사업자등록증" in name for name in pdf_members) and any("통장" in name for name in pdf_members)
    for name in pdf_members:
        assert active_content(archive.read(name)) == [], name


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_stored_dirty_leaves_the_bundle_clean(vendor, owner, agency, buyer, kind):
    vendor_documents(vendor)
    vendor_document(vendor, DocumentKind.BUSINESS_REGISTRATION, data=HOSTILE[kind](),
                    uploaded_at=timezone.now() + timedelta(seconds=1))
    bundle = bundle_build(quote_id=make_quote(agency=agency, vendor=vendor, buyer=buyer).pk)
    assert bundle.status == BundleStatus.READY, bundle.error
    assert active_content(file_bytes(bundle.pdf)) == []
    archive = zipfile.ZipFile(io.BytesIO(file_bytes(bundle.zip)))
    for name in archive.namelist():
        if name.endswith(".pdf"):
            assert active_content(archive.read(name)) == [], name


def test_downloads_of_a_dirty_world_are_clean(client, dirty_world):
    quote = dirty_world["quote"]
    assert bundle_build(quote_id=quote.pk).status == BundleStatus.READY
    client.force_login(dirty_world["buyer"])
    pdf = b"".join(client.get(reverse("procurement:bundle_pdf", args=[quote.number])).streaming_content)
    assert active_content(pdf) == []
    data = b"".join(client.get(reverse("procurement:bundle_zip", args=[quote.number])).streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert all(active_content(archive.read(n)) == [] for n in archive.namelist() if n.endswith(".pdf"))
    api = APIClient()
    api.force_authenticate(dirty_world["buyer"])
    response = api.get(reverse("procurement_api:bundle_pdf", args=[quote.number]))
    assert active_content(b"".join(response.streaming_content)) == []
    # the document itself, read through the vendor document view
    response = client.get(dirty_world["docs"][DocumentKind.BUSINESS_REGISTRATION].get_absolute_url())
    assert response.status_code == 200
    assert active_content(b"".join(response.streaming_content)) == []
