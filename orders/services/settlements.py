"""Settlements with vendors (정산): what each vendor is paid for a period, and the statement.

A settlement covers the vendor orders finished within the period, by Korean calendar dates:
confirmed by the buyer (completed), or refunded in full with money the vendor keeps (every line
returned one by one, a return fee deducted; `finished`). Each vendor order is settled once (its SettlementLine is
one-to-one) and carries the commission rate it was sold at, so a later change of the
vendor's rate never touches what was sold before.

    commission = (items_total − refunded_items − vendor_discount) × commission_rate / 100, rounded half up
                 to the won, per vendor order (refunded_items: goods of lines cancelled or returned one by one)
    payout     = items_total + shipping_fee − vendor refunds − commission − vendor_discount
    vendor refunds = refunded_amount + refunded_subsidy (what the buyer got back, and the operator-funded
                 coupon share of lines cancelled or returned one by one, which the operator no longer pays)

Coupons: `vendor_discount` is the part of the order's coupon discount this vendor funds (all of
its share for a vendor-funded coupon, none for an operator-funded one). A vendor-funded discount
lowers the payout and the commission is taken on what the vendor actually sold for; an
operator-funded discount is the operator's own promotion: the vendor is paid and charged
commission as if the buyer had paid the full price. `items_total` is at the prices the goods
were sold at (a campaign price is the vendor's own offer).

Building is idempotent: the settlement of a vendor and period is made once; running it
again returns it unchanged. A period can be settled only once it has ended, so no vendor
order completed later in the period is left out. The database does the arithmetic: one
GROUP BY for every vendor's totals, one INSERT … SELECT for every line, one block of
numbers from the counter, one bulk INSERT of the settlements' first event rows; a month of
100,000 vendor orders settles in about 2 s (bench/orders_bench.py).
"""
import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Func, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Round, TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum import jobs
from ddasum.documents import document_make_if_changed, fingerprint
from ddasum.models import Sequence
from ddasum.numbering import sequence_next
from ddasum.pdf import render_pdf
from ddasum.spreadsheets import excel_csv
from ddasum.transitions import StateMachine
from vendors.models import Vendor

from ..exceptions import InvalidTransition, OrderError
from ..models import (
    Document,
    DocumentKind,
    Settlement,
    SettlementEvent,
    SettlementLine,
    SettlementStatus,
    VendorOrder,
    VendorOrderStatus,
)

logger = logging.getLogger(__name__)


class SettlementError(OrderError):
    """The settlement cannot be built or changed as asked."""
def commission_of(items_total: int, rate) -> int:
    """The commission on `items_total` won at `rate` percent, rounded half up to the won.

    The one rounding rule of settlements. `commission_expression()` is the same arithmetic
    for the database (integer hundredths of a percent), so lines summed in SQL equal
    lines computed here; a test holds the two together.
    """
    if items_total < 0:
        raise ValueError("items_total must not be negative")
    exact = Decimal(items_total) * Decimal(str(rate)) / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class _IntDiv(Func):
    """Integer division of two integers (both databases truncate; the operands are never negative)."""

    arg_joiner = " / "
    template = "(%(expressions)s)"
    output_field = BigIntegerField()


def commission_expression(items="items_total", rate="commission_rate"):
    """`commission_of` in SQL: (items × rate in hundredths of a percent + 5000) ÷ 10000, whole won.

    `items` is a field name or an expression (e.g. `commission_base()`).
    """
    rate_hundredths = Cast(Round(F(rate) * 100), BigIntegerField())
    amount = F(items) if isinstance(items, str) else items
    product = ExpressionWrapper(Cast(amount, BigIntegerField()) * rate_hundredths + Value(5000),
                                output_field=BigIntegerField())
    return _IntDiv(product, Value(10000))


def vendor_refunds():
    """What refunds take from the vendor's payout: the money the buyer got back, plus the operator-funded
    coupon share of lines cancelled or returned one by one (refunded to the buyer net of it, so the vendor
    would otherwise keep a subsidy for goods it no longer sold). A return fee kept stays the vendor's."""
    return ExpressionWrapper(F("refunded_amount") + F("refunded_subsidy"), output_field=BigIntegerField())


def commission_base():
    """What commission is charged on: the goods sold (less lines cancelled or returned) less the discount the vendor funds."""
    return ExpressionWrapper(F("items_total") - F("refunded_items") - F("vendor_discount"),
                             output_field=BigIntegerField())


def vendor_order_commission(vendor_order) -> int:
    """`commission_of` for one vendor order (the same rule as the settlement's SQL)."""
    return commission_of(vendor_order.items_total - vendor_order.refunded_items - vendor_order.vendor_discount,
                         vendor_order.commission_rate)


def month_period(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_month(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    return month_period(last.year, last.month)


def period_bounds(period_start: date, period_end: date) -> tuple[datetime, datetime]:
    """[start, end) as aware datetimes: the period's first and last day are Korean calendar dates."""
    tz = timezone.get_default_timezone()  # Asia/Seoul
    start = timezone.make_aware(datetime.combine(period_start, time.min), tz)
    end = timezone.make_aware(datetime.combine(period_end + timedelta(days=1), time.min), tz)
    return start, end


def _check_period(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise SettlementError(_("정산 기간의 끝이 시작보다 앞설 수 없습니다."))
    if period_end >= timezone.localdate():
        # Orders completed later in an open period would never be settled.
        raise SettlementError(_("끝나지 않은 기간은 정산할 수 없습니다. 기간이 끝난 다음 날부터 정산하세요."))


def finished(qs=None):
    """The vendor orders settlements are made of, by `completed_at`: confirmed (구매 확정), and refunded in
    full with money the vendor keeps (every line returned one by one, a return fee deducted). A vendor order
    refunded to the last won keeps nothing and is left out."""
    qs = VendorOrder.objects.all() if qs is None else qs
    kept = ExpressionWrapper(F("items_total") + F("shipping_fee") - vendor_refunds() - F("vendor_discount"),
                             output_field=BigIntegerField())
    return qs.alias(kept=kept).filter(Q(status=VendorOrderStatus.COMPLETED)
                                      | Q(status=VendorOrderStatus.REFUNDED, kept__gt=0))


def settleable(*, period_start: date, period_end: date, vendor_ids=None):
    """Vendor orders finished (confirmed, or refunded with money kept) within the period and not settled yet."""
    start, end = period_bounds(period_start, period_end)
    qs = finished().filter(completed_at__gte=start, completed_at__lt=end, settlement_line__isnull=True)
    return qs if vendor_ids is None else qs.filter(vendor_id__in=vendor_ids)


def settlement_numbers(period_start: date, count: int) -> list[str]:
    """`count` numbers ST-YYYYMM-NNNN, counted per month of the period's start, from the locked sequence.

    `sequence_next` takes the first and leaves the counter row locked until this
    transaction ends; the rest of the block is taken with one UPDATE under that lock, so
    a thousand settlements cost two queries, not a thousand round trips.
    """
    if count <= 0:
        return []
    month = period_start.replace(day=1)
    first = sequence_next("settlement", day=month)
    if count > 1:
        Sequence.objects.filter(key="settlement", day=month).update(value=F("value") + (count - 1))
    return [f"ST-{month:%Y%m}-{n:04d}" for n in range(first, first + count)]


def _lines_insert(orders, *, period_start: date, period_end: date) -> int:
    """One SettlementLine per vendor order of `orders`, written by one INSERT … SELECT.

    The SELECT is the ORM's (the commission is `commission_expression()`); the database
    computes and writes every line without a row passing through Python.
    """
    settlement_id = Subquery(Settlement.objects.filter(
        vendor_id=OuterRef("vendor_id"), period_start=period_start, period_end=period_end).values("pk")[:1])
    commission = commission_expression(commission_base())
    payout = ExpressionWrapper(F("items_total") + F("shipping_fee") - vendor_refunds() - commission
                               - F("vendor_discount"), output_field=BigIntegerField())
    # Only annotations are selected, so the SELECT's columns come in exactly this order.
    columns = {"settlement_id": settlement_id, "vendor_order_id": F("pk"), "items_total": F("items_total"),
               "shipping_fee": F("shipping_fee"), "refunded_amount": vendor_refunds(),
               "commission": commission, "vendor_discount": F("vendor_discount"), "payout": payout}
    aliases = {f"line_{name}": expression for name, expression in columns.items()}
    select = orders.order_by().annotate(**aliases).values(*aliases)
    if list(select.query.annotation_select) != list(aliases):
        raise RuntimeError("the SELECT's columns are not in the INSERT's order")
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(SettlementLine._meta.db_table)
    names = ", ".join(connection.ops.quote_name(SettlementLine._meta.get_field(n).column) for n in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)
        return cursor.rowcount


def _build(*, period_start: date, period_end: date, vendor_ids: list[int] | None, notify: bool = True,
           actor=None) -> list[Settlement]:
    """Settlements for the vendors with settleable orders (all vendors when `vendor_ids` is None).

    Each gets its first event row ("" → confirmed), written with one bulk insert like the settlements.
    """
    if vendor_ids is not None:
        candidates = sorted(set(vendor_ids))
    else:
        candidates = sorted(
            settleable(period_start=period_start, period_end=period_end)
            .order_by("vendor_id").values_list("vendor_id", flat=True).distinct()
        )
    if not candidates:
        return []
    # One builder at a time per vendor: lock the vendors, in key order, before reading.
    list(Vendor.objects.select_for_update().filter(pk__in=candidates).order_by("pk").values_list("pk", flat=True))
    done = set(
        Settlement.objects.filter(vendor_id__in=candidates, period_start=period_start, period_end=period_end)
        .values_list("vendor_id", flat=True)
    )
    todo = [pk for pk in candidates if pk not in done]
    if not todo:
        return []
    orders = settleable(period_start=period_start, period_end=period_end, vendor_ids=todo)
    totals = {
        row["vendor_id"]: row
        for row in orders.values("vendor_id").order_by("vendor_id").annotate(
            order_count=Count("pk"), items=Sum("items_total"), shipping=Sum("shipping_fee"),
            refunds=Sum(vendor_refunds()), commission=Sum(commission_expression(commission_base())),
            discounts=Sum("vendor_discount"),
        )
    }
    # Every vendor asked for gets a settlement (of zero when it sold nothing); a period run only those with orders.
    vendors = [pk for pk in todo if pk in totals or vendor_ids is not None]
    numbers = settlement_numbers(period_start, len(vendors))
    empty = {"order_count": 0, "items": 0, "shipping": 0, "refunds": 0, "commission": 0, "discounts": 0}
    settlements = []
    for vendor_id, number in zip(vendors, numbers, strict=True):
        row = totals.get(vendor_id, empty)
        settlements.append(Settlement(
            vendor_id=vendor_id, number=number, period_start=period_start, period_end=period_end,
            order_count=row["order_count"], items_total=row["items"], shipping_total=row["shipping"],
            refund_total=row["refunds"], commission_total=row["commission"], discount_total=row["discounts"],
            payout=row["items"] + row["shipping"] - row["refunds"] - row["commission"] - row["discounts"],
            status=SettlementStatus.CONFIRMED,
        ))
    Settlement.objects.bulk_create(settlements)
    written = _lines_insert(orders, period_start=period_start, period_end=period_end)
    expected = sum(s.order_count for s in settlements)
    if written != expected:  # an order completed between the sums and the lines: nothing half-made, try again
        raise IntegrityError(f"settlement lines {written} != vendor orders {expected}")
    if not all(s.pk for s in settlements):  # a database that does not return keys from bulk inserts
        by_vendor = dict(Settlement.objects.filter(vendor_id__in=vendors, period_start=period_start,
                                                   period_end=period_end).values_list("vendor_id", "pk"))
        for s in settlements:
            s.pk = s.id = by_vendor[s.vendor_id]
    SETTLEMENT_MACHINE.record_created(settlements, actor=actor)
    if notify:
        ids = [s.pk for s in settlements]
        jobs.after_commit("orders.settlements_built_task", settlement_ids=ids)
    return settlements


@transaction.atomic
def settlement_build(*, vendor_id: int, period_start: date, period_end: date, actor=None) -> Settlement:
    """The vendor's settlement for the period: made once, the same one returned afterwards.

    A vendor with nothing completed in the period gets a settlement of zero (a statement
    that says so).
    """
    existing = Settlement.objects.filter(vendor_id=vendor_id, period_start=period_start, period_end=period_end).first()
    if existing:
        return existing
    _check_period(period_start, period_end)
    try:
        with transaction.atomic():
            built = _build(period_start=period_start, period_end=period_end, vendor_ids=[vendor_id], actor=actor)
    except IntegrityError:
        # Another builder made it (or settled one of these orders) first: its settlement is the answer.
        built = []
    settlement = built[0] if built else Settlement.objects.filter(
        vendor_id=vendor_id, period_start=period_start, period_end=period_end).first()
    if settlement is None:
        raise SettlementError(_("정산을 만들지 못했습니다. 잠시 후 다시 시도해 주세요."))
    if built:
        logger.info("settlement %s built for vendor %s (%s–%s) by %s", settlement.number, vendor_id,
                    period_start, period_end, getattr(actor, "pk", None))
    return settlement


@dataclass
class PeriodResult:
    created: list[Settlement]
    existing: int  # vendors already settled for the period (left as they were)

    @property
    def created_count(self) -> int:
        return len(self.created)


@transaction.atomic
def settlements_build_period(*, period_start: date, period_end: date, actor=None, notify: bool = True) -> PeriodResult:
    """Settle every vendor with completed orders in the period; vendors already settled are left alone.

    `notify=False` is for history written by the demo seed: no notices about old periods.
    """
    _check_period(period_start, period_end)
    created = _build(period_start=period_start, period_end=period_end, vendor_ids=None, notify=notify, actor=actor)
    existing = Settlement.objects.filter(period_start=period_start, period_end=period_end).count() - len(created)
    logger.info("settlements %s–%s: %s built, %s already there (by %s)", period_start, period_end, len(created),
                existing, getattr(actor, "pk", None))
    return PeriodResult(created=created, existing=existing)


SETTLEMENT_TRANSITIONS = {
    SettlementStatus.DRAFT: frozenset({SettlementStatus.CONFIRMED}),
    SettlementStatus.CONFIRMED: frozenset({SettlementStatus.PAID}),
    SettlementStatus.PAID: frozenset(),
}


SETTLEMENT_MACHINE = StateMachine(
    transitions=SETTLEMENT_TRANSITIONS, choices=SettlementStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태의 정산은 지급 완료로 바꿀 수 없습니다."),
    stamps={SettlementStatus.PAID: "paid_at"}, event_model=SettlementEvent, event_fk="settlement",
)


@transaction.atomic
def settlement_mark_paid(*, settlement_id: int, actor) -> Settlement:
    """The operator has transferred the payout; the vendor is told. Marking it again changes nothing."""
    settlement = Settlement.objects.select_for_update().get(pk=settlement_id)
    if settlement.status == SettlementStatus.PAID:
        return settlement
    SETTLEMENT_MACHINE.move(settlement, SettlementStatus.PAID, actor=actor)
    logger.info("settlement %s marked paid by %s", settlement.number, getattr(actor, "pk", None))
    jobs.after_commit("orders.settlement_paid_notify_task", settlement_id=settlement.pk)
    jobs.after_commit("orders.settlement_pdf_task", settlement_id=settlement.pk)  # it shows the payment
    return settlement


CSV_HEADER = ("기업 주문번호", "주문번호", "구매 확정일", "상품 금액", "배송비", "환불", "수수료율(%)", "수수료", "지급액")


# With vendor-funded coupon discounts in the period, a column for them comes before the payout.
DISCOUNT_HEADER = "입점기업 부담 할인"


def csv_header(settlement: Settlement) -> tuple[str, ...]:
    """The statement's columns: CSV_HEADER, plus the vendor-funded discount when the settlement has any."""
    if not settlement.discount_total:
        return CSV_HEADER
    return (*CSV_HEADER[:-1], DISCOUNT_HEADER, CSV_HEADER[-1])


def settlement_lines(settlement: Settlement):
    return settlement.lines.select_related("vendor_order__order").order_by("vendor_order__completed_at", "pk")


def settlement_csv(settlement: Settlement) -> bytes:
    """The statement as CSV in UTF-8 with a BOM (so Excel opens the Korean as Korean)."""
    return excel_csv(_settlement_rows(settlement))


def _settlement_rows(settlement: Settlement):
    vendor = settlement.vendor
    yield ["정산서", settlement.number]
    yield ["입점기업", vendor.name, "사업자등록번호", vendor.business_number]
    yield ["정산 기간", f"{settlement.period_start:%Y-%m-%d}", f"{settlement.period_end:%Y-%m-%d}"]
    yield ["지급 계좌", vendor.bank_name, vendor.bank_account_number, vendor.bank_account_holder]
    yield ["상태", settlement.get_status_display(),
           timezone.localtime(settlement.paid_at).strftime("%Y-%m-%d") if settlement.paid_at else ""]
    yield []
    with_discount = bool(settlement.discount_total)
    yield csv_header(settlement)
    for line in settlement_lines(settlement).iterator(chunk_size=2000):
        vo = line.vendor_order
        yield [
            vo.number, vo.order.number,
            timezone.localtime(vo.completed_at).strftime("%Y-%m-%d") if vo.completed_at else "",
            line.items_total, line.shipping_fee, line.refunded_amount, vo.commission_rate, line.commission,
            *([line.vendor_discount] if with_discount else []), line.payout,
        ]
    yield [
        "합계", f"{settlement.order_count}건", "", settlement.items_total, settlement.shipping_total,
        settlement.refund_total, "", settlement.commission_total,
        *([settlement.discount_total] if with_discount else []), settlement.payout,
    ]


def settlement_filename(settlement: Settlement, ext: str) -> str:
    return f"{settlement.number}.{ext}"


PDF_TEMPLATE = "admin/orders/settlement/statement_pdf.html"


# Bump when the template changes what it shows: every statement is made again when next asked.
PDF_TEMPLATE_VERSION = 2


def _local_date(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""


def settlement_facts(settlement: Settlement) -> dict:
    """What the PDF statement shows, as plain data (its hash says when to make it again)."""
    vendor = settlement.vendor
    lines = [
        {"number": ln.vendor_order.number, "order_number": ln.vendor_order.order.number,
         "completed_on": _local_date(ln.vendor_order.completed_at), "items": ln.items_total,
         "shipping": ln.shipping_fee, "refunded": ln.refunded_amount, "rate": str(ln.vendor_order.commission_rate),
         "commission": ln.commission, "vendor_discount": ln.vendor_discount, "payout": ln.payout}
        for ln in settlement_lines(settlement)
    ]
    return {
        "v": PDF_TEMPLATE_VERSION,
        "settlement": {
            "number": settlement.number, "period_start": f"{settlement.period_start:%Y-%m-%d}",
            "period_end": f"{settlement.period_end:%Y-%m-%d}", "status": settlement.status,
            "status_label": str(settlement.get_status_display()), "paid_on": _local_date(settlement.paid_at),
            "issued_on": _local_date(settlement.created_at), "order_count": settlement.order_count,
            "items_total": settlement.items_total, "shipping_total": settlement.shipping_total,
            "refund_total": settlement.refund_total, "commission_total": settlement.commission_total,
            "discount_total": settlement.discount_total, "payout": settlement.payout,
        },
        "vendor": {
            "name": vendor.name, "business_number": vendor.business_number, "representative": vendor.representative,
            "address": vendor.full_address, "phone": vendor.phone, "bank_name": vendor.bank_name,
            "bank_account_number": vendor.bank_account_number, "bank_account_holder": vendor.bank_account_holder,
        },
        "operator": dict(settings.OPERATOR_INFO),
        "lines": lines,
    }


def settlement_document(settlement: Settlement) -> Document | None:
    return Document.objects.filter(kind=DocumentKind.SETTLEMENT, settlement=settlement).order_by("pk").first()


def settlement_document_is_current(settlement: Settlement, document: Document | None = None) -> bool:
    document = document or settlement_document(settlement)
    return bool(document and document.file and document.fingerprint == fingerprint(settlement_facts(settlement)))


def settlement_pdf_make(*, settlement_id: int) -> Document | None:
    """Make (or make again) the PDF statement if what it shows changed; None when it is current."""

    def load() -> Document:
        # The settlement row's lock: one Document per settlement, numbered once.
        settlement = Settlement.objects.select_for_update().select_related("vendor").get(pk=settlement_id)
        document = settlement_document(settlement) or Document(
            kind=DocumentKind.SETTLEMENT, number=settlement.number, created_at=timezone.now())
        document.settlement = settlement
        return document

    def render(document: Document, facts: dict) -> bytes:
        with translation.override("ko"):
            return render_pdf(PDF_TEMPLATE, {**facts, "title": _("정산서"), "number": document.settlement.number,
                                             "made_on": _local_date(timezone.now())})

    return document_make_if_changed(load=load, facts=lambda document: settlement_facts(document.settlement),
                                    render=render, name=lambda document: f"{document.settlement.number}.pdf")


def settlements_due_months(today: date | None = None) -> list[tuple[date, date]]:
    """Every ended month with completed vendor orders not settled yet, oldest first (Korean calendar months)."""
    today = today or timezone.localdate()
    this_month, _end = period_bounds(today.replace(day=1), today)
    months = (
        finished().filter(settlement_line__isnull=True, completed_at__lt=this_month)
        .annotate(month=TruncMonth("completed_at", tzinfo=timezone.get_default_timezone()))
        .order_by("month").values_list("month", flat=True).distinct()
    )
    periods = []
    for month in months:
        first = month.date() if isinstance(month, datetime) else month
        periods.append(month_period(first.year, first.month))
    return periods


def settlements_build_due(*, today: date | None = None) -> list[PeriodResult]:
    """Settle every ended month that has completed, unsettled vendor orders (the daily beat task).

    Not only the month that just ended: a run on any later day builds what earlier runs missed
    (a worker killed on the 1st, a beat that was down), each month in its own transaction.
    Safe to run again: a vendor settled for a month is left alone.
    """
    return [settlements_build_period(period_start=start, period_end=end)
            for start, end in settlements_due_months(today)]


def settlements_build_previous_month() -> PeriodResult:
    """Settle the month that just ended for every vendor. Safe to run again."""
    start, end = previous_month()
    return settlements_build_period(period_start=start, period_end=end)


def vendor_owed_settle(*, vendor_id: int, actor=None, today: date | None = None) -> list[Settlement]:
    """Settle everything a leaving vendor is owed now: each ended month with unsettled completed orders,
    and this month up to yesterday when it has any. Safe to run again (settlement_build is).

    Registered with vendors as a termination step (OrdersConfig.ready()), so it runs in the
    termination's transaction. Orders the vendor finishes afterwards are settled by the monthly run.
    """
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    this_month_start, _end = period_bounds(this_month, today)
    unsettled = finished().filter(vendor_id=vendor_id, settlement_line__isnull=True)
    months = (
        unsettled.filter(completed_at__lt=this_month_start)
        .annotate(month=TruncMonth("completed_at", tzinfo=timezone.get_default_timezone()))
        .order_by("month").values_list("month", flat=True).distinct()
    )
    periods = []
    for month in months:
        first = month.date() if isinstance(month, datetime) else month
        periods.append(month_period(first.year, first.month))
    yesterday = today - timedelta(days=1)
    if yesterday >= this_month and settleable(period_start=this_month, period_end=yesterday,
                                              vendor_ids=[vendor_id]).exists():
        periods.append((this_month, yesterday))
    return [settlement_build(vendor_id=vendor_id, period_start=start, period_end=end, actor=actor)
            for start, end in periods]
