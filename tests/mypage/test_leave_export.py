"""회원탈퇴 (refusals, anonymisation, retention and purge) and 내 정보 내려받기 (JSON and CSV)."""
import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, PolicyVersion, User
from catalog.models import Wish
from mypage.models import AccountDeletion
from mypage.services import DELETED_NAME, account_delete, retention_purge
from mypage.tasks import retention_purge_task
from orders.models import Address, Order, VendorOrder
from orders.models import VendorOrderStatus as V
from reviews.models import Question
from tests.factories import PASSWORD, MembershipFactory, ProductFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db


def order_in(buyer, vendor_status=None, *, paid=True):
    variant = ProductFactory().variants.get()
    order = place_order(items=[(variant, 1)], buyer=buyer, paid=paid, recipient_name="김받음",
                        address="충청남도 홍성군 홍북읍 비밀로 9")
    if vendor_status:
        VendorOrder.objects.filter(order=order).update(status=vendor_status)
    return order


@pytest.fixture
def member():
    return UserFactory(name="김탈퇴", phone="010-1234-5678")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def leave(client, password=PASSWORD, confirm="on"):
    return client.post(reverse("mypage:leave"), {"password": password, "confirm": confirm})


def test_leaving_needs_the_password(member_client, member):
    response = leave(member_client, password="wrong-password")
    assert response.status_code == 200
    assert "비밀번호가 맞지 않습니다." in response.content.decode()
    member.refresh_from_db()
    assert member.is_active and not AccountDeletion.objects.exists()


@pytest.mark.parametrize("status", [None, V.PAID, V.PREPARING, V.SHIPPED, V.DELIVERED, V.RETURN_REQUESTED])
def test_leaving_is_refused_while_an_order_is_in_progress_naming_it(member_client, member, status):
    order = order_in(member, status, paid=status is not None)
    page = member_client.get(reverse("mypage:leave")).content.decode()
    assert order.number in page and 'data-testid="leave-refused"' in page
    response = leave(member_client)
    assert order.number in response.content.decode()
    member.refresh_from_db()
    assert member.is_active and not AccountDeletion.objects.exists()


def test_vendor_members_hand_over_first(member_client, member):
    membership = MembershipFactory(user=member)
    response = leave(member_client)
    assert membership.vendor.name in response.content.decode()
    assert not AccountDeletion.objects.exists()


def test_leaving_anonymises_the_member_and_keeps_the_legal_records(member_client, member):
    done = order_in(member, V.COMPLETED)
    Address.objects.create(user=member, recipient="김탈퇴", phone="010-1234-5678", postal_code="32244", address="집")
    Wish.objects.create(user=member, product=ProductFactory())
    Notification.objects.create(user=member, title="알림")
    question = Question.objects.create(product=ProductFactory(), vendor=done.vendor_orders.get().vendor,
                                       author=member, content="언제 와요?")
    email = member.email
    response = leave(member_client)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == DELETED_NAME and member.phone == "" and member.email.endswith("@deleted.invalid")
    assert not member.is_active and not member.has_usable_password()
    assert not Address.objects.filter(user=member).exists()
    assert not Wish.objects.filter(user=member).exists()
    assert not Notification.objects.filter(user=member).exists()
    # The contract record and the question stay for their legal periods; the vendor's side is intact.
    done.refresh_from_db()
    assert done.recipient_name == "김받음" and done.vendor_orders.get().status == V.COMPLETED
    assert Question.objects.filter(pk=question.pk).exists()
    # Signed out, and cannot sign in again.
    assert member_client.get(reverse("mypage:hub")).status_code == 302
    response = member_client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in member_client.session
    # The email is free: the same person can sign up again.
    assert not User.objects.filter(email__iexact=email).exists()


def test_retention_purge_scrubs_records_once_their_period_ends(member):
    old = order_in(member, V.COMPLETED)
    recent = order_in(member, V.COMPLETED)
    Order.objects.filter(pk=old.pk).update(placed_at=timezone.now() - timedelta(days=5 * 365 + 2))
    old_question = Question.objects.create(product=ProductFactory(), vendor=old.vendor_orders.get().vendor,
                                           author=member, content="옛 문의")
    Question.objects.filter(pk=old_question.pk).update(created_at=timezone.now() - timedelta(days=3 * 365 + 2))
    kept_question = Question.objects.create(product=ProductFactory(), vendor=old.vendor_orders.get().vendor,
                                            author=member, content="새 문의")
    other = order_in(UserFactory(), V.COMPLETED)
    Order.objects.filter(pk=other.pk).update(placed_at=timezone.now() - timedelta(days=5 * 365 + 2))
    deletion = account_delete(user_id=member.pk)
    assert retention_purge_task.delay().get() == 2
    old.refresh_from_db()
    recent.refresh_from_db()
    other.refresh_from_db()
    assert old.recipient_name == DELETED_NAME and old.recipient_phone == "" and "비밀로" not in old.address
    assert old.total > 0 and old.lines.exists() and old.vendor_orders.get().status == V.COMPLETED
    assert recent.recipient_name == "김받음"  # still within 5 years
    assert other.recipient_name == "김받음"   # a member who did not leave
    assert not Question.objects.filter(pk=old_question.pk).exists()
    assert Question.objects.filter(pk=kept_question.pk).exists()
    assert retention_purge() == 0  # idempotent
    deletion.refresh_from_db()
    assert deletion.purged_at is None  # the recent order and question are still kept
    later = timezone.now() + timedelta(days=5 * 365 + 2)
    retention_purge(now=later)
    deletion.refresh_from_db()
    assert deletion.purged_at is not None


def test_export_has_everything_in_json_and_csv(member_client, member):
    terms = PolicyVersion.objects.create(kind="terms", version="1.0", effective_at=timezone.now(), body="x")
    User.objects.filter(pk=member.pk).update(terms_version=terms, marketing_agreed_at=timezone.now())
    order = order_in(member, V.SHIPPED)
    Address.objects.create(user=member, recipient="김탈퇴", phone="010-1234-5678", postal_code="32244", address="우리집 1")
    Question.objects.create(product=ProductFactory(), vendor=order.vendor_orders.get().vendor, author=member,
                            content="보관 방법이 궁금해요")
    order_in(UserFactory(), V.SHIPPED)  # someone else's
    response = member_client.get(reverse("mypage:export") + "?format=json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["name"] == "김탈퇴" and data["profile"]["email"] == member.email
    assert data["consents"]["terms_version"] == "1.0" and data["consents"]["marketing_agreed_at"]
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["orders"][0]["lines"][0]["quantity"] == 1
    assert data["addresses"][0]["address"] == "우리집 1"
    assert data["questions"][0]["content"] == "보관 방법이 궁금해요"
    response = member_client.get(reverse("mypage:export") + "?format=csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["구분", "번호", "항목", "값"]
    assert ["orders", "1", "number", order.number] in rows
    assert ["profile", "", "name", "김탈퇴"] in rows
    assert any(r[0] == "orders" and r[2] == "lines[1].quantity" and r[3] == "1" for r in rows)


def test_leave_and_export_need_sign_in(client):
    for name in ("mypage:leave", "mypage:export"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
