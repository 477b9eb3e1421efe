"""Quote services: the basket, requests split per vendor, answers with versions, declines, reminders."""
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.models import Notification
from catalog.models import ProductStatus, TaxType
from procurement.exceptions import InvalidTransition, NotAllowed, NotVerified, ProcurementError
from procurement.models import (
    AgencyMembership,
    MembershipStatus,
    QuoteBasketLine,
    QuoteRequest,
    QuoteStatus,
    RequestKind,
    RequestStatus,
    VendorQuote,
)
from procurement.selectors.quotes import basket_lines
from procurement.services.quotes import (
    basket_line_set,
    quote_decline,
    quote_request_cancel,
    quote_request_create,
    quote_submit,
    quotes_remind_unanswered,
)
from procurement.tasks import quote_request_notify_task
from tests.factories import ProductFactory, UserFactory, VendorFactory, pdf_upload, upload
from vendors.models import VendorStatus

from .factories import AgencyFactory, AgencyMembershipFactory
from .quotes_helpers import answer, buyer_of, eligible_product, reply_by, request_for, vendor_owner

pytestmark = pytest.mark.django_db

Q = QuoteStatus


@pytest.fixture
def two_vendors():
    rice_vendor, soap_vendor = VendorFactory(name="홍성쌀협동조합"), VendorFactory(name="비누마을기업")
    rice = eligible_product(rice_vendor, price=22_000, tax_type=TaxType.EXEMPT, name="유기농 쌀 10kg")
    beans = eligible_product(rice_vendor, price=9_000, tax_type=TaxType.EXEMPT, name="서리태 1kg")
    soap = eligible_product(soap_vendor, price=5_500, name="천연 비누 세트")
    return rice.variants.get(), beans.variants.get(), soap.variants.get()


# --- the basket ------------------------------------------------------------------------------


def test_basket_add_accumulates_update_and_remove(buyer, two_vendors):
    rice, _beans, _soap = two_vendors
    basket_line_set(user=buyer, variant_id=rice.pk, quantity=10, add=True)
    line = basket_line_set(user=buyer, variant_id=rice.pk, quantity=5, add=True)
    assert line.quantity == 15
    assert basket_line_set(user=buyer, variant_id=rice.pk, quantity=40).quantity == 40
    assert basket_line_set(user=buyer, variant_id=rice.pk, quantity=0) is None
    assert not QuoteBasketLine.objects.exists()


def test_basket_takes_only_eligible_products_on_sale(buyer):
    plain = ProductFactory()  # not procurement-eligible
    with pytest.raises(ProcurementError, match="공공구매 견적을 받을 수 없는"):
        basket_line_set(user=buyer, variant_id=plain.variants.get().pk, quantity=1)
    hidden = eligible_product(status=ProductStatus.HIDDEN)
    with pytest.raises(ProcurementError):
        basket_line_set(user=buyer, variant_id=hidden.variants.get().pk, quantity=1)
    suspended = eligible_product(VendorFactory(status=VendorStatus.SUSPENDED))
    with pytest.raises(ProcurementError):
        basket_line_set(user=buyer, variant_id=suspended.variants.get().pk, quantity=1)


def test_basket_needs_a_verified_membership(two_vendors):
    with pytest.raises(NotVerified):
        basket_line_set(user=UserFactory(), variant_id=two_vendors[0].pk, quantity=1)
    pending = AgencyMembershipFactory(status=MembershipStatus.PENDING).user
    with pytest.raises(NotVerified, match="확인이 끝나면"):
        basket_line_set(user=pending, variant_id=two_vendors[0].pk, quantity=1)


def test_basket_lines_flag_products_that_left_the_shop(buyer, two_vendors):
    rice, _beans, soap = two_vendors
    basket_line_set(user=buyer, variant_id=rice.pk, quantity=2)
    basket_line_set(user=buyer, variant_id=soap.pk, quantity=3)
    soap.product.status = ProductStatus.HIDDEN
    soap.product.save(update_fields=["status"])
    lines = {ln.variant_id: ln for ln in basket_lines(buyer)}
    assert lines[rice.pk].problem == "" and lines[rice.pk].amount == 44_000
    assert lines[soap.pk].problem


# --- requests ------------------------------------------------------------------------------


def test_request_from_basket_splits_per_vendor(buyer, agency, two_vendors, mailoutbox,
                                               django_capture_on_commit_callbacks):
    rice, beans, soap = two_vendors
    rice_owner, soap_owner = vendor_owner(rice.product.vendor), vendor_owner(soap.product.vendor)
    for variant, quantity in ((rice, 20), (beans, 5), (soap, 100)):
        basket_line_set(user=buyer, variant_id=variant.pk, quantity=quantity)
    with django_capture_on_commit_callbacks(execute=True):
        request = quote_request_create(user=buyer, agency_id=agency.pk, title="상반기 식자재", delivery_place="도청 급식소",
                                       reply_by=reply_by(), from_basket=True, budget_note="500만원 이내")
    today = timezone.localdate()
    assert request.number == f"RQ-{today:%Y%m%d}-00001"
    assert request.kind == RequestKind.BASKET and request.status == RequestStatus.OPEN
    quotes = list(request.quotes.order_by("number"))
    assert [q.number for q in quotes] == [f"QT-{today:%Y%m%d}-00001", f"QT-{today:%Y%m%d}-00002"]
    assert {q.vendor_id for q in quotes} == {rice.product.vendor_id, soap.product.vendor_id}
    assert all(q.status == Q.REQUESTED for q in quotes)
    by_vendor = {v: sorted(request.items.filter(vendor_id=v).values_list("quantity", flat=True))
                 for v in (rice.product.vendor_id, soap.product.vendor_id)}
    assert by_vendor == {rice.product.vendor_id: [5, 20], soap.product.vendor_id: [100]}
    assert not QuoteBasketLine.objects.filter(user=buyer).exists()
    # Each vendor hears of its own part once, in the app and by mail.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([rice_owner.email, soap_owner.email])
    assert "서리태" in next(m.body for m in mailoutbox if m.to == [rice_owner.email])
    assert "천연 비누" not in next(m.body for m in mailoutbox if m.to == [rice_owner.email])
    assert quote_request_notify_task(request_id=request.pk) == 0
    assert len(mailoutbox) == 2
    assert Notification.objects.filter(user=rice_owner, key__startswith="quote-new:").count() == 1


def test_unavailable_basket_lines_stay_behind(buyer, agency, two_vendors):
    rice, _beans, soap = two_vendors
    basket_line_set(user=buyer, variant_id=rice.pk, quantity=1)
    basket_line_set(user=buyer, variant_id=soap.pk, quantity=1)
    soap.is_active = False
    soap.save(update_fields=["is_active"])
    request = quote_request_create(user=buyer, agency_id=agency.pk, title="t", delivery_place="p",
                                   reply_by=reply_by(), from_basket=True)
    assert list(request.quotes.values_list("vendor_id", flat=True)) == [rice.product.vendor_id]
    assert list(QuoteBasketLine.objects.filter(user=buyer).values_list("variant_id", flat=True)) == [soap.pk]


def test_empty_basket_is_refused(buyer, agency):
    with pytest.raises(ProcurementError, match="바구니"):
        quote_request_create(user=buyer, agency_id=agency.pk, title="t", delivery_place="p", reply_by=reply_by(),
                             from_basket=True)


def test_request_refused_for_another_agency_and_unverified(buyer, two_vendors):
    other = AgencyFactory()
    with pytest.raises(NotVerified):
        request_for(buyer, other, [(two_vendors[0], 1)])
    pending = AgencyMembershipFactory(status=MembershipStatus.PENDING)
    with pytest.raises(NotVerified):
        request_for(pending.user, pending.agency, [(two_vendors[0], 1)])
    assert not QuoteRequest.objects.exists()


@pytest.mark.parametrize("field, value, message", [
    ("reply_by", 0, "회신 기한"),
    ("reply_by", -1, "회신 기한"),
    ("wanted_delivery_date", -1, "희망 납기일"),
    ("title", "  ", "제목"),
    ("delivery_place", "", "납품 장소"),
])
def test_request_fields_are_checked(buyer, agency, two_vendors, field, value, message):
    if field in ("reply_by", "wanted_delivery_date"):
        value = timezone.localdate() + timedelta(days=value)
    with pytest.raises(ProcurementError, match=message):
        request_for(buyer, agency, [(two_vendors[0], 1)], **{field: value})


def test_custom_request_with_free_text_items(buyer, agency, mailoutbox, django_capture_on_commit_callbacks):
    vendor = VendorFactory()
    vendor_owner(vendor)
    items = [{"vendor_id": vendor.pk, "name": "행사용 도시락", "spec": "한식 5찬", "unit": "개", "quantity": 300,
              "note": "5월 12일 점심"},
             {"vendor_id": vendor.pk, "name": "생수", "spec": "500ml", "unit": "병", "quantity": 300}]
    with django_capture_on_commit_callbacks(execute=True):
        request = quote_request_create(user=buyer, agency_id=agency.pk, title="행사 도시락", delivery_place="도청 대강당",
                                       reply_by=reply_by(), items=items)
    assert request.kind == RequestKind.CUSTOM
    assert request.quotes.count() == 1
    assert list(request.items.values_list("name", "unit", "quantity")) == [("행사용 도시락", "개", 300),
                                                                           ("생수", "병", 300)]
    assert "행사용 도시락 (한식 5찬) × 300개" in mailoutbox[0].body


def test_custom_request_checks_vendor_and_rows(buyer, agency, two_vendors):
    withdrawn = VendorFactory(status=VendorStatus.WITHDRAWN)
    with pytest.raises(ProcurementError, match="기업"):
        quote_request_create(user=buyer, agency_id=agency.pk, title="t", delivery_place="p", reply_by=reply_by(),
                             items=[{"vendor_id": withdrawn.pk, "name": "x", "quantity": 1}])
    vendor = VendorFactory()
    with pytest.raises(ProcurementError, match="품명"):
        quote_request_create(user=buyer, agency_id=agency.pk, title="t", delivery_place="p", reply_by=reply_by(),
                             items=[{"vendor_id": vendor.pk, "name": " ", "quantity": 1}])
    with pytest.raises(ProcurementError, match="수량"):
        quote_request_create(user=buyer, agency_id=agency.pk, title="t", delivery_place="p", reply_by=reply_by(),
                             items=[{"vendor_id": vendor.pk, "name": "x", "quantity": 0}])
    with pytest.raises(ProcurementError, match="그 기업의 상품이 아닙니다"):
        quote_request_create(user=buyer, agency_id=agency.pk, title="t", delivery_place="p", reply_by=reply_by(),
                             items=[{"vendor_id": vendor.pk, "variant_id": two_vendors[0].pk, "quantity": 1}])
    assert not QuoteRequest.objects.exists()


def test_request_attachments_are_checked_and_kept(buyer, agency, two_vendors):
    request = request_for(buyer, agency, [(two_vendors[0], 1)], attachments=[pdf_upload("사양서.pdf")])
    attachment = request.attachments.get()
    assert attachment.original_name == "사양서.pdf" and attachment.content_type == "application/pdf"
    with attachment.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    with pytest.raises(ProcurementError, match="PDF"):
        request_for(buyer, agency, [(two_vendors[0], 1)], attachments=[upload("x.pdf", b"not a pdf at all")])
    with pytest.raises(ProcurementError, match="5개"):
        request_for(buyer, agency, [(two_vendors[0], 1)], attachments=[pdf_upload() for _ in range(6)])
    assert QuoteRequest.objects.count() == 1


# --- answers ---------------------------------------------------------------------------------


@pytest.fixture
def quote_setup(buyer, agency, two_vendors):
    """A request to the rice vendor (two 면세 items) and the soap vendor (one 과세 item)."""
    rice, beans, soap = two_vendors
    request = request_for(buyer, agency, [(rice, 10), (beans, 2), (soap, 4)])
    rice_quote = request.quotes.get(vendor=rice.product.vendor)
    soap_quote = request.quotes.get(vendor=soap.product.vendor)
    return request, rice_quote, soap_quote, vendor_owner(rice.product.vendor), vendor_owner(soap.product.vendor)


def test_answer_makes_version_one_with_totals_by_tax_type(quote_setup, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    request, rice_quote, _soap_quote, rice_owner, _ = quote_setup
    second_buyer = buyer_of(request.agency)
    AgencyMembershipFactory(agency=request.agency, status=MembershipStatus.PENDING)  # not told
    extra = {"name": "배송비", "quantity": 1, "unit_price": 11_000, "tax_type": TaxType.TAXABLE}
    with mock.patch("procurement.tasks.quote_pdf_task.delay") as pdf_task, \
            django_capture_on_commit_callbacks(execute=True):
        version = answer(rice_quote, rice_owner, prices={0: 20_000}, extra_lines=[extra], delivery_terms="발주 후 5일")
    pdf_task.assert_called_once_with(version_id=version.pk)
    rice_quote.refresh_from_db()
    assert (rice_quote.status, rice_quote.current_version, version.version) == (Q.ANSWERED, version, 1)
    assert rice_quote.answered_at is not None
    # 쌀 20,000 × 10 + 서리태 9,000 × 2 (면세) and 배송비 11,000 (과세: 10,000 + 1,000)
    assert (version.exempt_amount, version.taxable_supply, version.taxable_vat, version.total) == (
        218_000, 10_000, 1_000, 229_000)
    lines = list(version.lines.order_by("id"))
    assert [(ln.name, ln.list_price, ln.unit_price, ln.amount, ln.tax_type) for ln in lines] == [
        ("유기농 쌀 10kg", 22_000, 20_000, 200_000, TaxType.EXEMPT),
        ("서리태 1kg", 9_000, 9_000, 18_000, TaxType.EXEMPT),
        ("배송비", None, 11_000, 11_000, TaxType.TAXABLE),
    ]
    assert lines[0].category is not None and lines[2].category is None
    # The agency's active members hear of it once each.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([request.created_by.email, second_buyer.email])
    assert "229,000원" in mailoutbox[0].body


def test_revision_adds_version_two_and_keeps_the_first(quote_setup, django_capture_on_commit_callbacks):
    _request, rice_quote, _soap, rice_owner, _ = quote_setup
    first = answer(rice_quote, rice_owner)
    with django_capture_on_commit_callbacks(execute=True):
        second = answer(rice_quote, rice_owner, prices={0: 19_000})
    rice_quote.refresh_from_db()
    assert second.version == 2 and rice_quote.current_version == second
    assert list(rice_quote.versions.order_by("version").values_list("version", "total")) == [
        (1, first.total), (2, second.total)]
    assert first.total - second.total == 30_000
    assert Notification.objects.filter(key__startswith=f"quote-version:{second.pk}:").count() == 1


def test_answer_checks_who_and_what(quote_setup, two_vendors):
    request, rice_quote, soap_quote, rice_owner, soap_owner = quote_setup
    with pytest.raises(NotAllowed):
        answer(rice_quote, soap_owner)
    with pytest.raises(NotAllowed):
        answer(rice_quote, request.created_by)
    soap_item = request.items.get(vendor=soap_quote.vendor)
    line = {"request_item_id": soap_item.pk, "name": "x", "quantity": 1, "unit_price": 1, "tax_type": "taxable"}
    with pytest.raises(ProcurementError, match="요청에 없는 항목"):
        quote_submit(quote_id=rice_quote.pk, actor=rice_owner, valid_until=reply_by(), lines=[line])
    line = {"variant_id": two_vendors[2].pk, "name": "x", "quantity": 1, "unit_price": 1, "tax_type": "taxable"}
    with pytest.raises(ProcurementError, match="이 기업의 상품이 아닙니다"):
        quote_submit(quote_id=rice_quote.pk, actor=rice_owner, valid_until=reply_by(), lines=[line])
    with pytest.raises(ProcurementError, match="유효기간"):
        answer(rice_quote, rice_owner, valid_days=-1)
    with pytest.raises(ProcurementError, match="하나 이상"):
        quote_submit(quote_id=rice_quote.pk, actor=rice_owner, valid_until=reply_by(), lines=[])
    with pytest.raises(ProcurementError, match="과세 구분"):
        quote_submit(quote_id=rice_quote.pk, actor=rice_owner, valid_until=reply_by(),
                     lines=[{"name": "x", "quantity": 1, "unit_price": 10, "tax_type": "zero"}])
    with pytest.raises(ProcurementError, match="0원"):
        answer(rice_quote, rice_owner, prices={0: 0, 1: 0})
    rice_quote.refresh_from_db()
    assert rice_quote.status == Q.REQUESTED and not rice_quote.versions.exists()


def test_validity_today_is_allowed(quote_setup):
    _request, rice_quote, _soap, rice_owner, _ = quote_setup
    assert answer(rice_quote, rice_owner, valid_days=0).valid_until == timezone.localdate()


def test_decline_with_reason_then_answer_after_all(quote_setup, mailoutbox, django_capture_on_commit_callbacks):
    request, _rice, soap_quote, _ro, soap_owner = quote_setup
    with pytest.raises(ProcurementError, match="사유"):
        quote_decline(quote_id=soap_quote.pk, actor=soap_owner, reason=" ")
    with pytest.raises(NotAllowed):
        quote_decline(quote_id=soap_quote.pk, actor=request.created_by, reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        quote_decline(quote_id=soap_quote.pk, actor=soap_owner, reason="생산 일정이 맞지 않습니다")
    soap_quote.refresh_from_db()
    assert soap_quote.status == Q.DECLINED and soap_quote.decline_reason == "생산 일정이 맞지 않습니다"
    assert [m.to for m in mailoutbox] == [[request.created_by.email]]
    assert "생산 일정이 맞지 않습니다" in mailoutbox[0].body
    answer(soap_quote, soap_owner)
    soap_quote.refresh_from_db()
    assert soap_quote.status == Q.ANSWERED and soap_quote.decline_reason == ""


def test_cancelled_request_takes_no_answers(quote_setup, mailoutbox, django_capture_on_commit_callbacks):
    request, rice_quote, soap_quote, rice_owner, soap_owner = quote_setup
    answer(rice_quote, rice_owner)
    with pytest.raises(NotAllowed):
        quote_request_cancel(request_id=request.pk, actor=soap_owner)
    with django_capture_on_commit_callbacks(execute=True):
        quote_request_cancel(request_id=request.pk, actor=request.created_by)
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert set(request.quotes.values_list("status", flat=True)) == {Q.CANCELLED}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([rice_owner.email, soap_owner.email])
    with pytest.raises(InvalidTransition):
        answer(soap_quote, soap_owner)
    with pytest.raises(InvalidTransition):
        quote_request_cancel(request_id=request.pk, actor=request.created_by)


def test_accepted_quote_cannot_be_revised(quote_setup):
    from procurement.services.purchases import quote_accept

    request, rice_quote, soap_quote, rice_owner, soap_owner = quote_setup
    answer(rice_quote, rice_owner)
    answer(soap_quote, soap_owner)
    quote_accept(quote_id=rice_quote.pk, actor=request.created_by)
    rice_quote.refresh_from_db()
    soap_quote.refresh_from_db()
    assert (rice_quote.status, soap_quote.status) == (Q.ACCEPTED, Q.NOT_SELECTED)
    with pytest.raises(InvalidTransition):
        answer(rice_quote, rice_owner)
    with pytest.raises(InvalidTransition):
        quote_decline(quote_id=soap_quote.pk, actor=soap_owner, reason="x")


# --- reminders -------------------------------------------------------------------------------


def test_reminder_once_for_old_unanswered_requests(quote_setup, mailoutbox):
    request, rice_quote, soap_quote, rice_owner, soap_owner = quote_setup
    old = timezone.now() - timedelta(days=4)
    VendorQuote.objects.filter(request=request).update(created_at=old)
    answer(soap_quote, soap_owner)
    mailoutbox.clear()
    assert quotes_remind_unanswered(days=3) == 1
    assert [m.to for m in mailoutbox] == [[rice_owner.email]]
    assert "답하지 않으셨습니다" in mailoutbox[0].body
    assert quotes_remind_unanswered(days=3) == 0
    assert len(mailoutbox) == 1
    rice_quote.refresh_from_db()
    assert rice_quote.reminded_at is not None


def test_reminder_skips_fresh_past_due_and_closed(buyer, agency, two_vendors, mailoutbox):
    rice, _beans, soap = two_vendors
    vendor_owner(rice.product.vendor)
    vendor_owner(soap.product.vendor)
    fresh = request_for(buyer, agency, [(rice, 1)])
    past_due = request_for(buyer, agency, [(soap, 1)])
    cancelled = request_for(buyer, agency, [(rice, 1)])
    old = timezone.now() - timedelta(days=10)
    VendorQuote.objects.filter(request__in=[past_due, cancelled]).update(created_at=old)
    QuoteRequest.objects.filter(pk=past_due.pk).update(reply_by=timezone.localdate() - timedelta(days=1))
    quote_request_cancel(request_id=cancelled.pk, actor=buyer)
    mailoutbox.clear()
    assert quotes_remind_unanswered() == 0
    assert mailoutbox == []
    assert fresh.quotes.get().reminded_at is None


def test_reminder_days_default_and_beat_entry(quote_setup, settings):
    assert django_settings.PROCUREMENT_REMIND_AFTER_DAYS == 3
    entry = django_settings.CELERY_BEAT_SCHEDULE["procurement-remind-unanswered"]
    assert entry["task"] == "procurement.quotes_remind_unanswered_task"
    from celery import current_app

    import procurement.tasks  # noqa: F401  (workers import it)

    assert entry["task"] in current_app.tasks
    request = quote_setup[0]
    VendorQuote.objects.filter(request=request).update(created_at=timezone.now() - timedelta(days=2))
    settings.PROCUREMENT_REMIND_AFTER_DAYS = 1
    assert quotes_remind_unanswered() == 2


def test_membership_of_removed_member_stops_requests(buyer, agency, two_vendors):
    AgencyMembership.objects.filter(user=buyer).update(status=MembershipStatus.REJECTED)
    with pytest.raises(NotVerified):
        request_for(buyer, agency, [(two_vendors[0], 1)])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_make_consecutive_versions():
    """Two members of the vendor send at the same moment: versions 1 and 2, nothing lost, no error."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    agency = AgencyFactory()
    buyer = buyer_of(agency)
    product = eligible_product(price=1000)
    request = request_for(buyer, agency, [(product.variants.get(), 5)])
    quote = request.quotes.get()
    staff = [vendor_owner(product.vendor) for _ in range(4)]
    barrier, errors = threading.Barrier(len(staff)), []

    def send(actor, price):
        try:
            barrier.wait()
            answer(quote, actor, prices={0: price})
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(a, 900 + i)) for i, a in enumerate(staff)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    quote.refresh_from_db()
    assert sorted(quote.versions.values_list("version", flat=True)) == [1, 2, 3, 4]
    assert quote.current_version.version == 4


def test_every_status_change_of_a_quote_leaves_an_event_row(quote_setup):
    from procurement.models import QuoteEvent
    from procurement.services.purchases import quote_accept

    request, rice_quote, soap_quote, rice_owner, soap_owner = quote_setup
    quote_decline(quote_id=soap_quote.pk, actor=soap_owner, reason="재고가 없습니다")
    answer(rice_quote, rice_owner)
    answer(rice_quote, rice_owner, prices={0: 19_000})
    po = quote_accept(quote_id=rice_quote.pk, actor=request.created_by)
    rows = list(QuoteEvent.objects.order_by("id").values_list("quote_id", "from_status", "to_status", "actor_id",
                                                              "reason"))
    assert rows == [
        (soap_quote.pk, Q.REQUESTED, Q.DECLINED, soap_owner.pk, "재고가 없습니다"),
        (rice_quote.pk, Q.REQUESTED, Q.ANSWERED, rice_owner.pk, "견적서 1차"),
        (rice_quote.pk, Q.ANSWERED, Q.ANSWERED, rice_owner.pk, "견적서 2차"),
        (rice_quote.pk, Q.ANSWERED, Q.ACCEPTED, request.created_by.pk, po.number),
    ]
