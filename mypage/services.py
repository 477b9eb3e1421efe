"""회원탈퇴: anonymise the member now, keep what the law requires, purge it when its period ends."""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Notification, User
from catalog.models import RecentView, RestockAlert, Wish, WishNoticeSetting
from ddasum.exceptions import DomainError
from orders.models import Address, Cart, Order
from procurement.models import AgencyMembership
from reviews.models import Question

from .models import RETENTION_COMPLAINTS_DAYS, RETENTION_CONTRACTS_DAYS, AccountDeletion
from .selectors import business_roles, orders_in_progress

DELETED_NAME = "탈퇴회원"


def deleted_email(user_id: int) -> str:
    return f"deleted-{user_id}@deleted.invalid"


def account_delete_refusal(user: User) -> str:
    """Why the member cannot leave now ("" when they can)."""
    if user.is_staff or user.is_superuser:
        return _("운영자 계정은 탈퇴할 수 없습니다. 다른 운영자에게 계정 정지를 요청해 주세요.")
    numbers = orders_in_progress(user)
    if numbers:
        return _("진행 중인 주문이 있어 탈퇴할 수 없습니다: %(numbers)s. 배송이 끝나고 구매 확정되거나 취소·환불된 뒤에 탈퇴해 주세요.") % {
            "numbers": ", ".join(numbers)}
    vendors = business_roles(user)
    if vendors:
        return _("입점기업 %(vendors)s의 구성원입니다. 다른 구성원에게 넘기거나 구성원에서 빠진 뒤에 탈퇴해 주세요.") % {
            "vendors": ", ".join(vendors)}
    if AgencyMembership.objects.filter(user=user).exists():
        return _("공공기관 구매 담당자로 등록되어 있습니다. 기관 관리자에게 해제를 요청한 뒤에 탈퇴해 주세요.")
    return ""


@transaction.atomic
def account_delete(*, user_id: int) -> AccountDeletion:
    """Anonymise the member (the caller checked the password outside the transaction).

    Gone now: profile (email, name, phone), password, addresses, cart, wishes, recently viewed,
    restock alerts, notifications, second factor, marketing consent. Kept: orders with their
    orderer and delivery details (5 years, 전자상거래법) and the member's questions (3 years),
    then scrubbed by `retention_purge`. Reviews stay under the name "탈퇴회원". Vendors' records of
    the sale (vendor orders, lines, settlements) are not touched.
    """
    user = User.objects.select_for_update().get(pk=user_id)
    if AccountDeletion.objects.filter(user=user).exists():
        return user.deletion
    refusal = account_delete_refusal(user)
    if refusal:
        raise DomainError(refusal)
    Address.objects.filter(user=user).delete()
    Cart.objects.filter(user=user).delete()
    Wish.objects.filter(user=user).delete()
    WishNoticeSetting.objects.filter(user=user).delete()
    RecentView.objects.filter(user=user).delete()
    RestockAlert.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    TOTPDevice.objects.filter(user=user).delete()
    user.email = deleted_email(user.pk)
    user.name = DELETED_NAME
    user.phone = ""
    user.is_active = False
    user.marketing_agreed_at = None
    user.set_unusable_password()  # also signs every session out (the session hash changes)
    user.save()
    return AccountDeletion.objects.create(user=user)


def _order_scrub(order: Order) -> None:
    order.email = deleted_email(order.buyer_id)
    order.orderer_name = order.recipient_name = DELETED_NAME
    order.orderer_phone = order.recipient_phone = ""
    order.address, order.address_detail, order.memo = DELETED_NAME, "", ""
    order.business_number = order.business_name = ""
    order.save(update_fields=["email", "orderer_name", "recipient_name", "orderer_phone", "recipient_phone",
                              "address", "address_detail", "memo", "business_number", "business_name"])


def retention_purge(*, now=None) -> int:
    """Scrub the kept records of members who left once their legal period is over; idempotent.

    Orders placed more than 5 years ago lose their personal details (the amounts, lines and
    vendors' records stay); questions older than 3 years are deleted. Returns how many records changed.
    """
    now = now or timezone.now()
    contracts_before = now - timedelta(days=RETENTION_CONTRACTS_DAYS)
    complaints_before = now - timedelta(days=RETENTION_COMPLAINTS_DAYS)
    changed = 0
    for deletion in AccountDeletion.objects.filter(purged_at__isnull=True).only("pk", "user_id").iterator():
        with transaction.atomic():
            deletion = AccountDeletion.objects.select_for_update().get(pk=deletion.pk)
            if deletion.purged_at:
                continue
            due = Order.objects.filter(buyer_id=deletion.user_id, placed_at__lt=contracts_before).exclude(
                orderer_name=DELETED_NAME)
            for order in due.select_for_update():
                _order_scrub(order)
                changed += 1
            deleted, _by_model = Question.objects.filter(author_id=deletion.user_id,
                                                          created_at__lt=complaints_before).delete()
            changed += deleted
            left = (Order.objects.filter(buyer_id=deletion.user_id).exclude(orderer_name=DELETED_NAME).exists()
                    or Question.objects.filter(author_id=deletion.user_id).exists())
            if not left:
                deletion.purged_at = now
                deletion.save(update_fields=["purged_at"])
    return changed
