"""Order notices: to the right people, by mail and in the app, once even when a task runs twice."""
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from accounts.services import absolute_url
from orders import tasks
from orders.models import Order, StatusEvent, VendorOrder, VendorOrderStatus
from orders.services.actions import (
    order_expire,
    order_mark_paid,
    vendor_order_cancel,
    vendor_order_deliver,
    vendor_order_note,
    vendor_order_return_accept,
    vendor_order_return_refund,
    vendor_order_return_reject,
    vendor_order_return_request,
    vendor_order_ship,
    vendor_order_tracking_correct,
)
from orders.services.guest_access import guest_access_path
from tests.factories import MembershipFactory, UserFactory, image_bytes, place_order, upload
from vendors.models import MembershipRole

from .helpers import paid_vendor_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("refunds")]  # no provider is reached

V = VendorOrderStatus


@pytest.fixture
def docs(monkeypatch):
    """Record the documents task being queued (it makes the PDFs)."""
    calls = []
    monkeypatch.setattr(tasks.order_documents_task, "delay", lambda *, order_id: calls.append(order_id))
    return calls


@pytest.fixture
def staff_member(vendor):
    return MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user


def to(address):
    return [m for m in mail.outbox if address in m.to]


def keys_of(user):
    return list(Notification.objects.filter(user=user).values_list("key", flat=True))


def order_link(order):
    return absolute_url(order.get_absolute_url())


# --- placed, paid, expired ------------------------------------------------------------


def test_bank_transfer_order_placed_mail_has_account_amount_and_deadline(buyer, variant, settings,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(items=[(variant, 2)], buyer=buyer, email=buyer.email)
    tasks.order_placed_notify_task.delay(order_id=order.pk)  # a retry sends nothing more
    [message] = to(buyer.email)
    bank = settings.BANK_TRANSFER_ACCOUNT
    assert message.subject == "[따숨몰] 주문이 접수되었습니다"
    for text in (bank["bank"], bank["number"], bank["holder"], f"{order.total:,}원", order.number,
                 timezone.localtime(order.expires_at).strftime("%Y-%m-%d %H:%M"), "홍성 현미 5kg × 2",
                 order_link(order)):
        assert text in message.body
    assert keys_of(buyer) == [f"order-placed:{order.pk}:u{buyer.pk}"]


def test_a_guest_gets_mail_only_and_once(variant):
    order = place_order(items=[(variant, 1)], email="guest@example.kr")
    assert tasks.order_placed_notify_task.delay(order_id=order.pk).get() == 1
    assert tasks.order_placed_notify_task.delay(order_id=order.pk).get() == 0
    [message] = to("guest@example.kr")
    # No password: the mail carries the link that opens the order.
    assert f"주문 조회: {absolute_url(guest_access_path(order))}" in message.body
    assert order.get_absolute_url() + "access/" in message.body
    assert not Notification.objects.exists()


def test_card_orders_hear_when_paid_not_when_placed(buyer, variant):
    order = place_order(items=[(variant, 1)], buyer=buyer, email=buyer.email, payment_method="card")
    assert tasks.order_placed_notify_task.delay(order_id=order.pk).get() == 0
    assert mail.outbox == []


def test_paid_tells_the_buyer_and_each_vendors_members_once_and_queues_documents(
        buyer, owner, staff_member, other_owner, variant, other_variant, docs, django_capture_on_commit_callbacks):
    order = place_order(items=[(variant, 1), (other_variant, 1)], buyer=buyer, email=buyer.email)
    bystander = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk)
    tasks.order_paid_notify_task.delay(order_id=order.pk)  # twice: no more mail
    mine = order.vendor_orders.get(vendor=variant.product.vendor)
    theirs = order.vendor_orders.get(vendor=other_variant.product.vendor)
    [paid] = to(buyer.email)
    assert paid.subject == "[따숨몰] 입금이 확인되었습니다" and order_link(order) in paid.body
    for member in (owner, staff_member):
        [message] = to(member.email)
        assert mine.number in message.subject and "홍성 현미 5kg × 1" in message.body
        assert "남의 된장" not in message.body and buyer.email not in message.body
        assert keys_of(member) == [f"vo-new:{mine.pk}:u{member.pk}"]
    [message] = to(other_owner.email)
    assert theirs.number in message.subject and "홍성 현미" not in message.body
    assert to(bystander.email) == []
    assert len(mail.outbox) == 4
    assert docs == [order.pk]  # queued by the payment itself, once, not by the notice


def test_paid_notice_and_documents_are_separate_tasks(buyer, variant, docs, django_capture_on_commit_callbacks):
    order = place_order(items=[(variant, 1)], buyer=buyer, email=buyer.email)
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk)
    assert docs == [order.pk] and len(to(buyer.email)) == 1
    assert tasks.order_paid_notify_task.delay(order_id=order.pk).get() == 0  # sent once
    assert docs == [order.pk]  # a notice sent again asks for no documents


def test_expired_order_tells_the_buyer_once(buyer, variant, django_capture_on_commit_callbacks):
    order = place_order(items=[(variant, 1)], buyer=buyer, email=buyer.email)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        order_expire(order_id=order.pk)
    tasks.order_expired_notify_task.delay(order_id=order.pk)
    [message] = to(buyer.email)
    assert "입금 기한이 지나" in message.subject


# --- the vendor's steps ---------------------------------------------------------------


@pytest.fixture
def paid(buyer, variant):
    """Like `vo` (conftest.py), but the order's email is the buyer's own: these tests count the buyer's mails."""
    return paid_vendor_order(variant, buyer, email=buyer.email)


def run_again(vendor_order: VendorOrder, to_status: str) -> None:
    event = StatusEvent.objects.filter(vendor_order=vendor_order, to_status=to_status).latest("pk")
    tasks.vendor_order_event_notify_task.delay(event_id=event.pk)


def test_shipped_mail_has_carrier_number_and_tracking_link_once(paid, buyer, owner,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_ship(vendor_order_id=paid.pk, carrier="cj", tracking_number="6012-3456-7890", actor=owner)
    run_again(paid, V.SHIPPED)
    paid.refresh_from_db()
    [message] = to(buyer.email)
    assert message.subject == "[따숨몰] 상품이 발송되었습니다"
    for text in ("CJ대한통운", "601234567890", paid.tracking_url, paid.vendor.name, order_link(paid.order)):
        assert text in message.body
    assert to(owner.email) == []  # the vendor did it; nobody tells the vendor
    assert Notification.objects.filter(user=buyer, title="상품이 발송되었습니다").count() == 1


def test_tracking_correction_sends_the_new_number_once(paid, buyer, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_ship(vendor_order_id=paid.pk, carrier="cj", tracking_number="12345678", actor=owner)
        vendor_order_tracking_correct(vendor_order_id=paid.pk, carrier="hanjin", tracking_number="87654321",
                                      actor=owner)
    tasks.vendor_order_tracking_notify_task.delay(vendor_order_id=paid.pk)
    subjects = [m.subject for m in to(buyer.email)]
    assert subjects == ["[따숨몰] 상품이 발송되었습니다", "[따숨몰] 송장번호가 바뀌었습니다"]
    assert "87654321" in to(buyer.email)[1].body and "한진택배" in to(buyer.email)[1].body


def test_delivered_then_return_request_goes_to_the_vendors_members(
        paid, buyer, owner, staff_member, other_owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_ship(vendor_order_id=paid.pk, carrier="direct", tracking_number="", actor=owner)
        vendor_order_deliver(vendor_order_id=paid.pk, actor=owner)
    delivered = to(buyer.email)[-1]
    assert delivered.subject == "[따숨몰] 배송이 완료되었습니다" and "구매 확정" in delivered.body
    assert "직접 배송" in to(buyer.email)[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_return_request(vendor_order_id=paid.pk, actor=buyer, reason="상자가 젖었어요",
                                    photos=[upload("box.png", image_bytes("PNG"))])
    run_again(paid, V.RETURN_REQUESTED)
    assert to(buyer.email) == [] and to(other_owner.email) == []
    for member in (owner, staff_member):
        [message] = to(member.email)
        assert paid.number in message.subject and "반품" in message.subject
        assert "상자가 젖었어요" in message.body and "사진: 1장" in message.body


def test_return_decisions_and_refund_reach_the_buyer(paid, buyer, owner, django_capture_on_commit_callbacks):
    VendorOrder.objects.filter(pk=paid.pk).update(status=V.DELIVERED)
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_return_request(vendor_order_id=paid.pk, actor=buyer, reason="마음이 바뀌었어요")
        vendor_order_return_reject(vendor_order_id=paid.pk, actor=owner, reason="개봉한 식품입니다")
        vendor_order_return_request(vendor_order_id=paid.pk, actor=buyer, reason="곰팡이가 있어요")
        vendor_order_return_accept(vendor_order_id=paid.pk, actor=owner)
        vendor_order_return_refund(vendor_order_id=paid.pk, actor=owner)
    run_again(paid, V.REFUNDED)
    messages = to(buyer.email)
    assert [m.subject for m in messages] == ["[따숨몰] 반품 요청이 거절되었습니다", "[따숨몰] 반품이 승인되었습니다",
                                             "[따숨몰] 환불이 완료되었습니다"]
    assert "개봉한 식품입니다" in messages[0].body
    assert f"{paid.total:,}원" in messages[2].body
    assert len(to(owner.email)) == 2  # one per return request


def test_cancellation_tells_buyer_and_vendor(paid, buyer, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_cancel(vendor_order_id=paid.pk, actor=buyer, reason="잘못 주문했어요")
    tasks.vendor_order_cancelled_notify_task.delay(vendor_order_id=paid.pk)
    [message] = to(buyer.email)
    assert "취소" in message.subject and f"{paid.total:,}원" in message.body and "잘못 주문했어요" in message.body
    [message] = to(owner.email)
    assert paid.number in message.subject and "발송하지 마세요" in message.body


def test_unpaid_cancellation_does_not_bother_the_vendor(buyer, owner, variant, django_capture_on_commit_callbacks):
    order = place_order(items=[(variant, 1)], buyer=buyer, email=buyer.email)
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_cancel(vendor_order_id=order.vendor_orders.get().pk, actor=buyer)
    assert to(owner.email) == []
    assert [m.subject for m in to(buyer.email)][-1] == "[따숨몰] 주문이 취소되었습니다"


def test_each_note_reaches_the_buyer_once(paid, buyer, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_note(vendor_order_id=paid.pk, actor=owner, note="내일 발송합니다.")
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_note(vendor_order_id=paid.pk, actor=owner, note="오늘 발송했습니다.")
    paid.refresh_from_db()
    second_start = paid.vendor_note.index("\n\n") + 2
    tasks.vendor_order_note_notify_task.delay(vendor_order_id=paid.pk, start=0,
                                                     end=paid.vendor_note.index("\n\n"))
    tasks.vendor_order_note_notify_task.delay(vendor_order_id=paid.pk, start=second_start,
                                                     end=len(paid.vendor_note))
    messages = to(buyer.email)
    assert len(messages) == 2
    assert "내일 발송합니다." in messages[0].body and "오늘 발송했습니다." not in messages[0].body
    assert "오늘 발송했습니다." in messages[1].body
    assert Notification.objects.filter(user=buyer, key__startswith=f"vo-note:{paid.pk}:").count() == 2


def test_a_guests_shipping_notice_is_mail_only_and_once(variant, owner, django_capture_on_commit_callbacks):
    order = place_order(items=[(variant, 1)], paid=True, email="guest@example.kr")
    vendor_order = order.vendor_orders.get()
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_ship(vendor_order_id=vendor_order.pk, carrier="epost", tracking_number="1234567890123",
                          actor=owner)
    run_again(vendor_order, V.SHIPPED)
    [message] = to("guest@example.kr")
    assert "우체국택배" in message.body and "1234567890123" in message.body
    assert not Notification.objects.filter(title="상품이 발송되었습니다").exists()
