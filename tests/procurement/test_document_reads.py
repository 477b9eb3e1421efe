"""Issue 11, item 6 through procurement: each bundle PDF, ZIP or API download logs one read per vendor
document the file holds, as the agency, the vendor or the operator that downloaded it."""
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from procurement.models import BundleStatus, POStatus
from procurement.services.bundle import bundle_build
from procurement.services.quotes import quote_decline
from tests.factories import MembershipFactory, OperatorFactory
from tests.procurement.docs_helpers import make_po, make_quote, vendor_documents
from tests.procurement.factories import AgencyMembershipFactory
from tests.procurement.quotes_helpers import answer, eligible_product, request_for, vendor_owner
from vendors.models import DocumentKind, DocumentRead, DocumentReadChannel, ReaderRole

pytestmark = pytest.mark.django_db

BUNDLE_KINDS = {DocumentKind.BUSINESS_REGISTRATION, DocumentKind.ENTERPRISE_PROOF, DocumentKind.BANK_BOOK}


@pytest.fixture
def world(vendor, owner):
    member = AgencyMembershipFactory(agency__name="충청남도 아산시청")
    docs = vendor_documents(vendor)
    quote = make_quote(agency=member.agency, vendor=vendor, buyer=member.user)
    make_po(quote, status=POStatus.DELIVERED)
    bundle = bundle_build(quote_id=quote.pk)
    assert bundle.status == BundleStatus.READY, bundle.error
    return {"quote": quote, "docs": docs, "agency_member": member.user, "owner": owner, "bundle": bundle}


def _download(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)


@pytest.mark.parametrize("name, channel", [("procurement:bundle_pdf", DocumentReadChannel.BUNDLE_PDF),
                                           ("procurement:bundle_zip", DocumentReadChannel.BUNDLE_ZIP)])
def test_a_bundle_download_logs_one_read_per_document_it_holds(client, world, name, channel):
    """Fails before issue 11: a ZIP with the bank book in it left no trace."""
    quote = world["quote"]
    _download(client, world["agency_member"], reverse(name, args=[quote.number]))
    rows = list(DocumentRead.objects.all())
    assert {r.kind for r in rows} == BUNDLE_KINDS and len(rows) == 3
    assert {r.document_id for r in rows} == {world["docs"][k].pk for k in BUNDLE_KINDS}
    assert {(r.channel, r.role, r.context, r.reference, r.reader_id) for r in rows} == {
        (channel, ReaderRole.AGENCY, "충청남도 아산시청", quote.number, world["agency_member"].pk)}


def test_each_download_is_a_read_and_each_side_is_named(client, world, vendor):
    quote = world["quote"]
    url = reverse("procurement:bundle_pdf", args=[quote.number])
    _download(client, world["agency_member"], url)
    _download(client, world["agency_member"], url)
    _download(client, world["owner"], url)
    _download(client, OperatorFactory(), url)
    roles = list(DocumentRead.objects.order_by("id").values_list("role", "context"))
    assert roles == [(ReaderRole.AGENCY, "충청남도 아산시청")] * 6 + [(ReaderRole.VENDOR, vendor.name)] * 3 + [
        (ReaderRole.OPERATOR, "운영자")] * 3


def test_the_api_download_logs_reads(world):
    api = APIClient()
    api.force_authenticate(world["agency_member"])
    response = api.get(reverse("procurement_api:bundle_pdf", args=[world["quote"].number]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert set(DocumentRead.objects.values_list("channel", flat=True)) == {DocumentReadChannel.API_BUNDLE_PDF}
    assert DocumentRead.objects.count() == 3


def test_refused_and_pending_downloads_log_nothing(client, world, other_owner):
    quote = world["quote"]
    client.force_login(other_owner)
    assert client.get(reverse("procurement:bundle_zip", args=[quote.number])).status_code == 404
    client.force_login(AgencyMembershipFactory().user)
    assert client.get(reverse("procurement:bundle_pdf", args=[quote.number])).status_code == 404
    assert not DocumentRead.objects.exists()


def test_a_bundle_without_vendor_documents_logs_nothing(client, agency, buyer):
    product = eligible_product()
    owner = vendor_owner(product.vendor)
    vendor_documents(product.vendor)
    quote = request_for(buyer, agency, [(product.variants.get(), 1)]).quotes.get()
    answer(quote, owner)
    quote_decline(quote_id=quote.pk, actor=owner, reason="재고 부족")
    assert bundle_build(quote_id=quote.pk).status == BundleStatus.READY
    _download(client, buyer, reverse("procurement:bundle_zip", args=[quote.number]))
    assert not DocumentRead.objects.exists()


def test_the_quote_page_does_not_log(client, world):
    """Looking at the quote (and its bundle panel) reads no document; only downloads do."""
    client.force_login(world["agency_member"])
    assert client.get(world["quote"].get_absolute_url()).status_code == 200
    assert client.get(reverse("procurement:bundle_status", args=[world["quote"].number])).status_code == 200
    assert not DocumentRead.objects.exists()


def test_vendor_staff_downloads_are_logged_as_the_vendor(client, world, vendor):
    staff = MembershipFactory(vendor=vendor, role="staff").user
    _download(client, staff, reverse("procurement:bundle_zip", args=[world["quote"].number]))
    assert set(DocumentRead.objects.values_list("role", "reader_id")) == {(ReaderRole.VENDOR, staff.pk)}
