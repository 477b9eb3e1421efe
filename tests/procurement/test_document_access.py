"""Who may download the quote, bundle, purchase-order and delivery-note files; the bundle views and panel."""
import io
import json
import zipfile
from urllib.parse import quote as urlquote

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from procurement.models import BundleStatus, MembershipStatus, POStatus, QuoteBundle, QuoteStatus
from procurement.services.bundle import bundle_build
from procurement.services.documents import delivery_note_pdf_make, po_pdf_make, quote_pdf_make
from tests.factories import MembershipFactory, OperatorFactory, UserFactory
from tests.procurement.docs_helpers import make_po, make_quote, vendor_document, vendor_documents
from tests.procurement.factories import AgencyMembershipFactory
from vendors.models import DocumentKind
from vendors.selectors import document_can_view

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(vendor, owner, other_owner):
    """A quote of agency A from `vendor`, delivered, with every file made; people on each side."""
    member = AgencyMembershipFactory(agency__name="충청남도 홍성군청")
    other_member = AgencyMembershipFactory(agency__name="충청남도 아산시청")
    docs = vendor_documents(vendor)
    quote = make_quote(agency=member.agency, vendor=vendor, buyer=member.user)
    po = make_po(quote, status=POStatus.DELIVERED)
    quote_pdf_make(version_id=quote.current_version_id)
    po_pdf_make(po_id=po.pk)
    delivery_note_pdf_make(po_id=po.pk)
    bundle = bundle_build(quote_id=quote.pk)
    assert bundle.status == BundleStatus.READY, bundle.error
    return {"quote": quote, "po": po, "docs": docs, "agency_member": member.user,
            "other_agency_member": other_member.user, "vendor_member": owner, "other_vendor_member": other_owner,
            "operator": OperatorFactory(), "agency": member.agency}


def _file_urls(world) -> dict:
    quote, po = world["quote"], world["po"]
    return {
        "quote_pdf": reverse("procurement:quote_pdf", args=[quote.current_version_id]),
        "bundle_pdf": reverse("procurement:bundle_pdf", args=[quote.number]),
        "bundle_zip": reverse("procurement:bundle_zip", args=[quote.number]),
        "po_pdf": reverse("procurement:po_pdf", args=[po.number]),
        "delivery_note_pdf": reverse("procurement:delivery_note_pdf", args=[po.number]),
    }


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("who", ["agency_member", "vendor_member", "operator"])
def test_the_agency_the_vendor_and_operators_get_every_file(client, world, who):
    client.force_login(world[who])
    for name, url in _file_urls(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "private, no-store"
        data = _body(response)
        if name == "bundle_zip":
            assert response["Content-Type"] == "application/zip"
            assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0] == "00_표지_서류목록.pdf"
        else:
            assert response["Content-Type"] == "application/pdf"
            assert len(PdfReader(io.BytesIO(data)).pages) >= 1
    status = client.get(reverse("procurement:bundle_status", args=[world["quote"].number]))
    assert status.status_code == 200 and status.json()["status"] == "ready"


@pytest.mark.parametrize("who", ["other_agency_member", "other_vendor_member", "stranger", "pending_member"])
def test_everybody_else_gets_404(client, world, who):
    if who == "stranger":
        user = UserFactory()
    elif who == "pending_member":  # not yet verified by the operator
        user = AgencyMembershipFactory(agency=world["agency"], status=MembershipStatus.PENDING).user
    else:
        user = world[who]
    client.force_login(user)
    for name, url in _file_urls(world).items():
        assert client.get(url).status_code == 404, name
    number = world["quote"].number
    assert client.get(reverse("procurement:bundle_status", args=[number])).status_code == 404
    assert client.post(reverse("procurement:bundle_request", args=[number])).status_code == 404
    assert client.post(reverse("procurement:bundle_request", args=[number]),
                       HTTP_ACCEPT="application/json").status_code == 404


def test_anonymous_never_gets_a_file(client, world):
    urls = {**_file_urls(world), "bundle_status": reverse("procurement:bundle_status", args=[world["quote"].number])}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], name
    assert client.post(reverse("procurement:bundle_request", args=[world["quote"].number])).status_code == 302


def test_inactive_user_gets_nothing(client, world):
    user = world["agency_member"]
    client.force_login(user)
    user.is_active = False
    user.save()
    for url in _file_urls(world).values():
        assert client.get(url).status_code != 200


def test_files_have_korean_names(client, world):
    client.force_login(world["agency_member"])
    quote, po = world["quote"], world["po"]
    urls = _file_urls(world)
    expected = {
        "quote_pdf": (f"견적서_{quote.number}_제1차.pdf", "inline"),
        "bundle_pdf": (f"제출서류_{quote.number}.pdf", "inline"),
        "bundle_zip": (f"제출서류_{quote.number}.zip", "attachment"),
        "po_pdf": (f"발주서_{po.number}.pdf", "inline"),
        "delivery_note_pdf": (f"납품서_{po.number}.pdf", "inline"),
    }
    for name, (filename, disposition) in expected.items():
        header = client.get(urls[name])["Content-Disposition"]
        assert header.startswith(disposition), name
        assert f"filename*=utf-8''{urlquote(filename)}" in header, header


def test_earlier_quote_versions_stay_downloadable(client, world):
    from catalog.models import TaxType
    from tests.procurement.docs_helpers import add_version

    quote = world["quote"]
    v1 = quote.current_version
    v2 = add_version(quote, lines=[{"name": "된장", "quantity": 2, "unit_price": 10_000, "tax_type": TaxType.TAXABLE}])
    client.force_login(world["agency_member"])
    first = PdfReader(io.BytesIO(_body(client.get(reverse("procurement:quote_pdf", args=[v1.pk])))))
    second = PdfReader(io.BytesIO(_body(client.get(reverse("procurement:quote_pdf", args=[v2.pk])))))
    assert "제1차" in first.pages[0].extract_text() and "금 일백이십만원정" in first.pages[0].extract_text()
    assert "제2차" in second.pages[0].extract_text() and "금 이만원정" in second.pages[0].extract_text()


def test_delivery_note_is_404_before_delivery(client, world):
    po = world["po"]
    po.status = POStatus.CONFIRMED
    po.save()
    client.force_login(world["agency_member"])
    assert client.get(reverse("procurement:delivery_note_pdf", args=[po.number])).status_code == 404


def test_bundle_request_json_and_redirect(client, world, vendor):
    quote = world["quote"]
    client.force_login(world["agency_member"])
    url = reverse("procurement:bundle_request", args=[quote.number])
    # nothing changed: the ready bundle is the answer
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    state = response.json()
    # cover, quote, registration, proof, bank book, delivery note (free-text lines: no spec sheet)
    assert state["status"] == "ready" and state["page_count"] == 6 and state["pdf_url"] and state["zip_url"]
    # a form post goes back to the quote page
    response = client.post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == quote.get_absolute_url()
    # a new upload makes it pending (the build runs after commit)
    vendor_document(vendor, DocumentKind.BANK_BOOK)
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    state = response.json()
    assert state["status"] == "pending" and not state["pdf_url"]
    assert QuoteBundle.objects.get(quote=quote).status == BundleStatus.PENDING


def test_bundle_download_waits_for_a_pending_build(client, world, vendor, django_capture_on_commit_callbacks):
    quote = world["quote"]
    vendor_document(vendor, DocumentKind.BUSINESS_REGISTRATION)  # the stored bundle is outdated now
    client.force_login(world["vendor_member"])
    url = reverse("procurement:bundle_pdf", args=[quote.number])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
        assert response.status_code == 202 and response["Refresh"]
        assert "서류 묶음" in response.content.decode()
    # the build queued by the page ran after commit: the download is there now
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_quote_pdf_not_made_yet_is_made_on_demand(client, world):
    from catalog.models import TaxType
    from tests.procurement.docs_helpers import add_version

    v2 = add_version(world["quote"], lines=[{"name": "현미", "quantity": 1, "unit_price": 30_000,
                                             "tax_type": TaxType.EXEMPT}])
    client.force_login(world["vendor_member"])
    response = client.get(reverse("procurement:quote_pdf", args=[v2.pk]))
    assert response.status_code == 200  # tasks are eager here: made in the request
    assert "금 삼만원정" in PdfReader(io.BytesIO(_body(response))).pages[0].extract_text()


def test_bundle_status_json(client, world, vendor):
    quote = world["quote"]
    client.force_login(world["agency_member"])
    response = client.get(reverse("procurement:bundle_status", args=[quote.number]))
    assert response["Cache-Control"] == "private, no-store"
    state = json.loads(response.content)
    assert set(state) >= {"status", "page_count", "contents", "missing", "pdf_url", "zip_url"}
    assert state["contents"][0] == "표지 (1쪽)" and state["contents"][-1].startswith("납품서")
    world["docs"][DocumentKind.BANK_BOOK].delete()
    state = client.get(reverse("procurement:bundle_status", args=[quote.number])).json()
    assert state["status"] == "outdated" and state["missing"] == ["통장 사본: 제출되지 않음"]


def test_panel_shows_missing_documents_before_download(world, vendor):
    quote = world["quote"]
    world["docs"][DocumentKind.ENTERPRISE_PROOF].delete()
    request = RequestFactory().get(quote.get_absolute_url())
    request.user = world["agency_member"]
    html = render_to_string("procurement/_bundle_panel.html", {"quote": quote}, request=request)
    assert "서류 한 번에 받기" in html
    assert "협동조합 설립신고필증: 제출되지 않음" in html
    assert reverse("procurement:bundle_request", args=[quote.number]) in html
    assert reverse("procurement:bundle_status", args=[quote.number]) in html
    assert "js/bundle.js" in html
    assert 'data-status="outdated"' in html


def test_panel_offers_downloads_when_ready(world):
    quote = world["quote"]
    request = RequestFactory().get("/")
    request.user = world["agency_member"]
    html = render_to_string("procurement/_bundle_panel.html", {"quote": quote}, request=request)
    assert 'data-status="ready"' in html
    assert reverse("procurement:bundle_pdf", args=[quote.number]) in html
    assert reverse("procurement:bundle_zip", args=[quote.number]) in html
    assert "필요한 서류가 모두 있습니다" in html


# --- the vendors document rule: readable through a quote the agency holds ------------------------


def test_agency_reads_bundle_documents_of_a_vendor_it_holds_a_quote_from(world, vendor):
    member, other = world["agency_member"], world["other_agency_member"]
    docs = world["docs"]
    for kind in (DocumentKind.BUSINESS_REGISTRATION, DocumentKind.ENTERPRISE_PROOF, DocumentKind.BANK_BOOK):
        assert document_can_view(member, docs[kind]), kind
        assert not document_can_view(other, docs[kind]), kind
    assert not document_can_view(member, docs[DocumentKind.SEAL])
    application = vendor_document(vendor, DocumentKind.APPLICATION_FORM)
    assert not document_can_view(member, application)
    assert document_can_view(world["vendor_member"], application)
    assert not document_can_view(world["other_vendor_member"], docs[DocumentKind.BUSINESS_REGISTRATION])


def test_document_rule_ends_with_a_cancelled_quote_and_covers_only_that_vendor(world, other_vendor):
    member = world["agency_member"]
    foreign = vendor_document(other_vendor, DocumentKind.BUSINESS_REGISTRATION)
    assert not document_can_view(member, foreign)
    quote = world["quote"]
    quote.status = QuoteStatus.CANCELLED
    quote.save()
    # Issue 11: a purchase order delivered to the agency shares the documents too, so the rule
    # ends with the cancelled quote only once no delivery stands either.
    assert document_can_view(member, world["docs"][DocumentKind.BUSINESS_REGISTRATION])
    world["po"].status = POStatus.CANCELLED
    world["po"].save()
    assert not document_can_view(member, world["docs"][DocumentKind.BUSINESS_REGISTRATION])


def test_vendor_document_view_follows_the_rule(client, world):
    doc = world["docs"][DocumentKind.BUSINESS_REGISTRATION]
    client.force_login(world["agency_member"])
    assert client.get(doc.get_absolute_url()).status_code == 200
    client.force_login(world["other_agency_member"])
    assert client.get(doc.get_absolute_url()).status_code == 404
    client.force_login(world["agency_member"])
    assert client.get(world["docs"][DocumentKind.SEAL].get_absolute_url()).status_code == 404


def test_vendor_staff_member_reads_too(client, world, vendor):
    staff = MembershipFactory(vendor=vendor, role="staff").user
    client.force_login(staff)
    assert client.get(_file_urls(world)["bundle_pdf"]).status_code == 200


def test_bundle_request_for_an_unanswered_quote_says_why(client, world, vendor):
    unanswered = make_quote(agency=world["agency"], vendor=vendor, buyer=world["agency_member"])
    unanswered.current_version = None
    unanswered.save()
    client.force_login(world["agency_member"])
    url = reverse("procurement:bundle_request", args=[unanswered.number])
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "견적서가 도착하지 않아" in response.json()["message"]
    response = client.post(url, follow=False)
    assert response.status_code == 302
    assert client.get(reverse("procurement:bundle_pdf", args=[unanswered.number])).status_code == 409
