"""Vendor performance (입점기업 성과), computed nightly, and the exit-rule suggestions its thresholds raise.

vendors keeps the rows (VendorPerformance) but knows nothing of sales: the apps that own the
records register a metrics provider here from their AppConfig.ready() (orders: shipping,
cancellations, returns; reviews: answers to questions, review average; procurement: answers to
quote requests), the way procurement registers its document-access rule. A provider is

    provider(*, vendor_ids: list[int], start: datetime, end: datetime) -> {vendor_id: {field: value}}

with fields of VendorPerformance. Records count in a window by when they began (an order by its
payment, a question or quote request by when it was asked, a review by when it was written).

A run rewrites every vendor's row as of today, so a night the beat missed is made up by the next
run; running it twice changes nothing. Thresholds (settings.VENDOR_EXIT_THRESHOLDS) open one
suggestion per vendor and metric for the operator; nothing is ever applied automatically.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    PARTNER_READ_STATUSES,
    ExitSuggestion,
    SanctionKind,
    Vendor,
    VendorPerformance,
    VendorSanction,
    VendorStatus,
)

logger = logging.getLogger(__name__)

_providers: list[Callable] = []


def performance_provider_register(provider: Callable) -> Callable:
    """Add a metrics provider; apps call this from their AppConfig.ready()."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def rate(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent to one decimal (half up); None when there is nothing to rate."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def average_hours(durations: list[timedelta]) -> Decimal | None:
    """The mean of `durations` in hours to one decimal; None for none."""
    if not durations:
        return None
    seconds = sum(d.total_seconds() for d in durations) / len(durations)
    return (Decimal(str(seconds)) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def average(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


METRIC_FIELDS = (
    "paid_orders", "ship_due_orders", "shipped_on_time", "on_time_rate", "vendor_cancels", "vendor_cancel_rate",
    "delivered_orders", "returns", "return_rate", "questions_answered", "question_answer_hours",
    "quotes_answered", "quote_answer_hours", "review_count", "review_avg",
)


@dataclass(frozen=True)
class Threshold:
    metric: str  # a VendorPerformance field
    setting: str  # its key in settings.VENDOR_EXIT_THRESHOLDS
    below: bool  # True: a suggestion when the value is under the threshold; False: over it
    records: str  # the count the value stands on (at least `min_records` of them)
    label: str


THRESHOLDS = (
    Threshold("on_time_rate", "on_time_rate_min", True, "ship_due_orders", _("기한 내 발송률")),
    Threshold("vendor_cancel_rate", "vendor_cancel_rate_max", False, "paid_orders", _("판매자 취소율")),
    Threshold("return_rate", "return_rate_max", False, "delivered_orders", _("반품률")),
    Threshold("question_answer_hours", "question_answer_hours_max", False, "questions_answered",
              _("문의 평균 답변 시간")),
    Threshold("quote_answer_hours", "quote_answer_hours_max", False, "quotes_answered", _("견적 평균 회신 시간")),
    Threshold("review_avg", "review_avg_min", True, "review_count", _("평균 평점")),
)
THRESHOLD_LABELS = {t.metric: t.label for t in THRESHOLDS}


def vendor_performance_compute(*, vendor_ids: list[int], start: datetime, end: datetime) -> dict[int, dict]:
    """Every registered provider's fields for each vendor over [start, end), with empty values for what none gave."""
    empty = {name: None if name.endswith(("_rate", "_hours", "_avg")) else 0 for name in METRIC_FIELDS}
    result = {pk: dict(empty) for pk in vendor_ids}
    for provider in _providers:
        for vendor_id, fields in provider(vendor_ids=vendor_ids, start=start, end=end).items():
            unknown = set(fields) - set(METRIC_FIELDS)
            if unknown:
                raise ValueError(f"{provider.__name__} gave unknown fields {sorted(unknown)}")
            result[vendor_id].update(fields)
    return result


def _breached(threshold: Threshold, row: VendorPerformance) -> tuple[Decimal, Decimal] | None:
    limits = settings.VENDOR_EXIT_THRESHOLDS
    value = getattr(row, threshold.metric)
    if value is None or getattr(row, threshold.records) < limits.get("min_records", 0):
        return None
    limit = Decimal(str(limits[threshold.setting]))
    if (value < limit) if threshold.below else (value > limit):
        return Decimal(value), limit
    return None


def suggested_kind(vendor: Vendor, *, now: datetime) -> str:
    """The next step of the exit rules: a warning first, a suspension after a warning in 90 days, then termination."""
    if vendor.status == VendorStatus.SUSPENDED:
        return SanctionKind.TERMINATION
    warned = VendorSanction.objects.filter(vendor=vendor, kind=SanctionKind.WARNING,
                                           created_at__gte=now - timedelta(days=90)).exists()
    return SanctionKind.SUSPENSION if warned else SanctionKind.WARNING


def _suggestions_open(rows: list[VendorPerformance], vendors: dict[int, Vendor], *, now: datetime) -> list[ExitSuggestion]:
    already = set(ExitSuggestion.objects.filter(vendor_id__in=vendors, closed_at__isnull=True)
                  .values_list("vendor_id", "metric"))
    new = []
    for row in rows:
        vendor = vendors[row.vendor_id]
        if vendor.status not in (VendorStatus.APPROVED, VendorStatus.SUSPENDED):
            continue
        for threshold in THRESHOLDS:
            breach = _breached(threshold, row)
            if breach is None or (row.vendor_id, threshold.metric) in already:
                continue
            value, limit = breach
            new.append(ExitSuggestion(vendor=vendor, metric=threshold.metric, value=value, threshold=limit,
                                      suggested_kind=suggested_kind(vendor, now=now), created_at=now))
    return ExitSuggestion.objects.bulk_create(new)


@dataclass
class RefreshResult:
    rows: int
    suggestions: int


@transaction.atomic
def vendor_performance_refresh(*, now: datetime | None = None) -> RefreshResult:
    """Rewrite every partner vendor's performance rows as of `now` and open suggestions past the thresholds."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    vendors = Vendor.objects.filter(status__in=PARTNER_READ_STATUSES).in_bulk()
    ids = sorted(vendors)
    windows = settings.VENDOR_PERFORMANCE_WINDOWS
    rows = []
    first_window_rows = []
    for days in windows:
        metrics = vendor_performance_compute(vendor_ids=ids, start=now - timedelta(days=days), end=now)
        for vendor_id in ids:
            row = VendorPerformance(vendor_id=vendor_id, window_days=days, as_of=today, computed_at=now,
                                    **metrics[vendor_id])
            rows.append(row)
            if days == windows[0]:
                first_window_rows.append(row)
    VendorPerformance.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["vendor", "window_days"],
        update_fields=["as_of", "computed_at", *METRIC_FIELDS],
    )
    suggestions = _suggestions_open(first_window_rows, vendors, now=now)
    logger.info("vendor performance as of %s: %s rows, %s new suggestions", today, len(rows), len(suggestions))
    return RefreshResult(rows=len(rows), suggestions=len(suggestions))


def vendor_performance_get(vendor_id: int) -> VendorPerformance | None:
    """The vendor's row for the first (shown) window, or None before the first run."""
    return VendorPerformance.objects.filter(
        vendor_id=vendor_id, window_days=settings.VENDOR_PERFORMANCE_WINDOWS[0]).first()
