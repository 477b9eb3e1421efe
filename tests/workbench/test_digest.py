"""The daily digest: the dashboard's counts once a day to each vendor's members, unless they switched it off."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import ChannelPreference, Message
from notifications.services import preferences_save
from tests.factories import MembershipFactory, VendorFactory
from vendors.models import MembershipRole, VendorStatus
from workbench import tasks
from workbench.services import vendor_digests_send

from .test_todo import todo_world

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")


def digests(vendor=None):
    qs = Message.objects.filter(kind="vendor_digest")
    return qs.filter(dedupe_key__startswith=f"vendor-digest:{vendor.pk}:") if vendor else qs


def test_once_a_day_to_every_member_and_a_missed_morning_is_made_up(vendor, owner, other_vendor):
    staff = MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user
    todo_world(vendor)
    VendorFactory()  # nothing to do: no digest
    # Today, through the task: the second run sends nothing.
    assert tasks.vendor_digests_send_task.delay().get() == 2
    assert tasks.vendor_digests_send_task.delay().get() == 0
    assert set(digests(vendor).values_list("user", flat=True)) == {owner.pk, staff.pk}
    morning = datetime(2027, 3, 3, 8, 10, tzinfo=KST)
    assert vendor_digests_send(now=morning) == 2
    assert vendor_digests_send(now=morning + timedelta(hours=4)) == 0  # the noon run: already sent
    # The 8:10 run of the 4th did not happen: the noon run sends the 4th's digest.
    assert vendor_digests_send(now=datetime(2027, 3, 4, 12, 10, tzinfo=KST)) == 2
    assert digests(vendor).filter(dedupe_key__contains=":20270304:").count() == 2
    assert not digests(other_vendor).exists()


def test_the_digest_says_the_counts_and_links_to_the_dashboard(vendor, owner):
    todo_world(vendor)
    vendor_digests_send(now=datetime(2026, 12, 7, 8, 10, tzinfo=KST))
    message = digests(vendor).get()
    assert vendor.name in message.title and "오늘 할 일" in message.title
    assert "발주 확인할 주문: 2" in message.body and "발송 기한이 지난 주문: 1" in message.body
    assert "회신할 견적요청: 1" in message.body and "재고 부족 옵션: 1" in message.body
    assert message.url == "/partner/"
    sent = [m for m in mail.outbox if m.to == [owner.email]]
    assert sent and "/partner/orders/vendororder/?todo=overdue" in sent[-1].body


def test_a_member_who_switched_it_off_gets_nothing(vendor, owner):
    staff = MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user
    todo_world(vendor)
    preferences_save(user=staff, chosen={"vendor_digest": set()}, marketing=False)
    assert ChannelPreference.objects.filter(user=staff, kind="vendor_digest", enabled=False).exists()
    assert vendor_digests_send(now=datetime(2026, 12, 7, 8, 10, tzinfo=KST)) == 1
    assert list(digests(vendor).values_list("user", flat=True)) == [owner.pk]


def test_the_kind_is_on_the_vendor_members_settings_page(client, owner):
    client.force_login(owner)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "오늘 할 일 요약" in page


def test_suspended_vendors_and_inactive_members_get_none(vendor, owner):
    todo_world(vendor)
    vendor.status = VendorStatus.SUSPENDED
    vendor.save(update_fields=["status"])
    assert vendor_digests_send(now=datetime(2026, 12, 7, 8, 10, tzinfo=KST)) == 0
