"""The account's message settings page, the in-app list with its unread count, and who may see what."""
import pytest
from django.urls import reverse

from accounts.models import Notification
from accounts.services import notification_create
from notifications.kinds import ALIMTALK, EMAIL, SMS
from notifications.models import ChannelPreference, MarketingConsent, Message
from notifications.services import Recipient, notify
from tests.factories import MembershipFactory, UserFactory
from tests.otp import otp_login
from vendors.services import vendor_notify

pytestmark = pytest.mark.django_db

URL = "/accounts/messages/settings/"


def test_settings_page_needs_a_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_settings_page_lists_buyer_kinds_with_defaults_checked(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert "발송" in page and "가상계좌 입금 기한 하루 전" in page and "광고성 정보" in page
    assert 'name="order_shipped__alimtalk" id="id_order_shipped__alimtalk" checked' in page
    assert 'name="order_shipped__sms" id="id_order_shipped__sms"' in page
    assert "새 주문(입점기업)" not in page  # vendor kinds only for vendor members
    assert "휴대전화 번호가 없어" in page


def test_vendor_members_also_choose_vendor_kinds(client, owner):
    client.force_login(owner)
    assert "새 주문(입점기업)" in client.get(URL).content.decode()


def test_saving_choices_and_marketing_consent(client):
    user = UserFactory(phone="010-2222-3333")
    client.force_login(user)
    data = {"order_shipped__sms": "on", "order_paid__email": "on", "order_paid__alimtalk": "on", "marketing": "on"}
    response = client.post(URL, data, follow=True)
    assert "알림 수신 설정을 저장했습니다." in response.content.decode()
    prefs = {(p.kind, p.channel): p.enabled for p in ChannelPreference.objects.filter(user=user)}
    assert prefs[("order_shipped", SMS)] is True and prefs[("order_shipped", ALIMTALK)] is False
    assert prefs[("order_shipped", EMAIL)] is False and prefs[("order_paid", EMAIL)] is True
    consent = MarketingConsent.objects.get(user=user)
    assert consent.agreed
    agreed_at = consent.agreed_at
    client.post(URL, {**data, "marketing": ""})
    consent.refresh_from_db()
    assert not consent.agreed and consent.agreed_at == agreed_at and consent.withdrawn_at


def test_each_member_changes_only_their_own_choices(client):
    me, other = UserFactory(), UserFactory()
    client.force_login(me)
    client.post(URL, {"marketing": "on"})
    assert not ChannelPreference.objects.filter(user=other).exists()
    assert not MarketingConsent.objects.filter(user=other).exists()


def test_in_app_list_shows_my_messages_and_the_unread_count(client, django_assert_max_num_queries):
    me, other = UserFactory(), UserFactory()
    notify("order_message", Recipient.member(me), {"title": "판매기업의 메시지가 도착했습니다", "body": "내일 보냅니다"},
           "note:1:u")
    notify("order_message", Recipient.member(other), {"title": "남의 알림", "body": "비밀"}, "note:2:u")
    for i in range(5):
        notification_create(user=me, title=f"알림 {i}", key=f"n{i}")
    client.force_login(me)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("accounts:notifications")).content.decode()
    assert "판매기업의 메시지가 도착했습니다" in page and "남의 알림" not in page
    assert '<span class="badge">6</span>' in page
    assert reverse("notifications:preferences") in page


def test_a_member_cannot_mark_anothers_notice_read(client):
    me, other = UserFactory(), UserFactory()
    theirs = notification_create(user=other, title="남의 알림")
    client.force_login(me)
    client.post(reverse("accounts:notifications_read"), {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_send_log_is_for_operators_only(client, operator, owner):
    notify("order_message", Recipient.member(UserFactory()), {"title": "t", "body": "b"}, "k:1")
    message = Message.objects.get()
    otp_login(client, operator)
    assert client.get("/admin/notifications/message/").status_code == 200
    page = client.get(f"/admin/notifications/message/{message.pk}/change/").content.decode()
    assert "in_app" in page or "앱 알림" in page
    client.force_login(owner)
    assert client.get("/admin/notifications/message/").status_code == 302
    assert client.get("/partner/notifications/message/").status_code == 404


def test_vendor_staff_get_vendor_notices_only_for_their_vendor(vendor, other_vendor):
    staff = MembershipFactory(vendor=vendor).user
    outsider = MembershipFactory(vendor=other_vendor).user
    vendor_notify(vendor, title="정산서", body="나왔습니다", url="/partner/", key="s:1")
    assert Notification.objects.filter(user=staff).count() == 1
    assert not Notification.objects.filter(user=outsider).exists()
