"""ddasum.transitions: the one helper every state machine moves through (table, stamps, save, event row)."""
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ddasum.exceptions import DomainError
from ddasum.exceptions import InvalidTransition as BaseInvalidTransition
from ddasum.transitions import StateMachine
from orders.admin.orders import StatusEventInline as VendorOrderEventInline
from orders.models import StatusEvent, VendorOrder, VendorOrderStatus
from procurement.admin.purchases import POEventInline
from procurement.admin.quotes import QuoteEventInline
from procurement.models import POStatus, PurchaseOrder, PurchaseOrderEvent, QuoteEvent, QuoteStatus, VendorQuote
from tests.factories import ProductFactory, VendorFactory, place_order
from vendors.exceptions import InvalidTransition as VendorInvalidTransition
from vendors.models import Vendor, VendorStatus, VendorStatusEvent

pytestmark = pytest.mark.django_db

S = VendorStatus
TABLE = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.SUSPENDED}),
    S.SUSPENDED: frozenset({S.APPROVED}),
    S.REJECTED: frozenset(),
}


def machine(**overrides) -> StateMachine:
    options = {
        "transitions": TABLE, "choices": VendorStatus, "error": VendorInvalidTransition,
        "refusal": gettext_lazy("'%(from)s' 상태에서는 '%(to)s'(으)로 바꿀 수 없습니다."),
        "stamps": {S.SUBMITTED: "submitted_at", S.APPROVED: "approved_at"}, "stamp_every": ("status_changed_at",),
        "keep_first": ("approved_at",), "event_model": VendorStatusEvent, "event_fk": "vendor",
    }
    return StateMachine(**{**options, **overrides})


def test_the_table_answers_what_a_page_may_offer():
    m = machine()
    assert m.targets(S.SUBMITTED) == {S.APPROVED, S.REJECTED}
    assert m.targets("submitted") == {S.APPROVED, S.REJECTED}  # plain strings from the database too
    assert m.targets(S.REJECTED) == frozenset() and m.targets("no-such-state") == frozenset()
    assert m.allows(S.DRAFT, S.SUBMITTED) and m.allows("approved", "suspended")
    assert not m.allows(S.DRAFT, S.APPROVED) and not m.allows(S.REJECTED, S.DRAFT)


def test_a_refused_move_raises_the_apps_error_with_the_korean_labels_and_changes_nothing(operator):
    vendor = VendorFactory(status=S.DRAFT)
    before = Vendor.objects.get(pk=vendor.pk)
    with pytest.raises(VendorInvalidTransition) as refused:
        machine().move(vendor, S.APPROVED, actor=operator, reason="왜")
    assert refused.value.message == "'작성 중' 상태에서는 '입점 승인'(으)로 바꿀 수 없습니다."
    assert isinstance(refused.value, DomainError)
    assert vendor.status == S.DRAFT and vendor.status_changed_at == before.status_changed_at
    assert Vendor.objects.get(pk=vendor.pk).status == S.DRAFT
    assert not VendorStatusEvent.objects.filter(vendor=vendor).exists()


def test_without_an_error_class_the_ddasum_base_is_raised():
    vendor = VendorFactory(status=S.REJECTED)
    refusal = gettext_lazy("'%(from)s' 상태의 기업은 바꿀 수 없습니다.")  # a message need not name the target
    with pytest.raises(BaseInvalidTransition) as refused:
        machine(error=BaseInvalidTransition, refusal=refusal).move(vendor, S.SUBMITTED)
    assert str(refused.value) == "'반려' 상태의 기업은 바꿀 수 없습니다."
    m = machine()
    with pytest.raises(VendorInvalidTransition):
        m.check(vendor, S.SUBMITTED)


def test_a_move_sets_the_status_and_stamps_and_writes_who_from_to_and_why(operator, django_capture_on_commit_callbacks):
    vendor = VendorFactory(status=S.SUBMITTED, approved_at=None, submitted_at=None)
    with django_capture_on_commit_callbacks() as callbacks:
        event = machine().move(vendor, S.APPROVED, actor=operator, reason="서류 확인")
    assert not callbacks  # it queues nothing: notices are the caller's, after its commit

    assert isinstance(event, VendorStatusEvent) and event.pk
    assert (event.vendor, event.actor, event.from_status, event.to_status, event.reason) == (
        vendor, operator, S.SUBMITTED, S.APPROVED, "서류 확인")
    stored = Vendor.objects.get(pk=vendor.pk)
    assert stored.status == S.APPROVED
    # One moment for the stamps and the event row.
    assert stored.approved_at == stored.status_changed_at == event.created_at
    assert timezone.now() - event.created_at < timedelta(minutes=1)
    assert stored.submitted_at is None  # stamped only on entering "submitted"


def test_keep_first_stamps_keep_their_first_value(operator):
    first = timezone.now() - timedelta(days=30)
    vendor = VendorFactory(status=S.SUSPENDED, approved_at=first)
    machine().move(vendor, S.APPROVED, actor=operator)
    stored = Vendor.objects.get(pk=vendor.pk)
    assert stored.approved_at == first
    assert stored.status_changed_at > first  # stamped on every move


def test_only_the_status_its_stamps_the_callers_fields_and_auto_now_are_saved(operator):
    vendor = VendorFactory(status=S.DRAFT, name="처음 이름", phone="041-631-1234")
    updated = Vendor.objects.get(pk=vendor.pk).updated_at
    vendor.name = "함께 저장할 이름"
    vendor.phone = "041-000-0000"  # changed in memory, not named: stays as stored
    with CaptureQueriesContext(connection) as ctx:
        machine().move(vendor, S.SUBMITTED, actor=operator, fields=("name",))
    update = next(q["sql"] for q in ctx.captured_queries if q["sql"].startswith('UPDATE "vendors_vendor"'))
    assert '"phone"' not in update and '"bank_name"' not in update
    for column in ("status", "name", "submitted_at", "status_changed_at", "updated_at"):
        assert f'"{column}"' in update
    stored = Vendor.objects.get(pk=vendor.pk)
    assert (stored.status, stored.name, stored.phone) == (S.SUBMITTED, "함께 저장할 이름", "041-631-1234")
    assert stored.updated_at > updated and stored.submitted_at is not None


def test_only_a_signed_in_actor_is_recorded(operator):
    vendor = VendorFactory(status=S.DRAFT)
    assert machine().move(vendor, S.SUBMITTED, actor=AnonymousUser()).actor is None
    assert machine().move(vendor, S.APPROVED).actor is None
    assert machine().move(vendor, S.SUSPENDED, actor=operator, reason="민원").actor == operator


def test_event_fields_add_the_other_keys_of_the_row():
    vendor = VendorFactory()
    variant = ProductFactory(vendor=vendor, variants=[{"name": "기본", "price": 1000, "stock": 5}]).variants.get()
    vendor_order = place_order(items=[(variant, 1)], paid=True).vendor_orders.get()
    m = StateMachine(
        transitions={VendorOrderStatus.PAID: frozenset({VendorOrderStatus.PREPARING})}, choices=VendorOrderStatus,
        refusal=gettext_lazy("'%(from)s' 상태의 주문은 '%(to)s'(으)로 바꿀 수 없습니다."), event_model=StatusEvent,
        event_fk="vendor_order", event_fields=lambda vo: {"order_id": vo.order_id},
    )
    event = m.move(vendor_order, VendorOrderStatus.PREPARING)
    assert (event.order_id, event.vendor_order_id) == (vendor_order.order_id, vendor_order.pk)


def test_record_created_writes_the_first_rows_with_one_insert(operator):
    vendors = [VendorFactory(status=S.DRAFT), VendorFactory(status=S.SUBMITTED)]
    with CaptureQueriesContext(connection) as ctx:
        events = machine().record_created(vendors, actor=operator, reason="가져오기")
    assert len([q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]) == 1
    rows = VendorStatusEvent.objects.filter(vendor__in=vendors).order_by("vendor_id")
    assert [(e.from_status, e.to_status, e.actor, e.reason) for e in rows] == [
        ("", S.DRAFT, operator, "가져오기"), ("", S.SUBMITTED, operator, "가져오기")]
    assert len(events) == 2


def test_an_unknown_state_reads_as_itself():
    m = machine()
    assert m.label(S.APPROVED) == "입점 승인" and m.label("gone") == "gone"


# --- how the admins show a history row (ddasum.admin_scoping.HistoryInline) ------------------------------------


def test_history_inlines_read_states_by_their_labels_whichever_way_the_row_stores_them():
    by_field = QuoteEventInline(VendorQuote, admin.site)  # the event's fields carry the choices
    assert by_field.transition(QuoteEvent(from_status="", to_status=QuoteStatus.REQUESTED)) == "- → 견적 대기"
    assert by_field.transition(QuoteEvent(from_status=QuoteStatus.REQUESTED, to_status=QuoteStatus.ANSWERED)) == (
        "견적 대기 → 견적 도착")
    by_class = POEventInline(PurchaseOrder, admin.site)  # plain fields: the inline names the choices
    assert by_class.transition(PurchaseOrderEvent(from_status="", to_status=POStatus.ISSUED)) == "- → 발주"
    assert by_class.transition(PurchaseOrderEvent(from_status=POStatus.DELIVERED, to_status=POStatus.INSPECTED)) == (
        "납품 완료 → 검수 완료")
    assert by_class.transition(PurchaseOrderEvent(from_status="issued", to_status="gone")) == "발주 → gone"
    vendor_orders = VendorOrderEventInline(VendorOrder, admin.site)
    assert vendor_orders.transition(StatusEvent(from_status=VendorOrderStatus.PAID,
                                                to_status=VendorOrderStatus.PREPARING)) == "결제 완료 → 상품 준비 중"
