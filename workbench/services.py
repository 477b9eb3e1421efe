"""The daily digest: each vendor's members get the dashboard's counts in one message a day.

Sent by the beat (workbench.vendor_digests_send_task) to every member of an approved vendor that
has something to do, unless the member switched the kind "오늘 할 일 요약" off in their notice
settings. The message is keyed by vendor, Korean date and member, so runs that repeat in a day
send nothing twice and a day the beat missed is simply today's digest on the next run.
"""
import logging
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import absolute_url
from notifications.services import Recipient, kind_opted_out, notify
from vendors.models import Vendor, VendorStatus

from .selectors import todo_counts_by_vendor, todo_rows

logger = logging.getLogger(__name__)

DIGEST_KIND = "vendor_digest"


def _digest_context(vendor: Vendor, rows, *, today) -> dict:
    lines = [f"- {row.label}: {row.count}" + (f" ({row.detail})" if row.detail else "") for row in rows]
    total = sum(row.count for row in rows)
    title = _("%(vendor)s 오늘 할 일 %(count)s건") % {"vendor": vendor.name, "count": total}
    body = "\n".join([_("%(date)s 기준으로 처리할 일입니다.") % {"date": f"{today:%Y-%m-%d}"}, *lines])
    links = "\n".join(f"- {row.label}: {absolute_url(row.url)}" for row in rows)
    mail = "\n\n".join([body, _("입점기업 관리자: %(url)s") % {"url": absolute_url(reverse("partner:index"))}, links,
                        _("이 요약은 알림 설정에서 끌 수 있습니다.")])
    return {"title": title, "body": body, "url": reverse("partner:index"),
            "email_subject": f"[따숨몰] {title}", "email_body": mail}


def vendor_digests_send(*, now: datetime | None = None) -> int:
    """Send today's digest to the members of every approved vendor with something to do; how many were sent now."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    vendors = {v.pk: v for v in Vendor.objects.filter(status=VendorStatus.APPROVED)}
    counts = todo_counts_by_vendor(vendor_ids=list(vendors), now=now)
    sent = 0
    for vendor_id in sorted(counts):
        rows = todo_rows(counts[vendor_id], now=now)
        if not rows:
            continue
        vendor = vendors[vendor_id]
        context = _digest_context(vendor, rows, today=today)
        members = User.objects.filter(vendor_memberships__vendor=vendor, is_active=True).distinct().order_by("pk")
        for user in members:
            if kind_opted_out(user, DIGEST_KIND):
                continue
            sent += notify(DIGEST_KIND, Recipient.member(user), context,
                           f"vendor-digest:{vendor_id}:{today:%Y%m%d}:u{user.pk}", now=now)
    logger.info("vendor digests sent: %s", sent)
    return sent
