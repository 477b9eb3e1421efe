"""What needs doing today, for a vendor (or every vendor a member or an operator may see).

`todo_counts` reads each app's rows with one aggregate query per app (eight in all, whatever the
number of vendors and rows), either summed over the vendors or grouped by vendor for the daily
digest; `todo_rows` turns the counts into labelled rows with their links, oldest first inside
each link. The rules of what counts are each app's own (overdue_q from orders, the low-stock
rule of the partner admin's filter, the certification thresholds of vendors).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ProductStatus, ProductVariant
from ddasum.business_days import business_days_between
from orders.models import Claim, Settlement, SettlementStatus, VendorOrder, VendorOrderStatus
from orders.selectors.todo import claims_waiting_q
from orders.services.late_shipping import overdue_q
from procurement.models import QuoteStatus, RequestStatus, VendorQuote
from reviews.models import Question
from vendors.models import CERTIFIED_TYPES, Vendor, VendorStatus

V = VendorOrderStatus

# A certification this close to its end (or past it) is on the list (vendors reminds at 30 and 7).
CERT_WARN_DAYS = 30
# The oldest orders to confirm or ship listed by name on the dashboard.
OLDEST_ORDERS = 5


@dataclass
class TodoCounts:
    """The counts, and the date each list's oldest (or most urgent) entry started."""

    to_confirm: int = 0
    to_confirm_since: datetime | None = None
    to_ship: int = 0
    to_ship_since: datetime | None = None
    overdue: int = 0
    overdue_since: date | None = None          # the earliest missed shipping day
    returns: int = 0
    # Per-line cancels, returns and exchanges (orders.Claim) waiting for the vendor.
    claims: int = 0
    claims_since: datetime | None = None
    questions: int = 0
    questions_since: datetime | None = None
    quotes: int = 0
    quotes_reply_by: date | None = None        # the agency's nearest deadline
    low_stock: int = 0
    cert_expiring: int = 0
    cert_valid_until: date | None = None
    settlements: int = 0
    settlement_period_end: date | None = None
    oldest_orders: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(getattr(self, name) for name in COUNTED)


COUNTED = ("to_confirm", "to_ship", "overdue", "returns", "claims", "questions", "quotes", "low_stock",
           "cert_expiring", "settlements")


def _scoped(qs, vendor_ids, path="vendor_id"):
    return qs if vendor_ids is None else qs.filter(**{f"{path}__in": vendor_ids})


def _sources(today: date):
    """(queryset, vendor path, aggregates) for each app: one query each, whatever is counted."""
    waiting_orders = VendorOrder.objects.filter(
        Q(status__in=(V.PAID, V.PREPARING, V.RETURN_REQUESTED)) & Q(paid_at__isnull=False))
    yield waiting_orders, "vendor_id", {
        "to_confirm": Count("pk", filter=Q(status=V.PAID)),
        "to_confirm_since": Min("paid_at", filter=Q(status=V.PAID)),
        "to_ship": Count("pk", filter=Q(status=V.PREPARING)),
        "to_ship_since": Min("paid_at", filter=Q(status=V.PREPARING)),
        "overdue": Count("pk", filter=overdue_q(today)),
        "overdue_since": Min("ship_by", filter=overdue_q(today)),
        "returns": Count("pk", filter=Q(status=V.RETURN_REQUESTED)),
    }
    yield Question.objects.filter(answered_at__isnull=True), "vendor_id", {
        "questions": Count("pk"), "questions_since": Min("created_at"),
    }
    yield VendorQuote.objects.filter(status=QuoteStatus.REQUESTED, request__status=RequestStatus.OPEN,
                                     request__reply_by__gte=today), "vendor_id", {
        "quotes": Count("pk"), "quotes_reply_by": Min("request__reply_by"),
    }
    # The partner admin's "부족 (알림 기준 이하)" filter, on what is offered for sale.
    yield ProductVariant.objects.filter(track_stock=True, stock__lte=F("low_stock_threshold"), is_active=True,
                                        product__status=ProductStatus.ON_SALE), "product__vendor_id", {
        "low_stock": Count("pk"),
    }
    yield Vendor.objects.filter(status=VendorStatus.APPROVED, enterprise_type__in=CERTIFIED_TYPES,
                                cert_valid_until__lte=today + timedelta(days=CERT_WARN_DAYS)), "pk", {
        "cert_expiring": Count("pk"), "cert_valid_until": Min("cert_valid_until"),
    }
    # Per-line cancels, returns and exchanges waiting for the vendor's decision or its next step.
    yield Claim.objects.filter(claims_waiting_q()), "vendor_order__vendor_id", {
        "claims": Count("pk"), "claims_since": Min("created_at"),
    }
    # A statement built and waiting for its payout: the vendor reads and checks it now.
    yield Settlement.objects.filter(status=SettlementStatus.CONFIRMED), "vendor_id", {
        "settlements": Count("pk"), "settlement_period_end": Min("period_end"),
    }


def todo_counts(*, vendor_ids, now: datetime | None = None) -> TodoCounts:
    """Everything waiting for these vendors (None = every vendor), summed; eight queries."""
    today = timezone.localdate(now or timezone.now())
    counts = TodoCounts()
    for qs, path, aggregates in _sources(today):
        _set(counts, _scoped(qs, vendor_ids, path).aggregate(**aggregates))
    counts.oldest_orders = list(
        _scoped(VendorOrder.objects.filter(status__in=(V.PAID, V.PREPARING), paid_at__isnull=False), vendor_ids)
        .select_related("vendor").only("number", "status", "paid_at", "ship_by", "vendor__name")
        .order_by("paid_at", "pk")[:OLDEST_ORDERS])
    return counts


def todo_counts_by_vendor(*, vendor_ids, now: datetime | None = None) -> dict[int, TodoCounts]:
    """The same counts for each of these vendors (None = every vendor), in seven grouped queries."""
    today = timezone.localdate(now or timezone.now())
    by_vendor: dict[int, TodoCounts] = {}
    for qs, path, aggregates in _sources(today):
        rows = _scoped(qs, vendor_ids, path).order_by().values(path).annotate(**aggregates)
        for row in rows:
            _set(by_vendor.setdefault(row.pop(path), TodoCounts()), row)
    return by_vendor


@dataclass(frozen=True)
class TodoRow:
    key: str
    label: str
    count: int
    detail: str
    url: str


def _set(counts: TodoCounts, values: dict) -> None:
    for name, value in values.items():
        setattr(counts, name, value if value is not None else (0 if name in COUNTED else None))


def _days_since(moment: datetime, today: date) -> int:
    return (today - timezone.localdate(moment)).days


def todo_rows(counts: TodoCounts, *, now: datetime | None = None) -> list[TodoRow]:
    """The dashboard's (and the digest's) rows: what, how many, since when, where to do it."""
    today = timezone.localdate(now or timezone.now())
    orders = reverse("partner:orders_vendororder_changelist")
    rows = []

    def add(key, label, count, detail, url):
        if count:
            rows.append(TodoRow(key, str(label), count, detail, url))

    if counts.to_confirm_since:
        add("to_confirm", _("발주 확인할 주문"), counts.to_confirm,
            _("가장 오래된 주문 %(days)s일째") % {"days": _days_since(counts.to_confirm_since, today)},
            f"{orders}?todo=confirm")
    if counts.to_ship_since:
        add("to_ship", _("발송할 주문"), counts.to_ship,
            _("가장 오래된 주문 %(days)s일째") % {"days": _days_since(counts.to_ship_since, today)},
            f"{orders}?todo=ship")
    if counts.overdue_since:
        add("overdue", _("발송 기한이 지난 주문"), counts.overdue,
            _("기한 %(date)s부터 영업일 %(days)s일 지남") % {
                "date": f"{counts.overdue_since:%Y-%m-%d}",
                "days": business_days_between(counts.overdue_since, today)},
            f"{orders}?todo=overdue")
    add("returns", _("반품 요청"), counts.returns, "", f"{orders}?todo=returns")
    if counts.claims_since:
        add("claims", _("취소·반품·교환 요청(상품별)"), counts.claims,
            _("가장 오래된 요청 %(days)s일째") % {"days": _days_since(counts.claims_since, today)},
            f"{orders}?todo=claims")
    if counts.questions_since:
        add("questions", _("답변을 기다리는 상품문의"), counts.questions,
            _("가장 오래된 문의 %(days)s일째") % {"days": _days_since(counts.questions_since, today)},
            reverse("partner:reviews_question_changelist") + "?answered_at__isempty=1")
    if counts.quotes_reply_by:
        add("quotes", _("회신할 견적요청"), counts.quotes,
            _("가장 가까운 회신 기한 %(date)s") % {"date": f"{counts.quotes_reply_by:%Y-%m-%d}"},
            reverse("procurement:vendor_quote_list") + "?status=requested")
    add("low_stock", _("재고 부족 옵션"), counts.low_stock, _("알림 기준 이하"),
        reverse("partner:catalog_productvariant_changelist") + "?stock_state=low")
    if counts.cert_valid_until:
        expired = counts.cert_valid_until < today
        add("certification", _("인증 만료") if expired else _("인증 만료 예정"), counts.cert_expiring,
            _("유효기간 %(date)s") % {"date": f"{counts.cert_valid_until:%Y-%m-%d}"},
            reverse("partner:vendors_vendor_changelist"))
    if counts.settlement_period_end:
        add("settlement", _("확인할 정산서"), counts.settlements,
            _("%(date)s까지의 정산") % {"date": f"{counts.settlement_period_end:%Y-%m-%d}"},
            reverse("partner:orders_settlement_changelist") + "?status__exact=confirmed")
    return rows
