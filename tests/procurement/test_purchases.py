"""Accepting a quote, the purchase-order state machine, purchase records, payment, tax invoice, outside records."""
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from procurement import tasks
from procurement.exceptions import InvalidTransition, NotAllowed, NotVerified, ProcurementError, QuoteExpired
from procurement.models import (
    POStatus,
    ProcurementPaymentMethod,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseRecord,
    PurchaseSource,
    QuoteStatus,
    RecordStatus,
    RequestStatus,
)
from procurement.services import purchases as svc
from tests.factories import MembershipFactory, OperatorFactory, ProductFactory, VendorFactory, category, pdf_upload
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory, answered_quote
from vendors.models import EnterpriseType

pytestmark = pytest.mark.django_db


@pytest.fixture
def rice():
    return category("rice-grains")


@pytest.fixture
def quote(agency, vendor, buyer, rice, household, other_vendor):
    """Rice (exempt) 2 × 25,000 and towels (taxable) 10 × 3,300 + 1 × 11,000 in another category."""
    return answered_quote(agency=agency, vendor=vendor, buyer=buyer, other_vendors=[other_vendor], lines=[
        {"name": "홍성 유기농 현미 5kg", "quantity": 2, "unit_price": 25_000, "tax_type": "exempt", "category": rice},
        {"name": "면 수건", "quantity": 10, "unit_price": 3_300, "tax_type": "taxable", "category": household},
        {"name": "장바구니", "quantity": 1, "unit_price": 11_000, "tax_type": "taxable", "category": household},
    ])


def _po_through(po, to, *, buyer, owner):
    steps = {POStatus.CONFIRMED: (svc.po_confirm, owner), POStatus.DELIVERED: (svc.po_deliver, owner),
             POStatus.INSPECTED: (svc.po_inspect, buyer)}
    for status in (POStatus.CONFIRMED, POStatus.DELIVERED, POStatus.INSPECTED):
        service, actor = steps[status]
        service(po_id=po.pk, actor=actor)
        if status == to:
            break
    po.refresh_from_db()
    return po


# --- accept -------------------------------------------------------------------------------------


def test_accept_makes_the_purchase_order_from_the_current_version(quote, buyer, owner, rice, no_pdf,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    version = quote.current_version
    assert po.number.startswith("PO-" + timezone.localdate().strftime("%Y%m%d") + "-")
    assert (po.source, po.status, po.agency_id, po.vendor_id, po.quote_id) == (
        PurchaseSource.QUOTE, POStatus.ISSUED, quote.request.agency_id, quote.vendor_id, quote.pk)
    assert (po.taxable_supply, po.taxable_vat, po.exempt_amount, po.total) == (
        version.taxable_supply, version.taxable_vat, version.exempt_amount, version.total)
    assert po.total == 50_000 + 33_000 + 11_000
    assert [(ln.name, ln.quantity, ln.unit_price, ln.amount, ln.tax_type) for ln in po.lines.all()] == [
        (ln.name, ln.quantity, ln.unit_price, ln.amount, ln.tax_type) for ln in version.lines.order_by("id")]
    assert po.lines.first().category == rice
    assert po.delivery_place == quote.request.delivery_place
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and quote.accepted_at
    assert set(quote.request.quotes.exclude(pk=quote.pk).values_list("status", flat=True)) == {QuoteStatus.NOT_SELECTED}
    quote.request.refresh_from_db()
    assert quote.request.status == RequestStatus.ACCEPTED
    assert list(po.events.values_list("from_status", "to_status")) == [("", POStatus.ISSUED)]
    no_pdf["po"].assert_called_once_with(po_id=po.pk)
    notice = Notification.objects.get(user=owner)
    assert notice.title == "새 발주가 도착했습니다" and po.number in notice.body
    assert any(po.number in m.body for m in mail.outbox if owner.email in m.to)


def test_accept_twice_returns_the_same_order(quote, buyer, no_pdf):
    first = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    second = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    assert first.pk == second.pk
    assert PurchaseOrder.objects.count() == 1


def test_accept_on_the_last_valid_day_works(agency, vendor, buyer, no_pdf):
    quote = answered_quote(agency=agency, vendor=vendor, buyer=buyer, valid_until=timezone.localdate(),
                           lines=[{"name": "현미", "quantity": 1, "unit_price": 10_000, "tax_type": "exempt"}])
    assert svc.quote_accept(quote_id=quote.pk, actor=buyer).total == 10_000


def test_accept_after_validity_is_refused_with_the_date(agency, vendor, buyer, no_pdf):
    yesterday = timezone.localdate() - timedelta(days=1)
    quote = answered_quote(agency=agency, vendor=vendor, buyer=buyer, valid_until=yesterday,
                           lines=[{"name": "현미", "quantity": 1, "unit_price": 10_000, "tax_type": "exempt"}])
    with pytest.raises(QuoteExpired) as exc:
        svc.quote_accept(quote_id=quote.pk, actor=buyer)
    assert f"견적 유효기간({yesterday.isoformat()})이 지나 채택할 수 없습니다" in exc.value.message
    assert "재견적" in exc.value.message
    assert not PurchaseOrder.objects.exists()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ANSWERED


def test_accept_uses_seoul_today(agency, vendor, buyer, no_pdf):
    """At 00:30 in Seoul (15:30 UTC the day before) a quote valid until yesterday (Seoul) has expired."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    seoul_now = datetime(2026, 5, 12, 0, 30, tzinfo=ZoneInfo("Asia/Seoul"))
    quote = answered_quote(agency=agency, vendor=vendor, buyer=buyer, valid_until=seoul_now.date() - timedelta(days=1),
                           lines=[{"name": "현미", "quantity": 1, "unit_price": 10_000, "tax_type": "exempt"}])
    with mock.patch("django.utils.timezone.now", return_value=seoul_now.astimezone(ZoneInfo("UTC"))):
        with pytest.raises(QuoteExpired):
            svc.quote_accept(quote_id=quote.pk, actor=buyer)


def test_accept_is_refused_to_others(quote, owner, other_owner, user, no_pdf):
    other_agency_buyer = AgencyMembershipFactory(agency=AgencyFactory()).user
    for actor in (owner, other_owner, user, other_agency_buyer, OperatorFactory()):
        with pytest.raises(NotAllowed):
            svc.quote_accept(quote_id=quote.pk, actor=actor)
    assert not PurchaseOrder.objects.exists()


def test_accept_a_pending_member_is_refused(quote, agency, no_pdf):
    pending = AgencyMembershipFactory(agency=agency, status="pending").user
    with pytest.raises(NotAllowed):
        svc.quote_accept(quote_id=quote.pk, actor=pending)


def test_accept_an_unanswered_or_not_selected_quote_is_refused(quote, buyer, other_vendor, no_pdf):
    unanswered = quote.request.quotes.get(vendor=other_vendor)
    with pytest.raises(InvalidTransition):
        svc.quote_accept(quote_id=unanswered.pk, actor=buyer)
    svc.quote_accept(quote_id=quote.pk, actor=buyer)
    with pytest.raises(InvalidTransition):
        svc.quote_accept(quote_id=unanswered.pk, actor=buyer)
    assert PurchaseOrder.objects.count() == 1


# --- the state machine ----------------------------------------------------------------------------


def test_full_flow_writes_events_and_records(quote, buyer, owner, rice, household, no_pdf):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    svc.po_confirm(po_id=po.pk, actor=owner)
    svc.po_deliver(po_id=po.pk, actor=owner, note="5월 12일 총무과 김주무관 수령")
    records = svc.po_inspect(po_id=po.pk, actor=buyer)
    po.refresh_from_db()
    assert po.status == POStatus.INSPECTED
    assert po.confirmed_at and po.delivered_at and po.inspected_at
    assert po.delivery_note == "5월 12일 총무과 김주무관 수령"
    assert list(po.events.values_list("from_status", "to_status", "actor")) == [
        ("", "issued", buyer.pk), ("issued", "confirmed", owner.pk), ("confirmed", "delivered", owner.pk),
        ("delivered", "inspected", buyer.pk)]
    assert po.events.get(to_status="delivered").reason == "5월 12일 총무과 김주무관 수령"
    by_category = {r.category: r for r in records}
    assert set(by_category) == {rice, household}
    assert (by_category[rice].exempt_amount, by_category[rice].taxable_amount, by_category[rice].total) == (
        50_000, 0, 50_000)
    assert (by_category[household].taxable_amount, by_category[household].exempt_amount,
            by_category[household].total) == (44_000, 0, 44_000)
    assert by_category[household].description == "면 수건 외 1건"
    # The records add up to the order, by tax type.
    assert sum(r.taxable_amount for r in records) == po.taxable_supply + po.taxable_vat
    assert sum(r.exempt_amount for r in records) == po.exempt_amount
    assert sum(r.total for r in records) == po.total
    for record in records:
        assert (record.agency_id, record.vendor_id, record.source, record.status, record.purchase_order_id) == (
            po.agency_id, po.vendor_id, PurchaseSource.QUOTE, RecordStatus.VERIFIED, po.pk)
        assert record.enterprise_type == quote.vendor.enterprise_type
        assert record.purchased_on == timezone.localdate(po.inspected_at)


def test_lines_without_category_make_one_record_without_category(agency, vendor, owner, buyer, rice, no_pdf):
    quote = answered_quote(agency=agency, vendor=vendor, buyer=buyer, lines=[
        {"name": "맞춤 현수막", "quantity": 2, "unit_price": 55_000, "tax_type": "taxable"},
        {"name": "설치비", "quantity": 1, "unit_price": 22_000, "tax_type": "taxable"},
        {"name": "현미", "quantity": 1, "unit_price": 30_000, "tax_type": "exempt", "category": rice},
    ])
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    _po_through(po, POStatus.INSPECTED, buyer=buyer, owner=owner)
    records = {r.category_id: r for r in PurchaseRecord.objects.filter(purchase_order=po)}
    assert set(records) == {None, rice.pk}
    assert records[None].taxable_amount == 132_000 and records[None].total == 132_000


def test_enterprise_type_is_a_snapshot(quote, buyer, owner, vendor, no_pdf):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    _po_through(po, POStatus.INSPECTED, buyer=buyer, owner=owner)
    before = vendor.enterprise_type
    vendor.enterprise_type = EnterpriseType.VILLAGE
    vendor.save()
    assert set(PurchaseRecord.objects.values_list("enterprise_type", flat=True)) == {before}
    assert before != EnterpriseType.VILLAGE


@pytest.mark.parametrize("status,refused", [
    (POStatus.ISSUED, ["deliver", "inspect"]),
    (POStatus.CONFIRMED, ["confirm", "inspect"]),
    (POStatus.DELIVERED, ["confirm", "deliver", "cancel"]),
    (POStatus.INSPECTED, ["confirm", "deliver", "inspect", "cancel"]),
])
def test_refused_transitions_change_nothing(quote, buyer, owner, no_pdf, status, refused):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    if status != POStatus.ISSUED:
        _po_through(po, status, buyer=buyer, owner=owner)
    events = PurchaseOrderEvent.objects.count()
    calls = {"confirm": lambda: svc.po_confirm(po_id=po.pk, actor=owner),
             "deliver": lambda: svc.po_deliver(po_id=po.pk, actor=owner),
             "inspect": lambda: svc.po_inspect(po_id=po.pk, actor=buyer),
             "cancel": lambda: svc.po_cancel(po_id=po.pk, actor=buyer, reason="예산 삭감")}
    for name in refused:
        with pytest.raises(InvalidTransition):
            calls[name]()
    po.refresh_from_db()
    assert po.status == status
    assert PurchaseOrderEvent.objects.count() == events


def test_each_side_takes_only_its_own_steps(quote, buyer, owner, other_owner, no_pdf):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    other_buyer = AgencyMembershipFactory(agency=AgencyFactory()).user
    operator = OperatorFactory()
    for actor in (buyer, other_owner, other_buyer, operator):
        with pytest.raises(NotAllowed):
            svc.po_confirm(po_id=po.pk, actor=actor)
    svc.po_confirm(po_id=po.pk, actor=owner)
    for actor in (buyer, other_owner, operator):
        with pytest.raises(NotAllowed):
            svc.po_deliver(po_id=po.pk, actor=actor)
    svc.po_deliver(po_id=po.pk, actor=owner)
    for actor in (owner, other_buyer, operator):
        with pytest.raises(NotAllowed):
            svc.po_inspect(po_id=po.pk, actor=actor)
    assert not PurchaseRecord.objects.exists()
    svc.po_inspect(po_id=po.pk, actor=buyer)
    assert PurchaseRecord.objects.count() == 2


def test_vendor_staff_member_may_confirm(quote, buyer, vendor, no_pdf):
    staff = MembershipFactory(vendor=vendor, role="staff").user
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    svc.po_confirm(po_id=po.pk, actor=staff)
    po.refresh_from_db()
    assert po.status == POStatus.CONFIRMED


def test_cancel_by_either_side_needs_a_reason(quote, buyer, owner, no_pdf, django_capture_on_commit_callbacks):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    with pytest.raises(ProcurementError, match="취소 사유"):
        svc.po_cancel(po_id=po.pk, actor=owner, reason="  ")
    svc.po_confirm(po_id=po.pk, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        svc.po_cancel(po_id=po.pk, actor=owner, reason="원재료 수급 불가")
    po.refresh_from_db()
    assert po.status == POStatus.CANCELLED and po.cancelled_at
    event = po.events.last()
    assert (event.from_status, event.to_status, event.reason, event.actor) == (
        "confirmed", "cancelled", "원재료 수급 불가", owner)
    notice = Notification.objects.get(user=buyer, title="발주가 취소되었습니다")
    assert "원재료 수급 불가" in notice.body


def test_agency_may_cancel_before_confirmation(quote, buyer, owner, no_pdf, django_capture_on_commit_callbacks):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        svc.po_cancel(po_id=po.pk, actor=buyer, reason="예산 재편성")
    assert Notification.objects.filter(user=owner, title="발주가 취소되었습니다").count() == 1
    assert not Notification.objects.filter(user=buyer, title="발주가 취소되었습니다").exists()


def test_every_step_notifies_the_other_side_once(quote, buyer, owner, no_pdf, django_capture_on_commit_callbacks):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        svc.po_confirm(po_id=po.pk, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        svc.po_deliver(po_id=po.pk, actor=owner, note="정문 경비실")
    no_pdf["note"].assert_called_once_with(po_id=po.pk)
    with django_capture_on_commit_callbacks(execute=True):
        svc.po_inspect(po_id=po.pk, actor=buyer)
    assert list(Notification.objects.filter(user=buyer).order_by("pk").values_list("title", flat=True)) == [
        "발주가 확인되었습니다", "납품이 완료되었습니다"]
    assert "정문 경비실" in Notification.objects.get(user=buyer, title="납품이 완료되었습니다").body
    assert Notification.objects.filter(user=owner, title="검수가 완료되었습니다").count() == 1
    # A retried task sends nothing twice.
    sent = len(mail.outbox)
    for event in po.events.all():
        tasks.po_event_notify_task.delay(event_id=event.pk)
    assert len(mail.outbox) == sent


# --- payment and tax invoice -----------------------------------------------------------------------


def test_payment_after_delivery(quote, buyer, owner, no_pdf, django_capture_on_commit_callbacks):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    today = timezone.localdate()
    with pytest.raises(InvalidTransition, match="납품이 끝난"):
        svc.po_payment_record(po_id=po.pk, actor=buyer, paid_on=today, method=ProcurementPaymentMethod.INVOICE)
    _po_through(po, POStatus.DELIVERED, buyer=buyer, owner=owner)
    with pytest.raises(ProcurementError, match="지급일"):
        svc.po_payment_record(po_id=po.pk, actor=buyer, paid_on=today + timedelta(days=1),
                              method=ProcurementPaymentMethod.INVOICE)
    with pytest.raises(ProcurementError, match="결제 방법"):
        svc.po_payment_record(po_id=po.pk, actor=buyer, paid_on=today, method="cash")
    with django_capture_on_commit_callbacks(execute=True):
        svc.po_payment_record(po_id=po.pk, actor=buyer, paid_on=today, method=ProcurementPaymentMethod.BANK_TRANSFER,
                              note="지출결의 2026-112")
    po.refresh_from_db()
    assert (po.paid_on, po.payment_method, po.payment_note) == (today, "bank_transfer", "지출결의 2026-112")
    assert Notification.objects.filter(user=owner, title="대금 지급이 기록되었습니다").count() == 1


def test_payment_by_vendor_or_operator_but_not_others(quote, buyer, owner, other_owner, no_pdf):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    _po_through(po, POStatus.INSPECTED, buyer=buyer, owner=owner)
    today = timezone.localdate()
    for actor in (other_owner, AgencyMembershipFactory(agency=AgencyFactory()).user):
        with pytest.raises(NotAllowed):
            svc.po_payment_record(po_id=po.pk, actor=actor, paid_on=today, method="invoice")
    svc.po_payment_record(po_id=po.pk, actor=owner, paid_on=today, method="invoice")
    svc.po_payment_record(po_id=po.pk, actor=OperatorFactory(), paid_on=today - timedelta(days=1),
                          method="purchase_card")
    po.refresh_from_db()
    assert (po.paid_on, po.payment_method) == (today - timedelta(days=1), "purchase_card")


def test_tax_invoice_request_and_issue(quote, buyer, owner, no_pdf, django_capture_on_commit_callbacks):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    with pytest.raises(NotAllowed):
        svc.po_invoice_request(po_id=po.pk, actor=owner, email="a@chungnam.go.kr")
    with pytest.raises(ProcurementError, match="이메일"):
        svc.po_invoice_request(po_id=po.pk, actor=buyer, email="not-an-email")
    with django_capture_on_commit_callbacks(execute=True):
        svc.po_invoice_request(po_id=po.pk, actor=buyer, email="account@chungnam.go.kr")
    po.refresh_from_db()
    assert po.invoice_email == "account@chungnam.go.kr" and po.invoice_requested_at
    notice = Notification.objects.get(user=owner, title="계산서 발행 요청")
    assert "account@chungnam.go.kr" in notice.body
    with pytest.raises(InvalidTransition):  # not delivered yet
        svc.po_invoice_issued(po_id=po.pk, actor=owner, approval_number="20260512-41000012-34567890")
    _po_through(po, POStatus.DELIVERED, buyer=buyer, owner=owner)
    with pytest.raises(NotAllowed):
        svc.po_invoice_issued(po_id=po.pk, actor=buyer, approval_number="20260512-41000012-34567890")
    for bad in ("ABC-123", "2026 0512", "12-34", "<script>"):
        with pytest.raises(ProcurementError, match="숫자와 하이픈"):
            svc.po_invoice_issued(po_id=po.pk, actor=owner, approval_number=bad)
    with django_capture_on_commit_callbacks(execute=True):
        svc.po_invoice_issued(po_id=po.pk, actor=owner, approval_number="20260512-41000012-34567890")
    po.refresh_from_db()
    assert po.invoice_approval_number == "20260512-41000012-34567890" and po.invoice_issued_at
    assert "20260512-41000012-34567890" in Notification.objects.get(user=buyer, title="계산서가 발행되었습니다").body
    with pytest.raises(InvalidTransition, match="이미 발행"):
        svc.po_invoice_request(po_id=po.pk, actor=buyer, email="account@chungnam.go.kr")


# --- outside purchases --------------------------------------------------------------------------------


def test_outside_record_is_pending_until_the_operator_verifies(agency, buyer, vendor, rice,
                                                               django_capture_on_commit_callbacks):
    record = svc.outside_record_create(
        user=buyer, agency_id=agency.pk, vendor_id=vendor.pk, purchased_on=timezone.localdate() - timedelta(days=3),
        category_id=rice.pk, description="행사용 떡 300개", taxable_amount=0, exempt_amount=450_000,
        evidence=pdf_upload("거래명세서.pdf"))
    assert (record.source, record.status, record.total, record.enterprise_type) == (
        PurchaseSource.OUTSIDE, RecordStatus.PENDING, 450_000, vendor.enterprise_type)
    assert record.evidence_name == "거래명세서.pdf"
    assert record.evidence.read().startswith(b"%PDF-")
    with pytest.raises(NotAllowed):
        svc.outside_record_verify(record_id=record.pk, actor=buyer)
    with pytest.raises(ProcurementError, match="반려 사유"):
        svc.outside_record_verify(record_id=record.pk, actor=OperatorFactory(), approve=False)
    operator = OperatorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        svc.outside_record_verify(record_id=record.pk, actor=operator)
    record.refresh_from_db()
    assert (record.status, record.verified_by) == (RecordStatus.VERIFIED, operator)
    assert Notification.objects.filter(user=buyer, title="구매 실적이 확인되었습니다").count() == 1
    with pytest.raises(InvalidTransition):
        svc.outside_record_verify(record_id=record.pk, actor=operator, approve=False, reason="증빙 불일치")


def test_outside_record_rejected_with_reason(agency, buyer, vendor, django_capture_on_commit_callbacks):
    record = svc.outside_record_create(
        user=buyer, agency_id=agency.pk, vendor_id=vendor.pk, purchased_on=timezone.localdate(), category_id=None,
        description="청소 용역", taxable_amount=1_100_000, exempt_amount=0, evidence=pdf_upload())
    with django_capture_on_commit_callbacks(execute=True):
        svc.outside_record_verify(record_id=record.pk, actor=OperatorFactory(), approve=False,
                                  reason="증빙의 공급자가 다릅니다")
    record.refresh_from_db()
    assert (record.status, record.reject_reason) == (RecordStatus.REJECTED, "증빙의 공급자가 다릅니다")
    assert "증빙의 공급자가 다릅니다" in Notification.objects.get(user=buyer, title="구매 실적이 반려되었습니다").body


def test_outside_record_rules(agency, buyer, vendor, user):
    from tests.factories import upload

    base = dict(agency_id=agency.pk, vendor_id=vendor.pk, purchased_on=timezone.localdate(), category_id=None,
                description="x", taxable_amount=10_000, exempt_amount=0)
    with pytest.raises(NotVerified):
        svc.outside_record_create(user=user, evidence=pdf_upload(), **base)
    with pytest.raises(ProcurementError, match="증빙"):
        svc.outside_record_create(user=buyer, evidence=None, **base)
    with pytest.raises(ProcurementError, match="PDF, JPEG, PNG"):
        svc.outside_record_create(user=buyer, evidence=upload("x.pdf", b"<html>not a pdf</html>"), **base)
    with pytest.raises(ProcurementError, match="입점한 기업"):
        svc.outside_record_create(user=buyer, evidence=pdf_upload(),
                                  **{**base, "vendor_id": VendorFactory(status="submitted").pk})
    with pytest.raises(ProcurementError, match="금액"):
        svc.outside_record_create(user=buyer, evidence=pdf_upload(), **{**base, "taxable_amount": 0})
    with pytest.raises(ProcurementError, match="구매일"):
        svc.outside_record_create(user=buyer, evidence=pdf_upload(),
                                  **{**base, "purchased_on": timezone.localdate() + timedelta(days=1)})
    assert not PurchaseRecord.objects.exists()


def test_platform_records_cannot_be_verified_as_outside(quote, buyer, owner, no_pdf):
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    _po_through(po, POStatus.INSPECTED, buyer=buyer, owner=owner)
    record = PurchaseRecord.objects.first()
    with pytest.raises(InvalidTransition):
        svc.outside_record_verify(record_id=record.pk, actor=OperatorFactory(), approve=False, reason="x")


def test_product_line_category_comes_from_the_product_when_the_line_has_none(agency, vendor, buyer, owner, no_pdf):
    product = ProductFactory(vendor=vendor, category=category("health-food"), procurement_eligible=True)
    variant = product.variants.get()
    quote = answered_quote(agency=agency, vendor=vendor, buyer=buyer, lines=[
        {"name": product.name, "variant": variant, "quantity": 3, "unit_price": 20_000, "tax_type": "taxable"}])
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    line = po.lines.get()
    assert (line.product, line.variant, line.category.slug) == (product, variant, "health-food")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_make_one_order():
    """Double clicks on one quote, and two quotes of one request accepted at once: one order."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    agency = AgencyFactory()
    buyer = AgencyMembershipFactory(agency=agency).user
    vendor, other = VendorFactory(), VendorFactory()
    line = [{"name": "현미", "quantity": 1, "unit_price": 10_000, "tax_type": "exempt"}]
    quote = answered_quote(agency=agency, vendor=vendor, buyer=buyer, lines=line, other_vendors=[other])
    rival = quote.request.quotes.get(vendor=other)
    from procurement.models import QuoteVersion

    version = QuoteVersion.objects.create(quote=rival, version=1, valid_until=timezone.localdate(), exempt_amount=9_000,
                                          total=9_000)
    rival.current_version, rival.status = version, QuoteStatus.ANSWERED
    rival.save()
    targets = [quote.pk, quote.pk, quote.pk, rival.pk, rival.pk, rival.pk]
    results, barrier = [], threading.Barrier(len(targets))

    def accept(quote_id):
        from django.db import connections

        barrier.wait()
        try:
            results.append(svc.quote_accept(quote_id=quote_id, actor=buyer).pk)
        except InvalidTransition:
            results.append(None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(pk,)) for pk in targets]
    with mock.patch("procurement.tasks.po_pdf_task.delay"):  # patched once: threads must not race on it
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert PurchaseOrder.objects.count() == 1
    po = PurchaseOrder.objects.get()
    assert sorted(r for r in results if r) == [po.pk] * 3
    assert results.count(None) == 3
    assert sorted(quote.request.quotes.values_list("status", flat=True)) == ["accepted", "not_selected"]


def test_through_the_quote_services(agency, buyer, vendor, owner, no_pdf):
    """request → vendor's answer (QUOTES' services) → accept → confirm → deliver → inspect → records."""
    from procurement.services.quotes import quote_request_create, quote_submit

    rice = ProductFactory(vendor=vendor, category=category("rice-grains"), tax_type="exempt", procurement_eligible=True,
                          variants=[{"name": "20kg", "price": 80_000, "stock": 50}])
    variant = rice.variants.get()
    request = quote_request_create(
        user=buyer, agency_id=agency.pk, title="경로당 쌀", delivery_place="홍성군청", reply_by=timezone.localdate()
        + timedelta(days=5), items=[{"vendor_id": vendor.pk, "variant_id": variant.pk, "name": rice.name,
                                     "quantity": 10}])
    quote = request.quotes.get()
    quote_submit(quote_id=quote.pk, actor=owner, valid_until=timezone.localdate() + timedelta(days=14), lines=[
        {"request_item_id": request.items.get().pk, "quantity": 10, "unit_price": 76_000, "tax_type": "exempt"},
        {"name": "배송비", "quantity": 1, "unit_price": 33_000, "tax_type": "taxable"}])
    po = svc.quote_accept(quote_id=quote.pk, actor=buyer)
    assert (po.total, po.exempt_amount, po.taxable_supply, po.taxable_vat) == (793_000, 760_000, 30_000, 3_000)
    _po_through(po, POStatus.INSPECTED, buyer=buyer, owner=owner)
    records = {r.category_id: r for r in PurchaseRecord.objects.filter(purchase_order=po)}
    assert (records[rice.category_id].exempt_amount, records[None].taxable_amount) == (760_000, 33_000)
    assert sum(r.total for r in records.values()) == po.total
