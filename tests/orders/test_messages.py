"""Order events reach buyers and vendors by 알림톡 with the registered variables (notifications.notify)."""
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.backends.console import LocmemBackend
from notifications.models import Delivery, Message
from orders import tasks
from orders.models import Payment, PaymentMethod
from orders.services import notifications
from orders.services.actions import order_mark_paid, vendor_order_cancel, vendor_order_ship
from tests.factories import place_order

from .helpers import paid_vendor_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("refunds")]


@pytest.fixture(autouse=True)
def texts(settings):
    settings.MESSAGE_TEXT_BACKEND = "notifications.backends.console.LocmemBackend"
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


def test_order_received_alimtalk_carries_the_deposit_details(buyer, variant, settings, texts,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(items=[(variant, 2)], buyer=buyer, email=buyer.email)
    [text] = texts
    bank = settings.BANK_TRANSFER_ACCOUNT
    assert text.channel == "alimtalk" and text.to == "01011112222"  # the orderer's phone
    assert text.variables["은행"] == bank["bank"] and text.variables["계좌번호"] == bank["number"]
    assert text.variables["금액"] == f"{order.total:,}원" and text.variables["주문번호"] == order.number
    assert bank["holder"] in text.text and "#{" not in text.text


def test_a_guest_gets_alimtalk_and_mail_once(variant, texts):
    order = place_order(items=[(variant, 1)], email="guest@example.kr")
    tasks.order_placed_notify_task.delay(order_id=order.pk)
    tasks.order_placed_notify_task.delay(order_id=order.pk)
    assert len(texts) == 1 and len(mail.outbox) == 1
    assert Message.objects.get().dedupe_key == f"order-placed:{order.pk}:guest"


def test_paid_tells_the_vendor_members_by_alimtalk_when_they_have_a_phone(buyer, owner, variant, texts,
                                                                        django_capture_on_commit_callbacks):
    owner.phone = "010-9999-0000"
    owner.save(update_fields=["phone"])
    order = place_order(items=[(variant, 1)], buyer=buyer, email=buyer.email)
    texts.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk)
    by_kind = {Message.objects.get(dedupe_key=d.message.dedupe_key).kind for d in Delivery.objects.select_related("message")}
    assert {"order_paid", "vendor_new_order"} <= by_kind
    vendor_text = next(t for t in texts if t.to == "01099990000")
    vendor_order = order.vendor_orders.get()
    assert vendor_text.variables["주문번호"] == vendor_order.number and "홍성 현미 5kg × 1" in vendor_text.text


def test_shipped_alimtalk_has_carrier_and_tracking_link(buyer, owner, variant, texts,
                                                         django_capture_on_commit_callbacks):
    paid = paid_vendor_order(variant, buyer=buyer, email=buyer.email)
    texts.clear()
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_ship(vendor_order_id=paid.pk, carrier="cj", tracking_number="6012-3456-7890", actor=owner)
    [text] = [t for t in texts if t.template_id == "DDASUM_ORDER_SHIPPED"]
    assert text.variables["택배사"] == "CJ대한통운" and text.variables["송장번호"] == "601234567890"
    assert text.variables["배송조회"].startswith("https://trace.cjlogistics.com/")


def test_cancel_tells_the_buyer_with_the_refund(buyer, variant, texts, django_capture_on_commit_callbacks):
    paid = paid_vendor_order(variant, buyer=buyer, email=buyer.email)
    texts.clear()
    with django_capture_on_commit_callbacks(execute=True):
        vendor_order_cancel(vendor_order_id=paid.pk, actor=buyer, reason="잘못 주문했어요")
    [text] = [t for t in texts if t.template_id == "DDASUM_ORDER_CANCELLED"]
    assert text.variables["환불금액"].endswith("원") and text.variables["주문번호"] == paid.number


def test_virtual_account_due_reminder_once(buyer, variant, texts):
    order = place_order(items=[(variant, 1)], buyer=buyer, email=buyer.email)
    texts.clear()
    due = (timezone.now() + timedelta(days=1)).isoformat()
    for _ in range(2):
        tasks.order_virtual_account_due_notify_task.delay(order_id=order.pk, bank="신한은행",
                                                          account_number="56211102345678", due_at=due)
    [text] = texts
    assert text.template_id == "DDASUM_VIRTUAL_ACCOUNT_DUE" and text.variables["계좌번호"] == "56211102345678"


def _virtual_account(order, *, due_at, n):
    return Payment.objects.create(order=order, method=PaymentMethod.VIRTUAL_ACCOUNT, amount=order.total,
                                  idempotency_key=f"va{n}".ljust(64, "0"), va_bank_code="88",
                                  va_account_number=f"5621110234567{n}", va_holder="따숨몰", va_due_at=due_at)


def test_virtual_accounts_due_within_a_day_are_reminded_once_by_the_hourly_run(buyer, variant, texts):
    now = timezone.now()
    soon = place_order(items=[(variant, 1)], buyer=buyer, email=buyer.email, payment_method="virtual_account")
    later = place_order(items=[(variant, 1)], buyer=buyer, email=buyer.email, payment_method="virtual_account")
    _virtual_account(soon, due_at=now + timedelta(hours=20), n=1)
    _virtual_account(later, due_at=now + timedelta(days=2), n=2)
    texts.clear()
    assert tasks.virtual_accounts_due_remind_task.delay().get() == 1
    [text] = texts
    assert text.template_id == "DDASUM_VIRTUAL_ACCOUNT_DUE" and text.variables["은행"] == "신한은행"
    assert text.variables["주문번호"] == soon.number
    assert tasks.virtual_accounts_due_remind_task.delay().get() == 0  # the next hour: nothing again
    # A run missed for a day is made up: the later one is due within a day by then.
    assert notifications.virtual_accounts_due_remind(now=now + timedelta(days=1, hours=1)) == 1
    assert len(texts) == 2
