"""The Solapi backend against a fake Solapi over HTTP: signature, body shape, answers, fallback."""
import hashlib
import hmac

import pytest
from django.core import mail

from notifications.backends import ProviderUnavailable, TextMessage
from notifications.backends.solapi import SolapiBackend, authorization, message_body, text_type
from notifications.kinds import ALIMTALK, SMS
from notifications.models import Delivery, DeliveryStatus
from notifications.services import MAX_ATTEMPTS, Recipient, deliveries_due, delivery_send, notify
from tests.factories import UserFactory

from .test_messages import SHIPPED

pytestmark = pytest.mark.django_db


def test_authorization_header_is_solapis_hmac_sha256():
    header = authorization("KEY", "SECRET", date="2026-11-05T10:00:00+09:00", salt="abcdef0123456789")
    signature = hmac.new(b"SECRET", b"2026-11-05T10:00:00+09:00abcdef0123456789", hashlib.sha256).hexdigest()
    assert header == (f"HMAC-SHA256 apiKey=KEY, date=2026-11-05T10:00:00+09:00, salt=abcdef0123456789, "
                      f"signature={signature}")


def test_short_korean_text_is_an_sms_longer_an_lms():
    assert text_type("가" * 45) == "SMS"
    assert text_type("가" * 46) == "LMS"


def test_alimtalk_body_shape():
    body = message_body(TextMessage(channel=ALIMTALK, to="01012345678", text="안녕", template_id="TP1",
                                    variables={"이름": "김따숨"}), sender="0411234567", pf_id="PF1")
    assert body == {"to": "01012345678", "from": "0411234567", "text": "안녕", "type": "ATA",
                    "kakaoOptions": {"pfId": "PF1", "templateId": "TP1", "variables": {"#{이름}": "김따숨"},
                                     "disableSms": False}}


def test_sms_through_the_fake_solapi(solapi):
    result = SolapiBackend().send(TextMessage(channel=SMS, to="01012345678", text="[따숨몰] 발송 안내"))
    assert result.ok and result.code == "2000"
    assert result.message_id.startswith("M4V") and result.group_id.startswith("G4V")
    [request] = solapi.requests
    assert request.body["messages"][0]["type"] == "SMS" and request.body["showMessageList"] is True


def test_a_wrong_secret_is_refused_and_recorded_not_retried(solapi, settings):
    settings.SOLAPI_API_SECRET = "not-the-secret"
    result = SolapiBackend().send(TextMessage(channel=SMS, to="01012345678", text="x"))
    assert not result.ok and result.code == "SignatureDoesNotMatch"
    assert solapi.accepted == []


def test_a_server_error_is_unavailable_so_the_task_retries(solapi):
    solapi.mode = "error"
    with pytest.raises(ProviderUnavailable):
        SolapiBackend().send(TextMessage(channel=SMS, to="01012345678", text="x"))


def test_order_shipped_goes_as_alimtalk_with_the_registered_template(solapi):
    member = UserFactory(name="김따숨", phone="010-1234-5678")
    assert notify("order_shipped", Recipient.member(member), SHIPPED, "vo-event:1:u1") is True
    [sent] = solapi.accepted
    assert sent["type"] == "ATA" and sent["to"] == "01012345678" and sent["from"] == "0411234567"
    options = sent["kakaoOptions"]
    assert options["pfId"] == "KA01PF-TEST" and options["templateId"] == "KA01TP-SHIPPED"
    assert options["variables"]["#{송장번호}"] == "123456789012"
    assert options["variables"]["#{배송조회}"] == "https://trace.example/123456789012"
    assert "123456789012" in sent["text"]  # Solapi's own SMS replacement carries the same text
    delivery = Delivery.objects.get(channel=ALIMTALK)
    assert delivery.status == DeliveryStatus.SENT and delivery.provider_message_id.startswith("M4V")
    assert delivery.provider_group_id.startswith("G4V") and delivery.backend == "SolapiBackend"


def test_a_refused_alimtalk_falls_back_to_sms_and_both_are_logged(solapi):
    solapi.mode = "reject_ata"
    member = UserFactory(name="김따숨", phone="010-1234-5678")
    assert notify("order_shipped", Recipient.member(member), SHIPPED, "vo-event:1:u1") is True
    [sms] = solapi.accepted
    assert sms["type"] == "LMS" and "kakaoOptions" not in sms and "CJ대한통운" in sms["text"]
    alimtalk = Delivery.objects.get(channel=ALIMTALK)
    assert alimtalk.status == DeliveryStatus.FAILED and alimtalk.result_code == "3104"
    fallback = Delivery.objects.get(channel=SMS)
    assert fallback.fallback_of == alimtalk and fallback.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    # a repeated task sends nothing more
    assert notify("order_shipped", Recipient.member(member), SHIPPED, "vo-event:1:u1") is False
    assert len(solapi.accepted) == 1


def test_a_provider_down_for_good_is_given_up_after_the_last_attempt(solapi):
    solapi.mode = "error"
    member = UserFactory(name="김따숨", phone="010-1234-5678")
    with pytest.raises(ProviderUnavailable):
        notify("order_shipped", Recipient.member(member), SHIPPED, "k")
    delivery = Delivery.objects.get(channel=ALIMTALK)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    Delivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS - 1)
    assert delivery_send(delivery_id=delivery.pk) == 0  # the last attempt fails: logged, not raised again
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "solapi 500" in delivery.result_message
    assert deliveries_due() == []
