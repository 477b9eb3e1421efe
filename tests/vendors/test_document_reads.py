"""Issue 11, item 6: every read of a private vendor document is logged (append-only), shown to the operator
in the admin and to the vendor, for its own documents only, in the partner admin.

The bundle, ZIP and API paths are in tests/procurement/test_document_reads.py.
"""
import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, OperatorFactory, VendorFactory
from tests.otp import otp_login
from tests.procurement.docs_helpers import make_quote, vendor_document, vendor_documents
from tests.procurement.factories import AgencyMembershipFactory
from vendors.models import AppendOnlyError, DocumentKind, DocumentRead, DocumentReadChannel, ReaderRole
from vendors.selectors import DocumentGrant
from vendors.services import document_reads_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(vendor, owner):
    """`vendor`'s documents, shared with an agency through a submitted quote."""
    member = AgencyMembershipFactory(agency__name="충청남도 홍성군청")
    docs = vendor_documents(vendor)
    quote = make_quote(agency=member.agency, vendor=vendor, buyer=member.user)
    return {"docs": docs, "quote": quote, "agency_member": member.user, "agency": member.agency}


def _read(client, user, doc, **params):
    client.force_login(user)
    response = client.get(doc.get_absolute_url(), params)
    if response.status_code == 200:
        b"".join(response.streaming_content)
    return response


def test_the_document_view_logs_each_read(client, vendor, owner, shared):
    """Fails before issue 11: nothing recorded who read a bank book."""
    bank_book = shared["docs"][DocumentKind.BANK_BOOK]
    operator = OperatorFactory(name="김운영")
    assert _read(client, shared["agency_member"], bank_book).status_code == 200
    assert _read(client, owner, bank_book, download="1").status_code == 200
    assert _read(client, operator, shared["docs"][DocumentKind.SEAL]).status_code == 200
    rows = list(DocumentRead.objects.order_by("id"))
    assert [(r.reader, r.role, r.channel, r.document, r.kind) for r in rows] == [
        (shared["agency_member"], ReaderRole.AGENCY, DocumentReadChannel.PAGE, bank_book, DocumentKind.BANK_BOOK),
        (owner, ReaderRole.VENDOR, DocumentReadChannel.DOWNLOAD, bank_book, DocumentKind.BANK_BOOK),
        (operator, ReaderRole.OPERATOR, DocumentReadChannel.PAGE, shared["docs"][DocumentKind.SEAL], DocumentKind.SEAL),
    ]
    agency_row = rows[0]
    assert agency_row.context == "충청남도 홍성군청" and agency_row.reference == shared["quote"].number
    assert agency_row.vendor == vendor and agency_row.document_sha256 == bank_book.sha256
    assert agency_row.reader_email == shared["agency_member"].email and agency_row.ip_address == "127.0.0.1"
    assert rows[1].context == vendor.name
    assert rows[2].reader_name == "김운영"


def test_a_refused_read_logs_nothing(client, vendor, shared, other_owner):
    bank_book = shared["docs"][DocumentKind.BANK_BOOK]
    stranger_agency = AgencyMembershipFactory().user
    for user in (other_owner, stranger_agency):
        assert _read(client, user, bank_book).status_code == 404
    client.logout()
    assert client.get(bank_book.get_absolute_url()).status_code == 404
    assert not DocumentRead.objects.exists()


def test_the_page_a_read_came_from_is_kept(client, vendor, owner):
    doc = vendor_document(vendor, DocumentKind.BANK_BOOK)
    client.force_login(owner)
    page = reverse("partner:vendors_vendordocument_changelist")
    client.get(doc.get_absolute_url(), HTTP_REFERER=f"http://testserver{page}?kind=bank_book")
    client.get(doc.get_absolute_url(), HTTP_REFERER="https://elsewhere.example/steal")
    assert list(DocumentRead.objects.order_by("id").values_list("page", flat=True)) == [page, ""]


def test_renewal_files_are_logged_too(client, vendor, owner):
    renewal_file = vendor_document(vendor, DocumentKind.ENTERPRISE_PROOF, name="재지정서.pdf")
    assert _read(client, owner, renewal_file).status_code == 200
    row = DocumentRead.objects.get()
    assert (row.kind, row.document_name) == (DocumentKind.ENTERPRISE_PROOF, "재지정서.pdf")


def test_rows_are_never_changed_or_deleted(vendor, owner):
    doc = vendor_document(vendor, DocumentKind.BANK_BOOK)
    [row] = document_reads_record(reader=owner, documents=[doc], channel=DocumentReadChannel.PAGE,
                                  grant=DocumentGrant(role=ReaderRole.VENDOR, context=vendor.name))
    row.context = "바꿈"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        DocumentRead.objects.filter(pk=row.pk).update(context="바꿈")
    with pytest.raises(AppendOnlyError):
        DocumentRead.objects.all().delete()
    doc.delete()  # the document may go; its read stays, with what was read
    row = DocumentRead.objects.get()
    assert row.document is None and row.kind == DocumentKind.BANK_BOOK and row.document_sha256 == doc.sha256


# --- the operator's admin ---------------------------------------------------------------------


@pytest.fixture
def logged(client, vendor, owner, other_vendor, other_owner, shared):
    """Reads of `vendor`'s documents (by the agency and the owner) and of `other_vendor`'s (by its owner)."""
    _read(client, shared["agency_member"], shared["docs"][DocumentKind.BANK_BOOK])
    _read(client, owner, shared["docs"][DocumentKind.BUSINESS_REGISTRATION], download="1")
    other_doc = vendor_document(other_vendor, DocumentKind.BANK_BOOK, name="다른기업_통장.pdf")
    _read(client, other_owner, other_doc)
    client.logout()
    return {"other_doc": other_doc}


def test_the_operator_sees_and_filters_the_log(client, operator, vendor, other_vendor, shared, logged):
    otp_login(client, operator)
    url = reverse("admin:vendors_documentread_changelist")
    page = client.get(url).content.decode()
    assert "충청남도 홍성군청" in page and other_vendor.name in page and "127.0.0.1" in page
    assert shared["agency_member"].email in page
    page = client.get(url, {"role__exact": ReaderRole.AGENCY}).content.decode()
    assert "충청남도 홍성군청" in page and "다른기업_통장.pdf" not in page
    filtered = client.get(url, {"channel__exact": DocumentReadChannel.DOWNLOAD})
    assert filtered.context["cl"].result_count == 1
    assert client.get(url, {"vendor__id__exact": other_vendor.pk}).context["cl"].result_count == 1
    assert client.get(url, {"q": "홍성군청"}).context["cl"].result_count == 1
    row = DocumentRead.objects.filter(vendor=vendor).first()
    assert client.get(reverse("admin:vendors_documentread_change", args=[row.pk])).status_code == 200


@pytest.mark.parametrize("site", ["admin", "partner"])
def test_no_admin_adds_changes_or_deletes_a_read(client, operator, owner, vendor, logged, site):
    row = DocumentRead.objects.filter(vendor=vendor).first()
    otp_login(client, operator if site == "admin" else owner)
    count = DocumentRead.objects.count()
    assert client.get(reverse(f"{site}:vendors_documentread_add")).status_code == 403
    assert client.post(reverse(f"{site}:vendors_documentread_add"), {"context": "x"}).status_code == 403
    change = reverse(f"{site}:vendors_documentread_change", args=[row.pk])
    assert client.post(change, {"context": "바꿈", "reference": "x"}).status_code == 403
    assert client.get(reverse(f"{site}:vendors_documentread_delete", args=[row.pk])).status_code == 403
    assert client.post(reverse(f"{site}:vendors_documentread_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    changelist = reverse(f"{site}:vendors_documentread_changelist")
    response = client.post(changelist, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    assert DocumentRead.objects.count() == count
    assert DocumentRead.objects.get(pk=row.pk).context == row.context


# --- the vendor's partner admin -----------------------------------------------------------------


def test_a_vendor_sees_the_reads_of_its_own_documents_only(client, owner, vendor, other_vendor, shared, logged):
    client.force_login(owner)
    url = reverse("partner:vendors_documentread_changelist")
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["cl"].result_count == 2
    assert "충청남도 홍성군청" in page and "다른기업_통장.pdf" not in page
    assert shared["agency_member"].email not in page and "127.0.0.1" not in page  # the operator's columns
    foreign = DocumentRead.objects.get(vendor=other_vendor)
    assert client.get(reverse("partner:vendors_documentread_change", args=[foreign.pk])).status_code == 404
    own = DocumentRead.objects.filter(vendor=vendor).first()
    assert client.get(reverse("partner:vendors_documentread_change", args=[own.pk])).status_code == 200
    assert client.get(url, {"role__exact": ReaderRole.AGENCY}).context["cl"].result_count == 1


def test_the_vendor_sees_the_operator_as_a_role(client, owner, vendor):
    doc = vendor_document(vendor, DocumentKind.BANK_BOOK)
    _read(client, OperatorFactory(name="김운영", email="ops@ddasum.kr"), doc)
    client.force_login(owner)
    page = client.get(reverse("partner:vendors_documentread_changelist")).content.decode()
    assert "운영자" in page and "김운영" not in page and "ops@ddasum.kr" not in page


def test_a_staff_member_of_the_vendor_sees_its_log(client, vendor, shared):
    staff = MembershipFactory(vendor=vendor, role="staff").user
    _read(client, shared["agency_member"], shared["docs"][DocumentKind.BANK_BOOK])
    client.force_login(staff)
    assert client.get(reverse("partner:vendors_documentread_changelist")).context["cl"].result_count == 1
    unrelated = MembershipFactory(vendor=VendorFactory()).user
    client.force_login(unrelated)
    assert client.get(reverse("partner:vendors_documentread_changelist")).context["cl"].result_count == 0


def test_log_pages_cost_the_same_queries_whatever_the_rows(client, operator, owner, vendor, shared,
                                                           django_assert_max_num_queries):
    doc = shared["docs"][DocumentKind.BANK_BOOK]

    def cost(site, user, reads):
        for _ in range(reads):
            _read(client, shared["agency_member"], doc)
        otp_login(client, user)
        url = reverse(f"{site}:vendors_documentread_changelist")
        client.get(url)
        with django_assert_max_num_queries(20) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for site, user in (("admin", operator), ("partner", owner)):
        assert cost(site, user, 2) == cost(site, user, 12), site
