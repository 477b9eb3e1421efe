"""Demo vendor performance and exit rules: every vendor's numbers, a warned vendor, one suggestion.

Runs last (in the reviews step), after every record the numbers read. The demo's vendor
(vendor1@ddasum.kr) has shipped most of its recent orders late: the operator warned it, and
the thresholds now suggest a suspension, which waits in the operator's list. Idempotent: the
late shipments are dated the same way each run, the warning is made once, the open
suggestion is not repeated.
"""
import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from orders.models import StatusEvent, VendorOrder, VendorOrderStatus
from vendors.models import ExitSuggestion, SanctionKind, VendorPerformance, VendorSanction
from vendors.performance import vendor_performance_refresh

from .vendors import demo_vendor1

WARNING_REASON = "최근 주문의 발송이 약속한 기한(결제 후 2일)을 자주 넘깁니다. 발송 일정을 점검해 주세요."
LATE_DAYS = 4


def _ship_late(vendor) -> int:
    """Date the vendor's recent shipments LATE_DAYS after payment, all but every third one (and their events)."""
    since = timezone.now() - timedelta(days=80)
    shipped = list(VendorOrder.objects.filter(vendor=vendor, paid_at__gte=since, shipped_at__isnull=False)
                   .order_by("paid_at", "pk"))
    late = [vo for n, vo in enumerate(shipped) if n % 3]
    for vo in late:
        when = vo.paid_at + timedelta(days=LATE_DAYS)
        VendorOrder.objects.filter(pk=vo.pk).update(shipped_at=when)
        StatusEvent.objects.filter(vendor_order=vo, to_status=VendorOrderStatus.SHIPPED).update(created_at=when)
    return len(late)


def seed(*, stdout, rng: random.Random) -> None:
    vendor = demo_vendor1()
    operator = User.objects.filter(is_staff=True).order_by("pk").first()
    if vendor is None or operator is None:
        stdout.write("  데모 입점기업이 없어 성과를 만들지 않습니다")
        return
    late = _ship_late(vendor)
    if not VendorSanction.objects.filter(vendor=vendor, kind=SanctionKind.WARNING).exists():
        VendorSanction.objects.create(vendor=vendor, kind=SanctionKind.WARNING, reason=WARNING_REASON, actor=operator,
                                      created_at=timezone.now() - timedelta(days=rng.randint(10, 20)))
    result = vendor_performance_refresh()
    stdout.write(f"  입점기업 성과 {VendorPerformance.objects.count()}줄 (늦은 발송 {late}건 반영), "
                 f"경고 {VendorSanction.objects.filter(kind=SanctionKind.WARNING).count()}건, "
                 f"처리 대기 제안 {ExitSuggestion.objects.filter(closed_at__isnull=True).count()}건 "
                 f"(새로 {result.suggestions}건)")
