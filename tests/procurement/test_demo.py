"""The procurement demo data: checked inside tests/ddasum/test_seed_demo.py's one full seed (seeding is slow)."""
from collections import Counter
from datetime import date

import pytest
from django.utils import timezone

from accounts.models import User
from ddasum.demo import procurement as demo
from ddasum.demo.accounts import DEMO_PASSWORD
from ddasum.storage import private_storage
from ddasum.validators import business_number_is_valid
from procurement.models import (
    AgencyKind,
    AgencyMembership,
    AgencyStatus,
    AgencyTarget,
    BundleStatus,
    DirectPurchaseRule,
    MembershipStatus,
    Need,
    NeedStatus,
    POStatus,
    PublicAgency,
    PurchaseOrder,
    PurchaseRecord,
    PurchaseSource,
    QuoteBundle,
    QuoteStatus,
    QuoteVersion,
    RecordStatus,
    TargetKind,
    VendorQuote,
)
from procurement.selectors import reports
from procurement.selectors.access import BUNDLE_DOCUMENT_KINDS, quote_shares_documents_q
from vendors.models import CertificationRenewal, DocumentRead, DocumentReadChannel, ReaderRole, RenewalStatus
from vendors.selectors import document_can_view, vendor_documents_shareable


def test_agency_registration_numbers_are_valid_and_distinct():
    numbers = [demo.registration_number(n) for n in [*range(len(demo.AGENCIES)), 99]]
    assert len(set(numbers)) == len(numbers)
    assert all(business_number_is_valid(n.replace("-", "")) for n in numbers)
    assert {a.kind for a in demo.AGENCIES} == set(AgencyKind.values)
    assert len(demo.AGENCIES) == 12


def check_procurement_demo() -> None:
    """Called by tests/ddasum/test_seed_demo.py after `seed_demo` (every app) ran once."""
    today = timezone.localdate()
    agencies = list(PublicAgency.objects.filter(status=AgencyStatus.VERIFIED))
    assert len(agencies) == 12
    assert {a.kind for a in agencies} == set(AgencyKind.values)
    for agency in agencies:
        agency.full_clean()  # 고유번호 check digit, postal code, phone
    assert PublicAgency.objects.filter(status=AgencyStatus.PENDING).count() == 1

    targets = AgencyTarget.objects.filter(agency__in=agencies)
    assert {(t.agency_id, t.year) for t in targets} == {(a.pk, y) for a in agencies for y in (today.year - 1, today.year)}
    assert {t.kind for t in targets} == set(TargetKind.values)
    assert all(t.target_amount > 0 for t in targets)
    assert set(DirectPurchaseRule.objects.values_list("kind", flat=True)) == set(AgencyKind.values)

    # The demo login: the province's buyer, accepted by the official mail domain.
    buyer = User.objects.get(email=demo.AGENCY_LOGIN)
    assert buyer.check_password(DEMO_PASSWORD)
    membership = AgencyMembership.objects.get(user=buyer)
    assert membership.status == MembershipStatus.ACTIVE and membership.verified_via == "domain"
    assert membership.agency.name == "충청남도청"
    assert AgencyMembership.objects.filter(status=MembershipStatus.PENDING).count() == 2

    # Quotes in every state, versions, purchase orders in every state, bundles built.
    assert set(VendorQuote.objects.values_list("status", flat=True)) == set(QuoteStatus.values)
    assert QuoteVersion.objects.filter(version=2).exists()
    live = PurchaseOrder.objects.exclude(idempotency_key__startswith=demo.HISTORY_KEY)
    assert set(live.values_list("status", flat=True)) == set(POStatus.values)
    assert live.filter(source=PurchaseSource.DIRECT).exists()
    vendor1_quotes = VendorQuote.objects.filter(vendor__memberships__user__email="vendor1@ddasum.kr",
                                                vendor__memberships__role="owner")
    assert vendor1_quotes.values("request__agency").distinct().count() >= 2
    bundles = list(QuoteBundle.objects.filter(status=BundleStatus.READY))
    assert len(bundles) >= 3
    for bundle in bundles:
        assert bundle.page_count >= 3 and private_storage.exists(bundle.pdf.name)
    unanswered = list(reports.unanswered_quotes())
    assert unanswered and all(q.status == QuoteStatus.REQUESTED for q in unanswered)
    check_documents_shared_only_through_quotes(bundles)

    # The needs board.
    assert Need.objects.filter(status=NeedStatus.OPEN, proposals__isnull=False).exists()
    fulfilled = Need.objects.get(status=NeedStatus.FULFILLED)
    assert fulfilled.proposals.filter(quote_request__isnull=False).exists()
    assert Need.objects.filter(status=NeedStatus.CLOSED).exists()

    # A year of records, and this year up to now: every month, many vendors, types and categories.
    records = PurchaseRecord.objects.filter(status=RecordStatus.VERIFIED)
    last_year = {d.month for d in records.filter(purchased_on__year=today.year - 1).values_list("purchased_on", flat=True)}
    assert last_year == set(range(1, 13))
    this_year = {d.month for d in records.filter(purchased_on__year=today.year).values_list("purchased_on", flat=True)}
    assert set(range(1, today.month)) <= this_year
    assert records.values("vendor").distinct().count() >= 10
    assert records.values("enterprise_type").distinct().count() >= 5
    assert records.values("category").distinct().count() >= 6
    assert Counter(records.values_list("source", flat=True)).keys() == set(PurchaseSource.values)
    pending = PurchaseRecord.objects.filter(status=RecordStatus.PENDING)
    assert pending.count() >= 2 and all(r.evidence and private_storage.exists(r.evidence.name) for r in pending)
    assert PurchaseRecord.objects.filter(status=RecordStatus.REJECTED).count() == 1
    for record in records.filter(purchase_order__isnull=False).select_related("purchase_order")[:200]:
        assert record.purchase_order.status == POStatus.INSPECTED
        assert record.purchased_on <= today

    # The dashboard adds up the demo's records, and the target is in reach but not met.
    province = membership.agency
    report = reports.agency_report(agency=province, year=today.year - 1)
    mine = records.filter(agency=province, purchased_on__gte=date(today.year - 1, 1, 1),
                          purchased_on__lt=date(today.year, 1, 1))
    assert report.summary.total == sum(mine.values_list("total", flat=True)) > 0
    assert 50 < report.progress < 130


@pytest.mark.django_db
def test_history_needs_the_catalog_first():
    """Without vendors and products the demo makes agencies and people, and says why it stops."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", "accounts", "procurement", stdout=out)
    text = out.getvalue()
    assert "견적을 받을 수 있는 기업이 모자라" in text
    assert PublicAgency.objects.filter(status=AgencyStatus.VERIFIED).count() == 12
    assert not PurchaseRecord.objects.exists()
    call_command("seed_demo", "accounts", "procurement", stdout=StringIO())
    assert PublicAgency.objects.count() == 13 and AgencyTarget.objects.count() == 24


def check_documents_shared_only_through_quotes(bundles) -> None:
    """Issue 11: the read log has rows, bundles hold confirmed documents, a request alone shares nothing."""
    agency_reads = DocumentRead.objects.filter(role=ReaderRole.AGENCY).select_related("document", "reader")
    assert agency_reads.count() >= 3 * 3 * 2  # three bundles, three documents, ZIP and PDF
    assert {r.channel for r in agency_reads} == {DocumentReadChannel.BUNDLE_ZIP, DocumentReadChannel.BUNDLE_PDF}
    sharing = VendorQuote.objects.filter(quote_shares_documents_q())
    for read in agency_reads:
        assert sharing.filter(number=read.reference, vendor_id=read.vendor_id).exists(), read.reference
        assert document_can_view(read.reader, read.document)
    assert DocumentRead.objects.filter(role=ReaderRole.OPERATOR).count() > 100  # the reviews
    # a pending renewal waits; no bundle holds it, and the confirmed certificate is what is shared
    renewal = CertificationRenewal.objects.get(status=RenewalStatus.PENDING)
    shared = vendor_documents_shareable(renewal.vendor_id, BUNDLE_DOCUMENT_KINDS)
    assert shared["enterprise_proof"].pk != renewal.document_id
    for bundle in bundles:
        assert renewal.document_id not in bundle.document_ids
        assert set(bundle.document_ids) == {d.pk for d in vendor_documents_shareable(
            bundle.quote.vendor_id, BUNDLE_DOCUMENT_KINDS).values()}
    # a vendor that was asked but has not submitted a quote to the agency shares nothing with it
    not_shared = 0
    for quote in VendorQuote.objects.filter(status__in=(QuoteStatus.REQUESTED, QuoteStatus.DECLINED)).select_related(
            "request__agency"):
        if sharing.filter(vendor_id=quote.vendor_id, request__agency_id=quote.request.agency_id).exists():
            continue
        if PurchaseOrder.objects.filter(vendor_id=quote.vendor_id, agency_id=quote.request.agency_id,
                                        status__in=(POStatus.DELIVERED, POStatus.INSPECTED)).exists():
            continue
        buyer = AgencyMembership.objects.filter(agency_id=quote.request.agency_id,
                                                status=MembershipStatus.ACTIVE).first().user
        for document in vendor_documents_shareable(quote.vendor_id, BUNDLE_DOCUMENT_KINDS).values():
            assert not document_can_view(buyer, document), (quote.number, document.kind)
            not_shared += 1
    assert not_shared
