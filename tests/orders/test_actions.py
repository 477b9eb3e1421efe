"""Order and vendor-order steps (orders.services.actions): the transition table, each service, who may.

Also shipping one order, auto-complete, returns and their photos, notes, and the partner and operator admin
pages that take these steps. Shipping many vendor orders from a file is in test_shipping.py."""
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ProductVariant
from ddasum.uploads import upload_clean
from orders.exceptions import InvalidTransition, NotAllowed, OrderError, PaymentError
from orders.models import Order, OrderStatus, StatusEvent, VendorOrder, VendorOrderStatus
from orders.services import return_photos
from orders.services.actions import (
    VENDOR_ORDER_TRANSITIONS,
    order_expire,
    order_mark_paid,
    tracking_clean,
    vendor_order_complete,
    vendor_order_deliver,
    vendor_order_note,
    vendor_order_return_accept,
    vendor_order_return_refund,
    vendor_order_return_reject,
    vendor_order_return_request,
    vendor_order_ship,
    vendor_order_tracking_correct,
    vendor_order_transition,
    vendor_orders_auto_complete,
    vendor_orders_prepare,
)
from orders.services.checkout import order_place
from orders.services.documents import packing_slip_url
from orders.services.return_photos import vendor_order_return_photos
from orders.tasks import vendor_orders_auto_complete_task
from tests.factories import UserFactory, checkout_data, image_bytes, pdf_bytes, place_order, upload

from .helpers import admin_url, paid_vendor_order, put

pytestmark = pytest.mark.django_db

V = VendorOrderStatus


# --- the table ------------------------------------------------------------------------

PAIRS = [(a, b) for a in V.values for b in V.values]


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_of_the_table_is_allowed_or_refused(vo, source, target):
    put(vo, source)
    before = StatusEvent.objects.filter(vendor_order=vo).count()
    if target in VENDOR_ORDER_TRANSITIONS[source]:
        event = vendor_order_transition(vo, target, reason="test")
        vo.refresh_from_db()
        assert vo.status == target
        assert (event.from_status, event.to_status, event.vendor_order_id) == (source, target, vo.pk)
    else:
        with pytest.raises(InvalidTransition) as exc:
            vendor_order_transition(vo, target)
        assert "바꿀 수 없습니다" in exc.value.message
        vo.refresh_from_db()
        assert vo.status == source
        assert StatusEvent.objects.filter(vendor_order=vo).count() == before


def _prepare(vo, who):
    return vendor_orders_prepare(vendor_order_ids=[vo.pk], actor=who["owner"])


SERVICES = {
    # name: (call, statuses it moves from, where to)
    "prepare": (_prepare, {V.PAID}, V.PREPARING),
    "ship": (lambda vo, who: vendor_order_ship(vendor_order_id=vo.pk, carrier="cj", tracking_number="6012-3456-7890",
                                               actor=who["owner"]), {V.PAID, V.PREPARING}, V.SHIPPED),
    "deliver": (lambda vo, who: vendor_order_deliver(vendor_order_id=vo.pk, actor=who["owner"]), {V.SHIPPED},
                V.DELIVERED),
    "complete": (lambda vo, who: vendor_order_complete(vendor_order_id=vo.pk, actor=who["buyer"]), {V.DELIVERED},
                 V.COMPLETED),
    "return_request": (lambda vo, who: vendor_order_return_request(vendor_order_id=vo.pk, actor=who["buyer"],
                                                                   reason="포장이 터져서 왔어요"),
                       {V.DELIVERED}, V.RETURN_REQUESTED),
    "return_accept": (lambda vo, who: vendor_order_return_accept(vendor_order_id=vo.pk, actor=who["owner"]),
                      {V.RETURN_REQUESTED}, V.RETURNED),
    "return_reject": (lambda vo, who: vendor_order_return_reject(vendor_order_id=vo.pk, actor=who["owner"],
                                                                 reason="사용 흔적이 있습니다"),
                      {V.RETURN_REQUESTED}, V.DELIVERED),
    "return_refund": (lambda vo, who: vendor_order_return_refund(vendor_order_id=vo.pk, actor=who["owner"]),
                      {V.RETURNED}, V.REFUNDED),
}
SERVICE_CASES = [(name, status) for name in SERVICES for status in V.values]


@pytest.mark.parametrize(("service", "source"), SERVICE_CASES, ids=[f"{n}@{s}" for n, s in SERVICE_CASES])
def test_each_service_moves_only_from_its_statuses(vo, owner, buyer, refunds, service, source):
    call, sources, target = SERVICES[service]
    put(vo, source)
    who = {"owner": owner, "buyer": buyer}
    if source in sources:
        call(vo, who)
        vo.refresh_from_db()
        assert vo.status == target
        event = vo.events.order_by("-pk").first()
        assert (event.from_status, event.to_status) == (source, target)
    elif service == "prepare":
        result = call(vo, who)  # bulk: what cannot be prepared is skipped, not an error
        assert [x.pk for x in result.skipped] == [vo.pk] and not result.changed
        vo.refresh_from_db()
        assert vo.status == source
    elif service == "complete" and source == V.COMPLETED:
        call(vo, who)  # confirming twice changes nothing
        assert vo.events.filter(to_status=V.COMPLETED).count() == 0
    else:
        with pytest.raises(InvalidTransition):
            call(vo, who)
        vo.refresh_from_db()
        assert vo.status == source


def test_stamps_and_history_along_the_happy_path(vo, owner, buyer):
    vendor_orders_prepare(vendor_order_ids=[vo.pk], actor=owner)
    vendor_order_ship(vendor_order_id=vo.pk, carrier="epost", tracking_number="1234567890123", actor=owner)
    vendor_order_deliver(vendor_order_id=vo.pk, actor=owner)
    vendor_order_complete(vendor_order_id=vo.pk, actor=buyer)
    vo.refresh_from_db()
    assert vo.status == V.COMPLETED
    assert vo.shipped_at and vo.delivered_at and vo.completed_at
    assert list(vo.events.values_list("to_status", flat=True)) == [V.PAID, V.PREPARING, V.SHIPPED, V.DELIVERED,
                                                                   V.COMPLETED]
    assert vo.events.get(to_status=V.SHIPPED).actor == owner
    assert vo.events.get(to_status=V.COMPLETED).actor == buyer


# --- the order: paid, expired ---------------------------------------------------------


def test_paid_then_expiry_does_nothing_and_unpaid_expiry_returns_stock(two_vendor_cart):
    cart, rice, soap = two_vendor_cart
    order = order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key="k3")
    from django.utils import timezone

    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now())
    order_expire(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert ProductVariant.objects.get(product=rice).stock == 10
    assert set(order.vendor_orders.values_list("status", flat=True)) == {VendorOrderStatus.CANCELLED}
    assert order_expire(order_id=order.pk) is None


def test_mark_paid_twice_is_one_payment(two_vendor_cart):
    cart, rice, soap = two_vendor_cart
    order = order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key="k4")
    order_mark_paid(order_id=order.pk)
    order_mark_paid(order_id=order.pk)
    assert order.events.filter(to_status="paid", vendor_order__isnull=True).count() == 1


# --- who may -------------------------------------------------------------------------


def test_only_the_vendors_members_and_operators_ship(vo, other_owner, buyer, operator):
    for outsider in (other_owner, buyer, None):
        with pytest.raises(NotAllowed):
            vendor_order_ship(vendor_order_id=vo.pk, carrier="cj", tracking_number="12345678", actor=outsider)
    vendor_order_ship(vendor_order_id=vo.pk, carrier="cj", tracking_number="12345678", actor=operator)
    assert VendorOrder.objects.get(pk=vo.pk).status == V.SHIPPED


def test_only_the_buyer_confirms_and_a_guest_through_its_page(variant, vo, owner, other_owner, operator):
    put(vo, V.DELIVERED)
    for outsider in (owner, other_owner, UserFactory(), None):
        with pytest.raises(NotAllowed):
            vendor_order_complete(vendor_order_id=vo.pk, actor=outsider)
    with pytest.raises(NotAllowed):  # guest_ok is for guest orders only
        vendor_order_complete(vendor_order_id=vo.pk, actor=None, guest_ok=True)
    guest_vo = put(paid_vendor_order(variant), V.DELIVERED)
    vendor_order_complete(vendor_order_id=guest_vo.pk, actor=None, guest_ok=True)
    assert VendorOrder.objects.get(pk=guest_vo.pk).status == V.COMPLETED
    vendor_order_complete(vendor_order_id=vo.pk, actor=operator)
    assert VendorOrder.objects.get(pk=vo.pk).status == V.COMPLETED


def test_deliver_does_not_close_a_return_request(vo, owner):
    put(vo, V.RETURN_REQUESTED)
    with pytest.raises(InvalidTransition):
        vendor_order_deliver(vendor_order_id=vo.pk, actor=owner)
    assert VendorOrder.objects.get(pk=vo.pk).status == V.RETURN_REQUESTED


# --- preparing in bulk ----------------------------------------------------------------


def test_bulk_prepare_moves_the_paid_and_skips_the_rest(variant, buyer, owner):
    first, second, shipped = (paid_vendor_order(variant, buyer) for _ in range(3))
    put(shipped, V.SHIPPED)
    result = vendor_orders_prepare(vendor_order_ids=[first.pk, second.pk, shipped.pk], actor=owner)
    assert sorted(v.pk for v in result.changed) == sorted([first.pk, second.pk])
    assert [v.pk for v in result.skipped] == [shipped.pk]
    assert set(VendorOrder.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        V.PREPARING}
    again = vendor_orders_prepare(vendor_order_ids=[first.pk], actor=owner)
    assert not again.changed and VendorOrder.objects.get(pk=first.pk).events.filter(to_status=V.PREPARING).count() == 1


def test_bulk_prepare_with_another_vendors_order_changes_nothing(variant, other_variant, buyer, owner):
    mine, theirs = paid_vendor_order(variant, buyer), paid_vendor_order(other_variant, buyer)
    with pytest.raises(NotAllowed):
        vendor_orders_prepare(vendor_order_ids=[mine.pk, theirs.pk], actor=owner)
    with pytest.raises(NotAllowed):
        vendor_orders_prepare(vendor_order_ids=[mine.pk, 999999], actor=owner)
    assert set(VendorOrder.objects.values_list("status", flat=True)) == {V.PAID}


# --- shipping -------------------------------------------------------------------------


@pytest.mark.parametrize(("carrier", "number", "stored"), [
    ("cj", "601234567890", "601234567890"),
    ("cj", "6012-3456-7890", "601234567890"),
    ("epost", " 1234567890123 ", "1234567890123"),
    ("hanjin", "12345678", "12345678"),
    ("lotte", "1" * 20, "1" * 20),
    ("direct", "", ""),
])
def test_tracking_numbers_that_pass(carrier, number, stored):
    assert tracking_clean(carrier, number) == (carrier, stored)


@pytest.mark.parametrize(("carrier", "number", "message"), [
    ("cj", "", "송장번호를 입력해 주세요"),
    ("cj", "1234567", "숫자 8~20자리"),
    ("cj", "1" * 21, "숫자 8~20자리"),
    ("cj", "12AB5678", "숫자 8~20자리"),
    ("cj", "1-2-3-4-5-6-7", "숫자 8~20자리"),
    ("", "12345678", "택배사를 골라"),
    ("ups", "12345678", "택배사를 골라"),
])
def test_tracking_numbers_that_are_refused(vo, owner, carrier, number, message):
    with pytest.raises(OrderError) as exc:
        vendor_order_ship(vendor_order_id=vo.pk, carrier=carrier, tracking_number=number, actor=owner)
    assert message in exc.value.message
    vo.refresh_from_db()
    assert (vo.status, vo.tracking_number) == (V.PAID, "")


def test_ship_keeps_carrier_number_and_link(vo, owner):
    vendor_order_ship(vendor_order_id=vo.pk, carrier="cj", tracking_number="6012-3456-7890", actor=owner)
    vo.refresh_from_db()
    assert (vo.carrier, vo.tracking_number) == ("cj", "601234567890")
    assert vo.tracking_url.endswith("601234567890") and vo.tracking_url.startswith("https://")
    assert vo.events.get(to_status=V.SHIPPED).reason == "CJ대한통운 601234567890"


def test_direct_delivery_needs_no_number(vo, owner):
    vendor_order_ship(vendor_order_id=vo.pk, carrier="direct", tracking_number="", actor=owner)
    vo.refresh_from_db()
    assert (vo.status, vo.carrier, vo.tracking_url) == (V.SHIPPED, "direct", "")


def test_tracking_correction_only_while_shipped(vo, owner, other_owner):
    with pytest.raises(InvalidTransition):
        vendor_order_tracking_correct(vendor_order_id=vo.pk, carrier="cj", tracking_number="12345678", actor=owner)
    vendor_order_ship(vendor_order_id=vo.pk, carrier="cj", tracking_number="12345678", actor=owner)
    with pytest.raises(NotAllowed):
        vendor_order_tracking_correct(vendor_order_id=vo.pk, carrier="cj", tracking_number="87654321",
                                      actor=other_owner)
    vendor_order_tracking_correct(vendor_order_id=vo.pk, carrier="hanjin", tracking_number="87654321", actor=owner)
    vo.refresh_from_db()
    assert (vo.status, vo.carrier, vo.tracking_number) == (V.SHIPPED, "hanjin", "87654321")
    assert vo.events.filter(to_status=V.SHIPPED).count() == 1


# --- auto-complete --------------------------------------------------------------------


def test_auto_complete_confirms_old_deliveries_once(variant, buyer, settings):
    settings.ORDER_AUTO_COMPLETE_DAYS = 7
    now = timezone.now()
    old = put(paid_vendor_order(variant, buyer), V.DELIVERED, delivered_at=now - timedelta(days=8))
    recent = put(paid_vendor_order(variant, buyer), V.DELIVERED, delivered_at=now - timedelta(days=3))
    returning = put(paid_vendor_order(variant, buyer), V.RETURN_REQUESTED, delivered_at=now - timedelta(days=9))
    assert vendor_orders_auto_complete_task.delay().get() == 1
    assert vendor_orders_auto_complete() == 0
    statuses = dict(VendorOrder.objects.values_list("pk", "status"))
    assert statuses[old.pk] == V.COMPLETED and statuses[recent.pk] == V.DELIVERED
    assert statuses[returning.pk] == V.RETURN_REQUESTED
    event = StatusEvent.objects.get(vendor_order=old, to_status=V.COMPLETED)
    assert event.actor is None and "자동으로 구매 확정" in event.reason


# --- returns --------------------------------------------------------------------------


def test_return_flow_with_photos_and_refund(vo, buyer, owner, refunds):
    put(vo, V.DELIVERED)
    photos = [upload("box.png", image_bytes("PNG"), "image/png"),
              upload_clean(upload("side.jpg", image_bytes("JPEG"), "image/jpeg"))]  # a form may clean them first
    vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="  상자가 젖어서 왔어요 ", photos=photos)
    vo.refresh_from_db()
    assert (vo.status, vo.return_reason) == (V.RETURN_REQUESTED, "상자가 젖어서 왔어요")
    names = vendor_order_return_photos(vo.pk)
    assert len(names) == 2 and all(n.startswith(f"return-photos/{vo.pk}/") for n in names)
    with return_photos.vendor_order_return_photo_open(vendor_order_id=vo.pk, name=names[0]) as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(OrderError):
        return_photos.vendor_order_return_photo_open(vendor_order_id=vo.pk, name="return-photos/../secret")
    vendor_order_return_accept(vendor_order_id=vo.pk, actor=owner)
    assert refunds == []
    vendor_order_return_refund(vendor_order_id=vo.pk, actor=owner)
    vo.refresh_from_db()
    assert (vo.status, vo.refunded_amount) == (V.REFUNDED, vo.total)
    assert len(refunds) == 1
    assert refunds[0]["order"].pk == vo.order_id and refunds[0]["amount"] == vo.total
    assert vo.number in refunds[0]["reason"]
    assert list(vo.events.values_list("to_status", flat=True))[-3:] == [V.RETURN_REQUESTED, V.RETURNED, V.REFUNDED]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("receipt.pdf", pdf_bytes(), "JPEG, PNG, WebP 파일만"),
    ("fake.jpg", b"just text, not a photo", "JPEG, PNG, WebP 파일만"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "이미지 파일을 읽을 수 없습니다"),
])
def test_a_bad_photo_refuses_the_whole_request(vo, buyer, name, data, message):
    put(vo, V.DELIVERED)
    good = upload("ok.png", image_bytes("PNG"), "image/png")
    with pytest.raises(OrderError) as exc:
        vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="불량", photos=[good, upload(name, data)])
    assert exc.value.message.startswith("사진 2:") and message in exc.value.message
    vo.refresh_from_db()
    assert vo.status == V.DELIVERED and vendor_order_return_photos(vo.pk) == []


def test_return_request_rules(vo, buyer, owner):
    put(vo, V.DELIVERED)
    with pytest.raises(OrderError):
        vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="   ")
    with pytest.raises(OrderError) as exc:
        vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="불량",
                                    photos=[upload(f"{i}.png", image_bytes("PNG")) for i in range(4)])
    assert "3장까지" in exc.value.message
    with pytest.raises(NotAllowed):
        vendor_order_return_request(vendor_order_id=vo.pk, actor=owner, reason="불량")
    assert VendorOrder.objects.get(pk=vo.pk).status == V.DELIVERED


def test_refused_return_goes_back_to_delivered_with_the_reason(vo, buyer, owner):
    put(vo, V.DELIVERED)
    vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="마음이 바뀌었어요")
    with pytest.raises(OrderError):
        vendor_order_return_reject(vendor_order_id=vo.pk, actor=owner, reason="")
    vendor_order_return_reject(vendor_order_id=vo.pk, actor=owner, reason="개봉한 식품은 반품할 수 없습니다")
    vo.refresh_from_db()
    assert vo.status == V.DELIVERED
    assert vo.events.order_by("-pk").first().reason == "개봉한 식품은 반품할 수 없습니다"
    # A second request is possible and keeps its own photos.
    vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="다시 요청",
                                photos=[upload("a.webp", image_bytes("WEBP"))])
    assert len(vendor_order_return_photos(vo.pk)) == 1


def test_refund_the_provider_refuses_leaves_it_returned(vo, owner, monkeypatch):
    def refuse(**kw):
        raise PaymentError("결제 대행사가 취소를 거절했습니다.")

    monkeypatch.setattr("orders.services.actions.payment_refund", refuse)
    put(vo, V.RETURNED)
    with pytest.raises(PaymentError):
        vendor_order_return_refund(vendor_order_id=vo.pk, actor=owner)
    vo.refresh_from_db()
    assert (vo.status, vo.refunded_amount) == (V.RETURNED, 0)
    assert not vo.events.filter(to_status=V.REFUNDED).exists()


# --- notes ----------------------------------------------------------------------------


def test_notes_are_kept_dated_one_under_another(vo, owner, other_owner):
    with pytest.raises(OrderError):
        vendor_order_note(vendor_order_id=vo.pk, actor=owner, note="  ")
    with pytest.raises(NotAllowed):
        vendor_order_note(vendor_order_id=vo.pk, actor=other_owner, note="안녕하세요")
    vendor_order_note(vendor_order_id=vo.pk, actor=owner, note="내일 발송합니다.")
    vendor_order_note(vendor_order_id=vo.pk, actor=owner, note="오늘 발송했습니다.")
    vo.refresh_from_db()
    first, second = vo.vendor_note.split("\n\n")
    assert first.endswith("] 내일 발송합니다.") and second.endswith("] 오늘 발송했습니다.")
    assert first.startswith(f"[{timezone.localdate():%Y-%m-%d}")


# --- the partner admin, by URL --------------------------------------------------------


def test_partner_list_shows_own_paid_orders_new_first(partner_client, variant, buyer, vo, theirs):
    shipped = put(paid_vendor_order(variant, buyer), V.SHIPPED, carrier="cj", tracking_number="601234567890")
    unpaid = place_order(items=[(variant, 1)], buyer=buyer).vendor_orders.get()
    response = partner_client.get(admin_url("partner", "changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert vo.number in html and shipped.number in html
    assert theirs.number not in html and unpaid.number not in html
    assert html.index(vo.number) < html.index(shipped.number)  # the new order first
    assert "홍성 현미 5kg × 1" in html and "CJ대한통운 601234567890" in html
    assert "상품 준비 중으로" in html  # the bulk action
    assert partner_client.get(admin_url("partner", "changelist"), {"status": V.SHIPPED}).content.decode().count(
        shipped.number) >= 1


@pytest.mark.parametrize("view", ["change", "history", "action"])
def test_partner_cannot_open_another_vendors_order(partner_client, theirs, view):
    args = (theirs.pk, "ship") if view == "action" else (theirs.pk,)
    assert partner_client.get(admin_url("partner", view, *args)).status_code == 404
    if view == "action":
        response = partner_client.post(admin_url("partner", view, *args), {"carrier": "cj", "tracking_number": "12345678"})
        assert response.status_code == 404
        assert VendorOrder.objects.get(pk=theirs.pk).status == V.PAID


def test_partner_cannot_see_unpaid_orders_or_others_photos(partner_client, variant, buyer, theirs):
    unpaid = place_order(items=[(variant, 1)], buyer=buyer).vendor_orders.get()
    assert partner_client.get(admin_url("partner", "change", unpaid.pk)).status_code == 404
    assert partner_client.get(admin_url("partner", "return_photo", theirs.pk, "x.png")).status_code == 404


def test_partner_bulk_prepare_through_the_list(partner_client, vo, theirs):
    response = partner_client.post(admin_url("partner", "changelist"),
                                   {"action": "prepare_selected", "_selected_action": [vo.pk, theirs.pk]}, follow=True)
    assert response.status_code == 200
    assert VendorOrder.objects.get(pk=vo.pk).status == V.PREPARING
    assert VendorOrder.objects.get(pk=theirs.pk).status == V.PAID  # not in the vendor's list, so not selected


def test_partner_change_page_shows_what_to_deliver_and_the_next_steps(partner_client, vo):
    html = partner_client.get(admin_url("partner", "change", vo.pk)).content.decode()
    order = vo.order
    for text in (order.recipient_name, order.recipient_phone, order.postal_code, order.address, "홍성 현미",
                 "25,000원", "처리 이력", packing_slip_url(vo), "포장 명세서"):
        assert text in html
    assert order.email not in html  # only what is needed to deliver
    assert admin_url("partner", "action", vo.pk, "ship") in html
    assert admin_url("partner", "action", vo.pk, "prepare") in html
    assert admin_url("partner", "action", vo.pk, "deliver") not in html
    assert admin_url("partner", "action", vo.pk, "cancel") not in html
    assert 'name="_save"' not in html
    # Posting the page itself changes nothing.
    partner_client.post(admin_url("partner", "change", vo.pk), {"status": V.COMPLETED})
    assert VendorOrder.objects.get(pk=vo.pk).status == V.PAID


def test_partner_ships_through_the_action_page(partner_client, vo):
    url = admin_url("partner", "action", vo.pk, "ship")
    assert "송장번호" in partner_client.get(url).content.decode()
    response = partner_client.post(url, {"carrier": "cj", "tracking_number": "12"})
    assert response.status_code == 200 and "숫자 8~20자리" in response.content.decode()
    assert VendorOrder.objects.get(pk=vo.pk).status == V.PAID
    response = partner_client.post(url, {"carrier": "cj", "tracking_number": "6012-3456-7890"})
    assert response.status_code == 302
    vo.refresh_from_db()
    assert (vo.status, vo.tracking_number) == (V.SHIPPED, "601234567890")
    html = partner_client.get(admin_url("partner", "change", vo.pk)).content.decode()
    assert admin_url("partner", "action", vo.pk, "deliver") in html and vo.tracking_url in html.replace("&amp;", "&")
    assert partner_client.post(admin_url("partner", "action", vo.pk, "cancel")).status_code == 404


def test_partner_decides_a_return_and_sees_its_photos(partner_client, vo, buyer, refunds):
    put(vo, V.DELIVERED)
    vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="상자가 젖었어요",
                                photos=[upload("box.png", image_bytes("PNG"), "image/png")])
    html = partner_client.get(admin_url("partner", "change", vo.pk)).content.decode()
    photo = vendor_order_return_photos(vo.pk)[0].rsplit("/", 1)[-1]
    assert "상자가 젖었어요" in html and admin_url("partner", "return_photo", vo.pk, photo) in html
    response = partner_client.get(admin_url("partner", "return_photo", vo.pk, photo))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert partner_client.get(admin_url("partner", "return_photo", vo.pk, "nope.png")).status_code == 404
    response = partner_client.post(admin_url("partner", "action", vo.pk, "return_reject"), {"reason": ""})
    assert "사유를 입력해 주세요" in response.content.decode()
    partner_client.post(admin_url("partner", "action", vo.pk, "return_accept"))
    partner_client.post(admin_url("partner", "action", vo.pk, "return_refund"))
    vo.refresh_from_db()
    assert vo.status == V.REFUNDED and len(refunds) == 1


def test_operator_sees_every_vendor_and_may_cancel(operator_client, vo, theirs, refunds):
    html = operator_client.get(admin_url("admin", "changelist")).content.decode()
    assert vo.number in html and theirs.number in html
    html = operator_client.get(admin_url("admin", "change", theirs.pk)).content.decode()
    assert theirs.order.email in html and admin_url("admin", "action", theirs.pk, "cancel") in html
    response = operator_client.post(admin_url("admin", "action", theirs.pk, "cancel"), {"reason": "품절"})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == V.CANCELLED and refunds[0]["amount"] == theirs.total
    assert operator_client.get(admin_url("admin", "add")).status_code == 403


def test_history_page_of_own_order_opens(partner_client, vo):
    assert partner_client.get(admin_url("partner", "history", vo.pk)).status_code == 200


def test_return_photo_files_are_private(vo, buyer):
    put(vo, V.DELIVERED)
    vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="불량",
                                photos=[upload("box.png", image_bytes("PNG"))])
    name = vendor_order_return_photos(vo.pk)[0]
    from ddasum.storage import private_storage

    assert private_storage.exists(name)
    with pytest.raises(ValueError):
        private_storage.url(name)


def test_change_page_escapes_what_buyers_and_vendors_wrote(partner_client, vo, buyer, owner):
    put(vo, V.DELIVERED)
    vendor_order_return_request(vendor_order_id=vo.pk, actor=buyer, reason="<script>alert(1)</script>\n둘째 줄")
    vendor_order_note(vendor_order_id=vo.pk, actor=owner, note="<b>확인</b>했습니다")
    html = partner_client.get(admin_url("partner", "change", vo.pk)).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;<br>둘째 줄" in html
    assert "<b>확인</b>" not in html and "&lt;b&gt;확인&lt;/b&gt;했습니다" in html


