"""notify(): templates and variables, channels, consent, quiet hours, fallback, once per event and person."""
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from notifications import kinds
from notifications import tasks as message_tasks
from notifications.kinds import ALIMTALK, EMAIL, IN_APP, KINDS, SMS, kind_get, template_render
from notifications.models import ChannelPreference, Delivery, DeliveryStatus, MarketingConsent, Message
from notifications.services import (
    MissingVariables,
    Recipient,
    channels_for,
    deliveries_due,
    delivery_send,
    notify,
    quiet_until,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHIPPED = {"title": "상품이 발송되었습니다", "body": "보냈습니다", "url": "/orders/1/",
           "variables": {"이름": "김따숨", "판매기업": "홍성유기농", "주문번호": "20261106-0001", "택배사": "CJ대한통운",
                         "송장번호": "123456789012", "배송조회": "https://trace.example/123456789012"}}


def seoul(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


@pytest.fixture
def member(db):
    return UserFactory(name="김따숨", phone="010-1234-5678")


# --- templates and variables -------------------------------------------------------------


def test_every_template_names_its_variables_and_renders_without_placeholders():
    for kind in KINDS.values():
        if not kind.has_template:
            continue
        assert kind.variables, kind.code
        text = template_render(kind, {v: f"<{v}>" for v in kind.variables})
        assert "#{" not in text and all(f"<{v}>" in text for v in kind.variables)
        assert text.startswith("[따숨몰]")


def test_the_shipped_template_has_carrier_and_tracking_link():
    assert set(kind_get("order_shipped").variables) == {"이름", "판매기업", "주문번호", "택배사", "송장번호", "배송조회"}
    assert {"은행", "계좌번호", "입금기한", "금액"} <= set(kind_get("order_received").variables)
    assert {"은행", "계좌번호", "입금기한"} <= set(kind_get("virtual_account_due").variables)


def test_missing_variables_are_refused_before_anything_is_written(member):
    context = {**SHIPPED, "variables": {"이름": "김따숨"}}
    with pytest.raises(MissingVariables, match="송장번호"):
        notify("order_shipped", Recipient.member(member), context, "k1")
    assert not Message.objects.exists()


def test_unknown_kind_is_an_error(member):
    with pytest.raises(LookupError):
        notify("no_such_kind", Recipient.member(member), SHIPPED, "k1")


def test_return_and_exchange_kinds_are_registered_for_later():
    for code in ("return_approved", "return_rejected", "exchange_accepted", "exchange_shipped", "exchange_done",
                 "vendor_return_requested", "vendor_exchange_requested", "virtual_account_due"):
        assert kind_get(code).has_template


# --- channels --------------------------------------------------------------------------


def test_member_default_is_in_app_mail_and_alimtalk_never_alimtalk_and_sms_together(member):
    assert channels_for(kind_get("order_shipped"), Recipient.member(member)) == [IN_APP, EMAIL, ALIMTALK]


def test_guest_gets_no_in_app_and_no_text_without_a_phone():
    guest = Recipient(email="g@example.kr", name="손님")
    assert channels_for(kind_get("order_shipped"), guest) == [EMAIL]


def test_member_choice_changes_the_channels(member):
    ChannelPreference.objects.create(user=member, kind="order_shipped", channel=ALIMTALK, enabled=False)
    ChannelPreference.objects.create(user=member, kind="order_shipped", channel=SMS, enabled=True)
    ChannelPreference.objects.create(user=member, kind="order_shipped", channel=EMAIL, enabled=False)
    assert channels_for(kind_get("order_shipped"), Recipient.member(member)) == [IN_APP, SMS]
    # another kind keeps its default
    assert channels_for(kind_get("order_paid"), Recipient.member(member)) == [IN_APP, EMAIL, ALIMTALK]


def test_kinds_without_a_template_never_go_by_alimtalk(member):
    ChannelPreference.objects.create(user=member, kind="order_message", channel=ALIMTALK, enabled=True)
    assert ALIMTALK not in channels_for(kind_get("order_message"), Recipient.member(member))


# --- sending ------------------------------------------------------------------------------


def test_notify_sends_each_channel_once_and_logs_it(member, texts):
    assert notify("order_shipped", Recipient.member(member), SHIPPED, "shipped:1:u1") is True
    assert notify("order_shipped", Recipient.member(member), SHIPPED, "shipped:1:u1") is False  # a repeated task
    [text] = texts
    assert text.channel == ALIMTALK and text.to == "01012345678" and text.template_id == "DDASUM_ORDER_SHIPPED"
    assert "CJ대한통운" in text.text and "https://trace.example/123456789012" in text.text
    assert text.variables["송장번호"] == "123456789012"
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "[따숨몰] 상품이 발송되었습니다"
    assert Notification.objects.filter(user=member, key="shipped:1:u1").count() == 1
    message = Message.objects.get()
    log = {d.channel: d for d in message.deliveries.all()}
    assert set(log) == {IN_APP, EMAIL, ALIMTALK}
    assert all(d.status == DeliveryStatus.SENT and d.attempts == 1 for d in log.values())
    assert log[ALIMTALK].provider_message_id.startswith("locmem-") and log[ALIMTALK].result_code == "2000"


def test_a_mail_server_down_leaves_the_mail_pending_and_the_retry_sends_only_it(member, texts, monkeypatch):
    from notifications import services

    def down(**kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "email_send", down)
    with pytest.raises(OSError):
        notify("order_shipped", Recipient.member(member), SHIPPED, "k")
    assert Delivery.objects.get(channel=EMAIL).status == DeliveryStatus.PENDING
    assert len(texts) == 1  # the other channels went
    monkeypatch.undo()
    assert notify("order_shipped", Recipient.member(member), SHIPPED, "k") is True
    assert len(texts) == 1 and len(mail.outbox) == 1
    assert Delivery.objects.get(channel=EMAIL).attempts == 2


def test_a_delivery_another_process_is_sending_is_not_sent_again(member, texts):
    notify("order_shipped", Recipient.member(member), SHIPPED, "k")
    delivery = Delivery.objects.get(channel=ALIMTALK)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, claimed_at=timezone.now())
    assert delivery_send(delivery_id=delivery.pk) == 0
    assert len(texts) == 1


# --- marketing: consent and quiet hours ------------------------------------------------------


@pytest.mark.parametrize("local, expected", [
    ((2026, 11, 5, 20, 59), None),
    ((2026, 11, 5, 21, 0), (2026, 11, 6, 8, 0)),
    ((2026, 11, 5, 23, 30), (2026, 11, 6, 8, 0)),
    ((2026, 11, 6, 3, 0), (2026, 11, 6, 8, 0)),
    ((2026, 11, 6, 7, 59), (2026, 11, 6, 8, 0)),
    ((2026, 11, 6, 8, 0), None),
])
def test_quiet_hours_are_21_to_08_korean_time(local, expected):
    assert quiet_until(seoul(*local)) == (seoul(*expected) if expected else None)


def test_quiet_hours_use_korean_time_whatever_the_clock_zone():
    utc_noon = datetime(2026, 11, 5, 12, 30, tzinfo=UTC)  # 21:30 in Seoul
    assert quiet_until(utc_noon) == seoul(2026, 11, 6, 8, 0)


NEWS = {"title": "김장철 절임배추 기획전", "body": "11월 절임배추 예약 판매를 시작합니다."}


def test_marketing_needs_its_own_consent(member, texts):
    assert notify("campaign_news", Recipient.member(member), NEWS, "news:1:u", now=seoul(2026, 11, 5, 10, 0)) is False
    assert not Message.objects.exists() and texts == [] and mail.outbox == []
    MarketingConsent.objects.create(user=member, agreed_at=timezone.now(), withdrawn_at=timezone.now())
    assert notify("campaign_news", Recipient.member(member), NEWS, "news:1:u", now=seoul(2026, 11, 5, 10, 0)) is False
    assert notify("campaign_news", Recipient(email="g@example.kr", phone="01011112222"), NEWS, "news:1:g") is False


def test_marketing_at_night_waits_for_eight(member, texts):
    MarketingConsent.objects.create(user=member, agreed_at=timezone.now())
    ChannelPreference.objects.create(user=member, kind="campaign_news", channel=SMS, enabled=True)
    night = seoul(2026, 11, 5, 22, 15)
    assert notify("campaign_news", Recipient.member(member), NEWS, "news:1:u", now=night) is False
    assert texts == [] and mail.outbox == [] and not Notification.objects.exists()
    assert {d.not_before for d in Delivery.objects.all()} == {seoul(2026, 11, 6, 8, 0)}
    assert deliveries_due(now=seoul(2026, 11, 6, 7, 59)) == []
    due = deliveries_due(now=seoul(2026, 11, 6, 8, 1))
    assert len(due) == 3
    for delivery_id in due:
        delivery_send(delivery_id=delivery_id, now=seoul(2026, 11, 6, 8, 1))
    [sms] = texts
    assert sms.channel == SMS and "절임배추" in sms.text and len(mail.outbox) == 1
    assert deliveries_due(now=seoul(2026, 11, 6, 9, 0)) == []


def test_marketing_by_day_goes_at_once(member, texts):
    MarketingConsent.objects.create(user=member, agreed_at=timezone.now())
    assert notify("campaign_news", Recipient.member(member), NEWS, "news:2:u", now=seoul(2026, 11, 5, 10, 0)) is True
    assert len(mail.outbox) == 1


def test_the_sweeper_picks_up_what_a_dead_task_left(member, texts):
    notify("order_shipped", Recipient.member(member), SHIPPED, "k")
    delivery = Delivery.objects.get(channel=ALIMTALK)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING,
                                                   claimed_at=timezone.now() - timedelta(minutes=30))
    assert deliveries_due() == [delivery.pk]
    assert delivery_send(delivery_id=delivery.pk) == 1
    assert len(texts) == 2


def test_kinds_module_lists_the_four_channels():
    assert kinds.CHANNELS == (EMAIL, IN_APP, SMS, ALIMTALK)


def test_the_beat_task_catches_up_what_waited_and_what_a_dead_task_left(member, texts):
    MarketingConsent.objects.create(user=member, agreed_at=timezone.now())
    night = timezone.localtime() - timedelta(days=2)
    night = night.replace(hour=23, minute=0)
    notify("campaign_news", Recipient.member(member), NEWS, "news:old:u", now=night)  # waited for a morning long past
    notify("order_shipped", Recipient.member(member), SHIPPED, "shipped:old:u")
    Delivery.objects.filter(message__dedupe_key="shipped:old:u", channel=ALIMTALK).update(
        status=DeliveryStatus.PENDING, attempts=0)
    Message.objects.filter(dedupe_key="shipped:old:u").update(created_at=timezone.now() - timedelta(hours=1))
    texts.clear()
    mail.outbox.clear()
    # the marketing message's in-app notice, mail and SMS, and the 알림톡 left behind
    assert message_tasks.deliveries_due_task.delay().get() == 4
    assert sorted(t.channel for t in texts) == [ALIMTALK, SMS] and len(mail.outbox) == 1
    assert message_tasks.deliveries_due_task.delay().get() == 0  # run again: nothing more
    assert len(texts) == 2
