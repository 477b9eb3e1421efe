"""Issue 11, item 3 on the vendor side: the application's documents and the renewal certificate are
stored without active content; a document stored dirty before is handed on clean."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MembershipFactory, OperatorFactory, VendorFactory, upload
from tests.hostile_pdfs import HOSTILE, active_content, encrypted
from tests.procurement.docs_helpers import file_bytes, vendor_document
from vendors.models import DocumentKind, VendorStatus
from vendors.services import vendor_document_add

pytestmark = pytest.mark.django_db

KINDS = sorted(HOSTILE)


@pytest.mark.parametrize("kind", KINDS)
def test_application_documents_page_keeps_only_the_clean_copy(client, kind):
    vendor = VendorFactory(status=VendorStatus.DRAFT)
    owner = MembershipFactory(vendor=vendor).user
    client.force_login(owner)
    response = client.post(reverse("vendors:application_documents", args=[vendor.pk]),
                           {"business_registration": upload(f"{kind}.pdf", HOSTILE[kind](), "application/pdf")})
    assert response.status_code == 302
    document = vendor.documents.get(kind=DocumentKind.BUSINESS_REGISTRATION)
    stored = file_bytes(document.file)
    assert active_content(stored) == [], kind
    assert document.size == len(stored)


def test_renewal_certificate_is_cleaned(client):
    vendor = VendorFactory(enterprise_type="social", cert_number="2019-1",
                           cert_valid_until=timezone.localdate() + timedelta(days=10))
    owner = MembershipFactory(vendor=vendor).user
    client.force_login(owner)
    response = client.post(reverse("vendors:renewal", args=[vendor.pk]), {
        "cert_number": "2019-1", "valid_until": (timezone.localdate() + timedelta(days=900)).isoformat(),
        "certificate": upload("인증서.pdf", HOSTILE["open_action_js"](), "application/pdf")})
    assert response.status_code == 302
    assert active_content(file_bytes(vendor.renewals.get().document.file)) == []


def test_the_operator_upload_through_the_service_is_cleaned():
    vendor = VendorFactory()
    document = vendor_document_add(vendor_id=vendor.pk, kind=DocumentKind.BANK_BOOK, user=OperatorFactory(),
                                   upload=upload("통장.pdf", HOSTILE["launch_action"]()))
    assert active_content(file_bytes(document.file)) == []


def test_an_encrypted_document_is_refused_next_to_the_field(client):
    vendor = VendorFactory(status=VendorStatus.DRAFT)
    client.force_login(MembershipFactory(vendor=vendor).user)
    response = client.post(reverse("vendors:application_documents", args=[vendor.pk]),
                           {"bank_book": upload("통장.pdf", encrypted(user="1234"), "application/pdf")})
    assert response.status_code == 200
    assert "열람 암호가 걸린 PDF는 올릴 수 없습니다" in response.context["form"].errors["bank_book"][0]
    assert not vendor.documents.exists()


@pytest.mark.parametrize("who", ["operator", "owner"])
def test_a_document_stored_dirty_is_streamed_clean(client, who):
    vendor = VendorFactory()
    owner = MembershipFactory(vendor=vendor).user
    document = vendor_document(vendor, DocumentKind.BUSINESS_REGISTRATION, data=HOSTILE["javascript_name_tree"]())
    client.force_login(OperatorFactory() if who == "operator" else owner)
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert active_content(b"".join(response.streaming_content)) == []
