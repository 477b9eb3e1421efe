"""Celery tasks of vendors: thin wrappers taking ids, safe to run twice."""
import logging

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import CertificationRenewal, RenewalStatus, VendorStatus, VendorStatusEvent
from .services import vendor_certifications_check, vendor_notify

logger = logging.getLogger(__name__)

# What the applicant is told for each status it lands in (statuses not here notify no one).
_STATUS_MESSAGES = {
    VendorStatus.UNDER_REVIEW: (gettext_lazy("입점 심사를 시작했습니다"), gettext_lazy("%(name)s의 입점 신청을 심사하고 있습니다.")),
    VendorStatus.APPROVED: (gettext_lazy("입점이 승인되었습니다"), gettext_lazy("%(name)s의 입점이 승인되었습니다. 입점기업 관리자에서 상품을 등록해 주세요.")),
    VendorStatus.CHANGES_REQUESTED: (gettext_lazy("입점 신청 보완을 요청드립니다"), gettext_lazy("%(name)s의 입점 신청에 보완이 필요합니다.")),
    VendorStatus.REJECTED: (gettext_lazy("입점 신청이 반려되었습니다"), gettext_lazy("%(name)s의 입점 신청이 반려되었습니다.")),
    VendorStatus.SUSPENDED: (gettext_lazy("판매가 정지되었습니다"), gettext_lazy("%(name)s의 판매가 정지되었습니다.")),
}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def vendor_status_notify_task(*, event_id: int) -> int:
    """Tell the vendor's owners about a status change, once per event."""
    with transaction.atomic():
        event = VendorStatusEvent.objects.select_for_update().select_related("vendor").get(pk=event_id)
        if event.notified_at:
            return 0
        message = _STATUS_MESSAGES.get(event.to_status)
        if event.to_status == VendorStatus.APPROVED and event.from_status == VendorStatus.SUSPENDED:
            message = (_("판매가 재개되었습니다"), _("%(name)s의 판매가 재개되었습니다."))
        sent = 0
        if message:
            title, body = message
            body = body % {"name": event.vendor.name}
            if event.reason:
                body += "\n" + _("사유: %(reason)s") % {"reason": event.reason}
            sent = vendor_notify(
                event.vendor, title=title, body=body,
                url=reverse("vendors:application", args=[event.vendor_id]), key=f"vendor-event:{event.pk}",
            )
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    logger.info("vendor %s event %s: %s notified", event.vendor_id, event.pk, sent)
    return sent


@shared_task
def vendor_certifications_check_task() -> dict:
    """Daily: certification reminders and expiry (beat schedule in settings)."""
    result = vendor_certifications_check()
    logger.info("certification check: %s", result)
    return result


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def vendor_renewal_requested_notify_task(*, renewal_id: int) -> int:
    """Tell the operators a renewed certificate waits for them."""
    from accounts.models import User
    from accounts.services import notification_create

    renewal = CertificationRenewal.objects.select_related("vendor").get(pk=renewal_id)
    url = reverse("admin:vendors_certificationrenewal_change", args=[renewal.pk])
    count = 0
    for operator in User.objects.filter(is_staff=True, is_active=True):
        notification_create(
            user=operator, title=_("인증 갱신 확인 요청: %(name)s") % {"name": renewal.vendor.name},
            url=url, key=f"renewal-requested:{renewal.pk}:u{operator.pk}",
        )
        count += 1
    return count


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def vendor_renewal_decided_notify_task(*, renewal_id: int) -> int:
    renewal = CertificationRenewal.objects.select_related("vendor").get(pk=renewal_id)
    if renewal.status == RenewalStatus.CONFIRMED:
        title = _("인증 갱신이 확인되었습니다")
        body = _("새 인증 유효기간 만료일(%(date)s)이 반영되었습니다.") % {"date": renewal.valid_until}
    else:
        title = _("인증 갱신이 반려되었습니다")
        body = _("사유: %(reason)s") % {"reason": renewal.reason}
    return vendor_notify(
        renewal.vendor, title=title, body=body, url=reverse("vendors:renewal", args=[renewal.vendor_id]),
        key=f"renewal-decided:{renewal.pk}",
    )
