"""Pages of purchase orders, purchase records and outside purchases; who may see and do what; the admins."""
import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement.models import POStatus, PurchaseOrder, PurchaseRecord, PurchaseSource, RecordStatus
from procurement.services import purchases as svc
from tests.factories import MembershipFactory, VendorFactory, category, pdf_upload, upload
from tests.otp import otp_login
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory, answered_quote

# Purchase-order and delivery-note PDFs are not made here (test_documents makes them).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf")]


@pytest.fixture
def stranger_buyer():
    """A verified buyer of another agency."""
    return AgencyMembershipFactory(agency=AgencyFactory()).user


LINES = [{"name": "면 수건", "quantity": 10, "unit_price": 3_300, "tax_type": "taxable"},
         {"name": "현미 5kg", "quantity": 2, "unit_price": 25_000, "tax_type": "exempt"}]


@pytest.fixture
def quote(agency, vendor, buyer):
    return answered_quote(agency=agency, vendor=vendor, buyer=buyer, lines=LINES)


@pytest.fixture
def po(quote, buyer):
    return svc.quote_accept(quote_id=quote.pk, actor=buyer)


def login(client, user):
    client.force_login(user)
    return client


def action(client, po, name, follow=False, **data):
    return client.post(reverse("procurement:po_action", args=[po.number]), {"action": name, **data}, follow=follow)


def status_of(po):
    po.refresh_from_db()
    return po.status


# --- accept -----------------------------------------------------------------------------------------


def test_accept_page(client, quote, buyer):
    url = reverse("procurement:quote_accept", args=[quote.number])
    login(client, buyer)
    assert client.get(url).status_code == 405
    response = client.post(url)
    po = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response.url == po.get_absolute_url()
    assert client.post(url).url == po.get_absolute_url()  # a second click lands on the same order
    assert PurchaseOrder.objects.count() == 1
    page = client.get(po.get_absolute_url())
    assert f"발주 {po.number}이(가) 기업에 전달되었습니다" in page.content.decode()


def test_accept_expired_shows_the_message(client, agency, vendor, buyer):
    quote = answered_quote(agency=agency, vendor=vendor, buyer=buyer, lines=LINES,
                           valid_until=timezone.localdate() - timedelta(days=2))
    login(client, buyer)
    response = client.post(reverse("procurement:quote_accept", args=[quote.number]), follow=True)
    assert "견적 유효기간(" in response.content.decode() and "재견적을 요청해 주세요" in response.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_accept_by_others(client, quote, owner, other_owner, stranger_buyer, user):
    url = reverse("procurement:quote_accept", args=[quote.number])
    for who in (other_owner, stranger_buyer, user):
        assert login(client, who).post(url).status_code == 404
    response = login(client, owner).post(url, follow=True)  # the vendor sees the quote but may not accept it
    assert "요청한 기관의 확인된 구성원만 견적을 채택할 수 있습니다." in response.content.decode()
    assert not PurchaseOrder.objects.exists()
    client.logout()
    assert client.post(url).status_code == 302 and not PurchaseOrder.objects.exists()


# --- the list -----------------------------------------------------------------------------------------


def test_po_list_by_side_with_fixed_queries(client, agency, vendor, buyer, owner, other_vendor, other_owner,
                                            stranger_buyer, django_assert_max_num_queries):
    mine = svc.quote_accept(quote_id=answered_quote(agency=agency, vendor=vendor, buyer=buyer, lines=LINES).pk,
                            actor=buyer)
    to_other_vendor = svc.quote_accept(
        quote_id=answered_quote(agency=agency, vendor=other_vendor, buyer=buyer, lines=LINES).pk, actor=buyer)
    login(client, buyer)
    with django_assert_max_num_queries(14) as few:
        body = client.get(reverse("procurement:po_list")).content.decode()
    baseline = len(few)
    assert mine.number in body and to_other_vendor.number in body
    login(client, owner)
    body = client.get(reverse("procurement:po_list")).content.decode()
    assert mine.number in body and to_other_vendor.number not in body
    login(client, other_owner)
    body = client.get(reverse("procurement:po_list")).content.decode()
    assert mine.number not in body and to_other_vendor.number in body
    login(client, stranger_buyer)
    body = client.get(reverse("procurement:po_list")).content.decode()
    assert mine.number not in body and 'data-testid="po-empty"' in body
    # Twenty more orders, the same number of queries.
    for _ in range(20):
        svc.quote_accept(quote_id=answered_quote(agency=agency, vendor=vendor, buyer=buyer, lines=LINES).pk,
                         actor=buyer)
    login(client, buyer)
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("procurement:po_list"))
    assert response.content.decode().count('data-testid="po-row"') == 20


def test_po_list_status_filter_and_non_members(client, po, buyer, owner, user):
    svc.po_confirm(po_id=po.pk, actor=owner)
    login(client, buyer)
    assert po.number in client.get(reverse("procurement:po_list") + "?status=confirmed").content.decode()
    assert po.number not in client.get(reverse("procurement:po_list") + "?status=issued").content.decode()
    response = login(client, user).get(reverse("procurement:po_list"))
    assert response.status_code == 403 and "기관 구성원 전용" in response.content.decode()


# --- the detail and its steps ----------------------------------------------------------------------------


def test_po_detail_shows_each_side_its_steps(client, po, buyer, owner, operator):
    body = login(client, buyer).get(po.get_absolute_url()).content.decode()
    assert 'data-testid="po-cancel"' in body and 'data-testid="po-confirm"' not in body
    assert "43,000원" not in body and "83,000원" in body  # 33,000 + 50,000
    assert reverse("procurement:po_pdf", args=[po.number]) in body
    assert reverse("procurement:delivery_note_pdf", args=[po.number]) not in body
    body = login(client, owner).get(po.get_absolute_url()).content.decode()
    assert 'data-testid="po-confirm"' in body and 'data-testid="po-inspect"' not in body
    body = login(client, operator).get(po.get_absolute_url()).content.decode()
    assert 'data-testid="po-steps"' not in body


def test_po_flow_through_the_pages(client, po, buyer, owner):
    login(client, buyer)
    response = action(client, po, "confirm", follow=True)
    assert "이 발주를 '발주 확인' 처리할 권한이 없습니다." in html.unescape(response.content.decode())
    assert status_of(po) == POStatus.ISSUED
    login(client, owner)
    assert action(client, po, "confirm").status_code == 302 and status_of(po) == POStatus.CONFIRMED
    assert action(client, po, "deliver", note="1층 민원실 전달").status_code == 302
    assert status_of(po) == POStatus.DELIVERED
    body = client.get(po.get_absolute_url()).content.decode()
    assert reverse("procurement:delivery_note_pdf", args=[po.number]) in body and "1층 민원실 전달" in body
    login(client, buyer)
    response = action(client, po, "inspect", follow=True)
    assert "공공구매 실적 1건이 기록되었습니다" in response.content.decode()
    assert status_of(po) == POStatus.INSPECTED
    assert 'data-testid="po-records"' in response.content.decode()


def test_cancel_needs_a_reason_on_the_page(client, po, buyer):
    login(client, buyer)
    response = action(client, po, "cancel", reason="")
    assert response.status_code == 400 and "취소 사유를 입력해 주세요." in response.content.decode()
    assert status_of(po) == POStatus.ISSUED
    assert action(client, po, "cancel", reason="예산 불용").status_code == 302
    assert status_of(po) == POStatus.CANCELLED
    assert client.post(reverse("procurement:po_action", args=[po.number]), {"action": "explode"}).status_code == 404


def test_payment_and_invoice_forms(client, po, buyer, owner):
    svc.po_confirm(po_id=po.pk, actor=owner)
    svc.po_deliver(po_id=po.pk, actor=owner)
    login(client, buyer)
    url = reverse("procurement:po_payment", args=[po.number])
    response = client.post(url, {"paid_on": "", "method": "invoice"})
    assert response.status_code == 400 and "지급일을 입력해 주세요." in response.content.decode()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "지급일은 오늘이거나 지난 날짜여야 합니다." in client.post(url, {"paid_on": tomorrow, "method": "invoice"}
                                                         ).content.decode()
    assert client.post(url, {"paid_on": timezone.localdate().isoformat(), "method": "invoice"}).status_code == 302
    po.refresh_from_db()
    assert po.paid_on == timezone.localdate()
    url = reverse("procurement:po_invoice", args=[po.number])
    response = client.post(url, {"kind": "request", "email": "nope"})
    assert response.status_code == 400 and "이메일 주소를 바르게 입력해 주세요." in response.content.decode()
    assert client.post(url, {"kind": "request", "email": "tax@chungnam.go.kr"}).status_code == 302
    response = client.post(url, {"kind": "issued", "approval_number": "20260512-41000012-34567890"}, follow=True)
    assert "공급 기업의 구성원만 계산서 발행을 기록할 수 있습니다." in response.content.decode()
    login(client, owner)
    response = client.post(url, {"kind": "issued", "approval_number": "번호없음"})
    assert response.status_code == 400 and "승인번호는 숫자와 하이픈(-)만 쓸 수 있습니다." in response.content.decode()
    assert client.post(url, {"kind": "issued", "approval_number": "20260512-41000012-34567890"}).status_code == 302
    body = client.get(po.get_absolute_url()).content.decode()
    assert "승인번호 20260512-41000012-34567890" in body and 'data-testid="paid"' in body


def test_others_get_404_on_every_po_url(client, po, other_owner, stranger_buyer, user):
    urls = [("get", po.get_absolute_url(), {}),
            ("post", reverse("procurement:po_action", args=[po.number]), {"action": "cancel", "reason": "x"}),
            ("post", reverse("procurement:po_action", args=[po.number]), {"action": "confirm"}),
            ("post", reverse("procurement:po_payment", args=[po.number]),
             {"paid_on": timezone.localdate().isoformat(), "method": "invoice"}),
            ("post", reverse("procurement:po_invoice", args=[po.number]), {"kind": "request", "email": "a@b.kr"}),
            ("get", reverse("procurement:po_pdf", args=[po.number]), {}),
            ("get", reverse("procurement:delivery_note_pdf", args=[po.number]), {})]
    for who in (other_owner, stranger_buyer, user):
        login(client, who)
        for method, url, data in urls:
            assert getattr(client, method)(url, data).status_code == 404, (who, url)
    assert status_of(po) == POStatus.ISSUED and not po.invoice_email
    client.logout()
    assert client.get(po.get_absolute_url()).status_code == 302


# --- records ---------------------------------------------------------------------------------------------


def _inspected(po, buyer, owner):
    svc.po_confirm(po_id=po.pk, actor=owner)
    svc.po_deliver(po_id=po.pk, actor=owner)
    return svc.po_inspect(po_id=po.pk, actor=buyer)


def test_record_list_shows_this_years_records_and_outside_states(client, po, buyer, owner, agency, vendor,
                                                                 stranger_buyer, django_assert_max_num_queries):
    _inspected(po, buyer, owner)
    outside = svc.outside_record_create(
        user=buyer, agency_id=agency.pk, vendor_id=vendor.pk, purchased_on=timezone.localdate(), category_id=None,
        description="체육대회 도시락", taxable_amount=0, exempt_amount=700_000, evidence=pdf_upload())
    old = PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=PurchaseSource.OUTSIDE,
                                        enterprise_type=vendor.enterprise_type, description="작년 구매",
                                        purchased_on=timezone.localdate().replace(year=timezone.localdate().year - 1),
                                        taxable_amount=1, exempt_amount=0, total=1)
    login(client, buyer)
    with django_assert_max_num_queries(14) as few:
        body = client.get(reverse("procurement:record_list")).content.decode()
    baseline = len(few)
    assert "체육대회 도시락" in body and "작년 구매" not in body and po.number in body
    assert body.count('data-testid="record-row"') == 2
    assert 'data-status="pending"' in body and 'data-source="outside"' in body
    assert "83,000원" in body and "700,000원" in body  # verified sum, pending sum
    assert reverse("procurement:record_evidence", args=[outside.pk]) in body
    for n in range(10):
        PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=PurchaseSource.OUTSIDE,
                                      enterprise_type=vendor.enterprise_type, description=f"추가 {n}",
                                      purchased_on=timezone.localdate(), taxable_amount=n + 1, exempt_amount=0,
                                      total=n + 1, status=RecordStatus.VERIFIED)
    with django_assert_max_num_queries(baseline):
        body = client.get(reverse("procurement:record_list")).content.decode()
    assert body.count('data-testid="record-row"') == 12
    year = old.purchased_on.year
    assert "작년 구매" in client.get(reverse("procurement:record_list") + f"?year={year}").content.decode()
    body = login(client, stranger_buyer).get(reverse("procurement:record_list")).content.decode()
    assert "체육대회 도시락" not in body
    # Another agency's id in the query is ignored: a buyer sees only the own agency's records.
    body = client.get(reverse("procurement:record_list") + f"?agency={agency.pk}").content.decode()
    assert "체육대회 도시락" not in body


def test_record_list_for_non_members(client, user, owner):
    for who in (user, owner):
        assert login(client, who).get(reverse("procurement:record_list")).status_code == 403


def test_outside_record_page(client, buyer, agency, vendor, user):
    url = reverse("procurement:outside_record_new")
    assert login(client, user).get(url).status_code == 403
    login(client, buyer)
    assert client.get(url).status_code == 200
    data = {"agency": agency.pk, "vendor": vendor.pk, "purchased_on": timezone.localdate().isoformat(),
            "category": category("lunch-catering").pk, "description": "워크숍 도시락 80개", "taxable_amount": "",
            "exempt_amount": "640000"}
    response = client.post(url, data)
    assert response.status_code == 400 and "증빙 파일을 올려 주세요." in response.content.decode()
    response = client.post(url, {**data, "evidence": upload("a.pdf", b"plain text")})
    assert "PDF, JPEG, PNG 파일만 올릴 수 있습니다" in response.content.decode()
    response = client.post(url, {**data, "category": "", "evidence": pdf_upload()})
    assert "분류를 골라 주세요." in response.content.decode()
    response = client.post(url, {**data, "exempt_amount": "0", "evidence": pdf_upload()})
    assert "과세 금액이나 면세 금액을 입력해 주세요." in response.content.decode()
    pending_vendor = VendorFactory(status="submitted")
    response = client.post(url, {**data, "vendor": pending_vendor.pk, "evidence": pdf_upload()})
    assert "따숨몰에 입점한 기업을 골라 주세요." in response.content.decode()
    assert not PurchaseRecord.objects.exists()
    response = client.post(url, {**data, "evidence": pdf_upload("영수증.pdf")})
    assert response.status_code == 302
    record = PurchaseRecord.objects.get()
    assert (record.source, record.status, record.exempt_amount, record.total, record.category.slug) == (
        PurchaseSource.OUTSIDE, RecordStatus.PENDING, 640_000, 640_000, "lunch-catering")
    body = client.get(response.url).content.decode()
    assert "운영자가 증빙을 확인하면 실적에 반영됩니다" in body and "확인 대기" in body


def test_record_evidence_access(client, buyer, agency, vendor, owner, other_owner, operator, stranger_buyer, user):
    record = svc.outside_record_create(
        user=buyer, agency_id=agency.pk, vendor_id=vendor.pk, purchased_on=timezone.localdate(), category_id=None,
        description="x", taxable_amount=11_000, exempt_amount=0, evidence=upload("evil.html", pdf_upload().read()))
    url = reverse("procurement:record_evidence", args=[record.pk])
    for who, status in ((buyer, 200), (owner, 200), (operator, 200), (other_owner, 404), (stranger_buyer, 404),
                        (user, 404)):
        response = login(client, who).get(url)
        assert response.status_code == status, who
        if status == 200:
            # The type comes from the checked content, never from the uploaded name.
            assert response["Content-Type"] == "application/pdf"
            assert "evil.pdf" in response["Content-Disposition"]
            assert response["X-Content-Type-Options"] == "nosniff"
    client.logout()
    assert client.get(url).status_code == 302


# --- admins -------------------------------------------------------------------------------------------------


def test_operator_admin_pages(client, po, buyer, owner, operator):
    _inspected(po, buyer, owner)
    otp_login(client, operator)
    assert client.get(reverse("admin:procurement_purchaseorder_changelist")).status_code == 200
    page = client.get(reverse("admin:procurement_purchaseorder_change", args=[po.pk]))
    assert page.status_code == 200 and "면 수건" in page.content.decode() and "검수 완료" in page.content.decode()
    assert client.get(reverse("admin:procurement_purchaserecord_changelist")).status_code == 200
    assert client.get(reverse("admin:procurement_directpurchaserule_changelist")).status_code == 200


def test_operator_verifies_and_rejects_in_the_admin(client, buyer, agency, vendor, operator):
    records = [svc.outside_record_create(
        user=buyer, agency_id=agency.pk, vendor_id=vendor.pk, purchased_on=timezone.localdate(), category_id=None,
        description=f"구매 {n}", taxable_amount=0, exempt_amount=10_000 * (n + 1), evidence=pdf_upload())
        for n in range(3)]
    url = reverse("admin:procurement_purchaserecord_changelist")
    otp_login(client, operator)
    response = client.post(url, {"action": "verify_selected", "_selected_action": [records[0].pk]})
    assert response.status_code == 302
    records[0].refresh_from_db()
    assert records[0].status == RecordStatus.VERIFIED and records[0].verified_by == operator
    # Reject asks for the reason first.
    ids = [records[1].pk, records[2].pk]
    form = client.post(url, {"action": "reject_selected", "_selected_action": ids})
    assert form.status_code == 200 and "반려 사유" in form.content.decode()
    empty = client.post(url, {"action": "reject_selected", "_selected_action": ids, "confirm": "1", "reason": ""})
    assert "반려 사유를 입력해 주세요." in empty.content.decode()
    done = client.post(url, {"action": "reject_selected", "_selected_action": ids, "confirm": "1",
                             "reason": "증빙 금액이 다릅니다"})
    assert done.status_code == 302
    assert set(PurchaseRecord.objects.filter(pk__in=ids).values_list("status", "reject_reason")) == {
        (RecordStatus.REJECTED, "증빙 금액이 다릅니다")}


def test_partner_admin_lists_only_the_vendors_orders(client, po, owner, other_owner, agency, buyer, other_vendor):
    theirs = svc.quote_accept(quote_id=answered_quote(agency=agency, vendor=other_vendor, buyer=buyer,
                                                      lines=LINES).pk, actor=buyer)
    login(client, owner)
    body = client.get(reverse("partner:procurement_purchaseorder_changelist")).content.decode()
    assert po.number in body and theirs.number not in body and po.get_absolute_url() in body
    assert client.get(reverse("partner:procurement_purchaseorder_change", args=[po.pk])).status_code == 200
    assert client.get(reverse("partner:procurement_purchaseorder_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("partner:procurement_needproposal_changelist")).status_code == 200
    login(client, buyer)  # an agency buyer has no partner admin
    assert client.get(reverse("partner:procurement_purchaseorder_changelist")).status_code in (302, 403)


def test_vendor_member_of_a_second_vendor_sees_both(client, po, agency, buyer):
    other = VendorFactory()
    member = MembershipFactory(vendor=po.vendor, role="staff").user
    MembershipFactory(vendor=other, user=member)
    theirs = svc.quote_accept(quote_id=answered_quote(agency=agency, vendor=other, buyer=buyer, lines=LINES).pk,
                              actor=buyer)
    body = login(client, member).get(reverse("procurement:po_list")).content.decode()
    assert po.number in body and theirs.number in body


def test_po_steps_read_as_actions_in_english_and_states_as_states(client, po, owner):
    login(client, owner)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(po.get_absolute_url()).content.decode()
    assert '<html lang="en">' in body
    assert 'data-testid="po-confirm">Confirm order</button>' in body
    svc.po_confirm(po_id=po.pk, actor=owner)
    body = client.get(reverse("procurement:po_list")).content.decode()
    assert "Order confirmed" in body  # the state column, not the button
