"""Issue 11, items 1 and 2: an agency reads a vendor's documents only once the vendor submitted it a quote
(or delivered it a purchase order), only the documents of the bundle, and only confirmed ones.

Every path that hands a vendor document to an agency is covered: the vendor document view (vendors),
the bundle PDF/ZIP views, the bundle API, and the rule itself (vendors.selectors.document_can_view).
"""
import io
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from procurement.models import BundleStatus, POStatus, PurchaseOrder, PurchaseSource, QuoteBundle, QuoteStatus
from procurement.services.bundle import bundle_build, bundle_plan
from procurement.services.purchases import quote_accept
from procurement.services.quotes import quote_decline
from tests.factories import OperatorFactory, image_bytes, pdf_upload, upload
from tests.procurement.docs_helpers import file_bytes, make_po, make_quote, vendor_document, vendor_documents
from tests.procurement.factories import AgencyMembershipFactory
from tests.procurement.quotes_helpers import answer, eligible_product, request_for, vendor_owner
from vendors.models import DocumentKind, EnterpriseType, RenewalStatus
from vendors.selectors import document_can_view, vendor_documents_shareable, vendor_seal
from vendors.services import vendor_certification_renewal_decide, vendor_certification_renewal_request

pytestmark = pytest.mark.django_db

BUNDLE_KINDS = (DocumentKind.BUSINESS_REGISTRATION, DocumentKind.ENTERPRISE_PROOF, DocumentKind.BANK_BOOK)


@pytest.fixture
def asked(agency, buyer):
    """Agency A sent vendor V a quote request; V has every document and has not answered."""
    product = eligible_product()
    vendor = product.vendor
    owner = vendor_owner(vendor)
    docs = vendor_documents(vendor)
    request = request_for(buyer, agency, [(product.variants.get(), 5)])
    return {"vendor": vendor, "owner": owner, "docs": docs, "quote": request.quotes.get(), "buyer": buyer,
            "agency": agency}


def _readable(user, docs) -> set:
    return {kind for kind, doc in docs.items() if document_can_view(user, doc)}


def _view_status(client, user, doc) -> int:
    client.force_login(user)
    return client.get(doc.get_absolute_url()).status_code


# --- the rule ------------------------------------------------------------------------------------


def test_a_quote_request_alone_shares_no_document(client, asked):
    """Fails on the code before issue 11: one unanswered request opened the bank book to the agency."""
    assert asked["quote"].status == QuoteStatus.REQUESTED
    assert _readable(asked["buyer"], asked["docs"]) == set()
    for kind in BUNDLE_KINDS:
        assert _view_status(client, asked["buyer"], asked["docs"][kind]) == 404, kind


def test_a_submitted_quote_shares_the_bundle_documents_with_that_agency_only(client, asked):
    answer(asked["quote"], asked["owner"])
    assert _readable(asked["buyer"], asked["docs"]) == set(BUNDLE_KINDS)  # never the seal
    for kind in BUNDLE_KINDS:
        assert _view_status(client, asked["buyer"], asked["docs"][kind]) == 200, kind
    other_agency_buyer = AgencyMembershipFactory().user
    assert _readable(other_agency_buyer, asked["docs"]) == set()
    application = vendor_document(asked["vendor"], DocumentKind.APPLICATION_FORM)
    assert not document_can_view(asked["buyer"], application)


def test_a_declined_quote_shares_nothing_even_if_it_was_answered_before(client, asked):
    """Fails before issue 11: any quote not cancelled opened the documents."""
    answer(asked["quote"], asked["owner"])
    quote_decline(quote_id=asked["quote"].pk, actor=asked["owner"], reason="재고가 없습니다.")
    asked["quote"].refresh_from_db()
    assert asked["quote"].status == QuoteStatus.DECLINED and asked["quote"].current_version_id
    assert _readable(asked["buyer"], asked["docs"]) == set()
    assert _view_status(client, asked["buyer"], asked["docs"][DocumentKind.BANK_BOOK]) == 404


def test_declined_without_answer_shares_nothing(asked):
    quote_decline(quote_id=asked["quote"].pk, actor=asked["owner"], reason="취급하지 않는 품목입니다.")
    assert _readable(asked["buyer"], asked["docs"]) == set()


def test_accepted_and_not_selected_after_an_answer_still_share(agency, buyer):
    first, second = eligible_product(), eligible_product()
    owners = {p.vendor_id: vendor_owner(p.vendor) for p in (first, second)}
    docs = {p.vendor_id: vendor_documents(p.vendor) for p in (first, second)}
    request = request_for(buyer, agency, [(first.variants.get(), 3), (second.variants.get(), 3)])
    for quote in request.quotes.all():
        answer(quote, owners[quote.vendor_id])
    winner = request.quotes.get(vendor=first.vendor)
    quote_accept(quote_id=winner.pk, actor=buyer)
    loser = request.quotes.get(vendor=second.vendor)
    assert loser.status == QuoteStatus.NOT_SELECTED
    assert _readable(buyer, docs[first.vendor_id]) == set(BUNDLE_KINDS)
    assert _readable(buyer, docs[second.vendor_id]) == set(BUNDLE_KINDS)


def test_not_selected_without_an_answer_shares_nothing(agency, buyer):
    first, second = eligible_product(), eligible_product()
    owner = vendor_owner(first.vendor)
    silent_docs = vendor_documents(second.vendor)
    request = request_for(buyer, agency, [(first.variants.get(), 3), (second.variants.get(), 3)])
    answer(request.quotes.get(vendor=first.vendor), owner)
    quote_accept(quote_id=request.quotes.get(vendor=first.vendor).pk, actor=buyer)
    assert request.quotes.get(vendor=second.vendor).status == QuoteStatus.NOT_SELECTED
    assert _readable(buyer, silent_docs) == set()


def _direct_po(agency, vendor, buyer, status) -> PurchaseOrder:
    now = timezone.now()
    return PurchaseOrder.objects.create(
        number=f"PO-19990102-{PurchaseOrder.objects.count() + 1:05d}", source=PurchaseSource.DIRECT, agency=agency,
        vendor=vendor, created_by=buyer, status=status, delivery_place="도청", total=10_000, taxable_supply=9_091,
        taxable_vat=909, delivered_at=now if status in (POStatus.DELIVERED, POStatus.INSPECTED) else None)


@pytest.mark.parametrize("status, shared", [(POStatus.ISSUED, False), (POStatus.CONFIRMED, False),
                                            (POStatus.CANCELLED, False), (POStatus.DELIVERED, True),
                                            (POStatus.INSPECTED, True)])
def test_a_delivered_purchase_order_shares_the_documents(agency, buyer, vendor, status, shared):
    docs = vendor_documents(vendor)
    _direct_po(agency, vendor, buyer, status)
    assert _readable(buyer, docs) == (set(BUNDLE_KINDS) if shared else set())


def test_only_the_current_document_of_a_kind_is_shared(client, asked):
    answer(asked["quote"], asked["owner"])
    old = asked["docs"][DocumentKind.BANK_BOOK]
    new = vendor_document(asked["vendor"], DocumentKind.BANK_BOOK, uploaded_at=timezone.now() + timedelta(seconds=1))
    assert _view_status(client, asked["buyer"], new) == 200
    assert _view_status(client, asked["buyer"], old) == 404
    assert document_can_view(asked["owner"], old)  # the vendor keeps seeing its own history


def test_the_bundle_of_a_declined_quote_holds_no_vendor_document(asked):
    answer(asked["quote"], asked["owner"])
    quote = asked["quote"]
    quote.refresh_from_db()
    assert set(bundle_plan(quote).documents) == set(BUNDLE_KINDS)
    quote_decline(quote_id=quote.pk, actor=asked["owner"], reason="단가를 맞출 수 없습니다.")
    quote.refresh_from_db()
    plan = bundle_plan(quote)
    assert plan.documents == {}
    assert "통장 사본: 견적서를 낸 견적에만 담김" in plan.missing
    bundle = bundle_build(quote_id=quote.pk)
    assert bundle.status == BundleStatus.READY, bundle.error
    assert bundle.document_ids == []
    names = zipfile.ZipFile(io.BytesIO(file_bytes(bundle.zip))).namelist()
    assert not any("통장" in n or "사업자등록증" in n for n in names), names


def test_bundle_views_and_api_hand_a_declined_quote_no_document(client, asked, django_capture_on_commit_callbacks):
    answer(asked["quote"], asked["owner"])
    quote = asked["quote"]
    assert bundle_build(quote_id=quote.pk).document_ids  # built while it was shared
    quote_decline(quote_id=quote.pk, actor=asked["owner"], reason="단가를 맞출 수 없습니다.")
    client.force_login(asked["buyer"])
    url = reverse("procurement:bundle_zip", args=[quote.number])
    # the stored files are outdated now: the download has them made again, without the documents
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 202
    response = client.get(url)
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert not any("통장" in n for n in names), names
    assert QuoteBundle.objects.get(quote=quote).document_ids == []
    api = APIClient()
    api.force_authenticate(asked["buyer"])
    response = api.get(reverse("procurement_api:bundle_pdf", args=[quote.number]))
    assert response.status_code == 200


# --- item 2: only confirmed documents ------------------------------------------------------------


@pytest.fixture
def certified(agency, buyer):
    """A social enterprise with a confirmed certificate, which submitted a quote to the agency."""
    product = eligible_product(vendor=None)
    vendor = product.vendor
    vendor.enterprise_type = EnterpriseType.SOCIAL
    vendor.cert_number = "2021-001"
    vendor.cert_valid_until = timezone.localdate() + timedelta(days=20)
    vendor.save()
    owner = vendor_owner(vendor)
    docs = vendor_documents(vendor)
    request = request_for(buyer, agency, [(product.variants.get(), 2)])
    quote = request.quotes.get()
    answer(quote, owner)
    quote.refresh_from_db()
    return {"vendor": vendor, "owner": owner, "docs": docs, "quote": quote, "buyer": buyer}


def _renew(certified):
    return vendor_certification_renewal_request(
        vendor_id=certified["vendor"].pk, user=certified["owner"], cert_number="2024-777",
        valid_until=timezone.localdate() + timedelta(days=3 * 365),
        upload=upload("renewed.png", image_bytes("PNG", size=(300, 420))))


def test_a_pending_renewal_never_replaces_the_confirmed_certificate(client, certified):
    """Fails before issue 11: the latest upload of a kind went to agencies and into bundles at once."""
    confirmed = certified["docs"][DocumentKind.ENTERPRISE_PROOF]
    renewal = _renew(certified)
    pending = renewal.document
    assert renewal.status == RenewalStatus.PENDING
    # the bundle keeps the confirmed certificate
    plan = bundle_plan(certified["quote"])
    assert plan.documents[DocumentKind.ENTERPRISE_PROOF].pk == confirmed.pk
    bundle = bundle_build(quote_id=certified["quote"].pk)
    assert confirmed.pk in bundle.document_ids and pending.pk not in bundle.document_ids
    # the agency reads the confirmed one, not the pending one
    assert _view_status(client, certified["buyer"], pending) == 404
    assert _view_status(client, certified["buyer"], confirmed) == 200
    # the vendor and the operator see the pending one
    assert _view_status(client, certified["owner"], pending) == 200
    operator = OperatorFactory()
    assert _view_status(client, operator, pending) == 200
    # confirmed by the operator: from now on it is the one passed on
    vendor_certification_renewal_decide(renewal_id=renewal.pk, actor=operator, confirm=True)
    assert bundle_plan(certified["quote"]).documents[DocumentKind.ENTERPRISE_PROOF].pk == pending.pk
    assert _view_status(client, certified["buyer"], pending) == 200
    assert _view_status(client, certified["buyer"], confirmed) == 404
    rebuilt = bundle_build(quote_id=certified["quote"].pk)
    assert pending.pk in rebuilt.document_ids and confirmed.pk not in rebuilt.document_ids


def test_a_rejected_renewal_is_never_shared(client, certified):
    confirmed = certified["docs"][DocumentKind.ENTERPRISE_PROOF]
    renewal = _renew(certified)
    vendor_certification_renewal_decide(renewal_id=renewal.pk, actor=OperatorFactory(), confirm=False,
                                        reason="유효기간이 보이지 않습니다.")
    assert vendor_documents_shareable(certified["vendor"].pk, BUNDLE_KINDS)[DocumentKind.ENTERPRISE_PROOF] == confirmed
    assert _view_status(client, certified["buyer"], renewal.document) == 404
    assert _view_status(client, certified["buyer"], confirmed) == 200


def test_one_selector_for_the_shareable_document_of_a_kind(vendor, owner):
    """Latest confirmed of each kind; the seal on documents comes from the same selector."""
    docs = vendor_documents(vendor)
    later_registration = vendor_document(vendor, DocumentKind.BUSINESS_REGISTRATION,
                                         uploaded_at=timezone.now() + timedelta(minutes=1))
    shared = vendor_documents_shareable(vendor.pk, [*BUNDLE_KINDS, DocumentKind.SEAL])
    assert shared[DocumentKind.BUSINESS_REGISTRATION] == later_registration
    assert shared[DocumentKind.BANK_BOOK] == docs[DocumentKind.BANK_BOOK]
    assert vendor_seal(vendor.pk) == docs[DocumentKind.SEAL]


def test_documents_uploaded_through_the_application_are_shareable(client, asked):
    """The application's documents (checked when the operator approved the vendor) are confirmed ones."""
    answer(asked["quote"], asked["owner"])
    vendor = asked["vendor"]
    vendor.status = "draft"
    vendor.save()
    client.force_login(asked["owner"])
    response = client.post(reverse("vendors:application_documents", args=[vendor.pk]),
                           {"business_registration": pdf_upload("사업자등록증.pdf")})
    assert response.status_code == 302
    newest = vendor.documents.filter(kind=DocumentKind.BUSINESS_REGISTRATION).latest("uploaded_at")
    assert vendor_documents_shareable(vendor.pk, BUNDLE_KINDS)[DocumentKind.BUSINESS_REGISTRATION] == newest


def test_the_agency_document_rule_reads_no_more_than_a_few_queries(asked, django_assert_max_num_queries):
    answer(asked["quote"], asked["owner"])
    doc = asked["docs"][DocumentKind.BANK_BOOK]
    with django_assert_max_num_queries(6):
        assert document_can_view(asked["buyer"], doc)


def test_the_world_fixture_quote_and_delivery_both_share(vendor, owner, agency, buyer):
    """The situation the other access tests build (an answered quote, delivered): every bundle document."""
    docs = vendor_documents(vendor)
    quote = make_quote(agency=agency, vendor=vendor, buyer=buyer)
    make_po(quote, status=POStatus.DELIVERED)
    assert _readable(buyer, docs) == set(BUNDLE_KINDS)
