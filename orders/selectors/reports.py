"""Operator sales reports: by month (with a chart), vendor, category, region and enterprise type.

Revenue (매출) here is what buyers paid, net of refunds: for the orders paid in a month
(Korean calendar), the sum of their totals (goods + shipping − discount) minus every
refund made on them. A refund counts against the month the order was paid in, so a
month's figure does not move when an old order is refunded. Orders are the paid orders
that were not cancelled as a whole; the average order is revenue ÷ orders, rounded half
up to the won. This is the definition `seed_demo` reproduces for 2017, to the won.

By vendor, region and type the paid vendor orders are summed (goods + shipping − the
vendor order's share of the coupon discount − refunds: what buyers paid for each vendor's
part, so the vendors add up to the monthly figure), by the moment each vendor order
was paid — the same moment as its order, stamped in the same transaction — so no join to
the orders is needed. By category the goods lines of vendor orders neither cancelled nor
refunded are summed (no shipping: it belongs to no category), so that table adds up to
less than the monthly one.

Every table is one or two queries in the database (filtered sums per month; GROUP BY
vendor or product); the breakdowns by region and type are rolled up in Python from the
per-vendor rows (a few hundred at most).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Category, Product
from ddasum.charts import MonthBar, monthly_bars_svg
from ddasum.spreadsheets import excel_csv
from vendors.models import EnterpriseType, Region, Vendor

from ..models import Order, OrderLine, OrderStatus, VendorOrder, VendorOrderStatus

# Vendor orders whose goods did not stay sold (for the category table).
UNSOLD = (VendorOrderStatus.CANCELLED, VendorOrderStatus.REFUNDED, VendorOrderStatus.PENDING_PAYMENT)


def _seoul():
    return timezone.get_default_timezone()


def period_bounds(year: int, month: int | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a year, or of one month of it, in Korean time."""
    first = date(year, month or 1, 1)
    if month and month < 12:
        after = date(year, month + 1, 1)
    else:
        after = date(year + 1, 1, 1)
    tz = _seoul()
    return (timezone.make_aware(datetime.combine(first, time.min), tz),
            timezone.make_aware(datetime.combine(after, time.min), tz))


def average(total: int, count: int) -> int:
    """total ÷ count in whole won, rounded half up (0 when there is nothing to divide)."""
    return (2 * total + count) // (2 * count) if count else 0


def share(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


class _Commas:
    """`row.revenue_c` is '1,234,500': str.format, as the humanize filter is slow over a thousand rows."""
    def __init__(self, name: str):
        self.name = name

    def __get__(self, obj, owner=None):
        return self if obj is None else f"{getattr(obj, self.name):,}"


# --- by month -------------------------------------------------------------------------------


@dataclass
class MonthRow:
    month: int
    gross: int = 0  # totals of the orders paid in the month
    refunds: int = 0  # refunded on those orders
    orders: int = 0

    revenue_c, orders_c, average_c, refunds_c = (_Commas(n) for n in ("revenue", "orders", "average", "refunds"))

    @property
    def revenue(self) -> int:
        return self.gross - self.refunds

    @property
    def average(self) -> int:
        return average(self.revenue, self.orders)


@dataclass
class MonthlyReport:
    year: int
    months: list[MonthRow]

    revenue_c, orders_c, average_c, refunds_c = (_Commas(n) for n in ("revenue", "orders", "average", "refunds"))

    @property
    def revenue(self) -> int:
        return sum(m.revenue for m in self.months)

    @property
    def orders(self) -> int:
        return sum(m.orders for m in self.months)

    @property
    def refunds(self) -> int:
        return sum(m.refunds for m in self.months)

    @property
    def average(self) -> int:
        return average(self.revenue, self.orders)


def sales_by_month(*, year: int) -> MonthlyReport:
    """Revenue, orders and average order of each month of `year`.

    Two queries, each one pass over the year's rows with a filtered SUM/COUNT per month
    (Korean month bounds): no per-row time-zone arithmetic and no sort, which a GROUP BY
    on the month would need.
    """
    start, end = period_bounds(year)
    order_sums, refund_sums = {}, {}
    for m in range(1, 13):
        month_start, month_end = period_bounds(year, m)
        paid_in = Q(paid_at__gte=month_start, paid_at__lt=month_end)
        order_sums[f"gross_{m}"] = Sum("total", filter=paid_in)
        order_sums[f"orders_{m}"] = Count("pk", filter=paid_in & ~Q(status=OrderStatus.CANCELLED))
        refund_sums[f"refunds_{m}"] = Sum("refunded_amount",
                                          filter=Q(order__paid_at__gte=month_start, order__paid_at__lt=month_end))
    orders = Order.objects.filter(paid_at__gte=start, paid_at__lt=end).aggregate(**order_sums)
    refunds = VendorOrder.objects.filter(
        order__paid_at__gte=start, order__paid_at__lt=end, refunded_amount__gt=0).aggregate(**refund_sums)
    months = [MonthRow(m, gross=orders[f"gross_{m}"] or 0, orders=orders[f"orders_{m}"] or 0,
                       refunds=refunds[f"refunds_{m}"] or 0) for m in range(1, 13)]
    return MonthlyReport(year=year, months=months)


def report_years() -> list[int]:
    """Years with paid orders, newest first (always including this year)."""
    bounds = Order.objects.filter(paid_at__isnull=False).aggregate(first=Min("paid_at"), last=Max("paid_at"))
    this_year = timezone.localdate().year
    if not bounds["first"]:
        return [this_year]
    first = timezone.localtime(bounds["first"]).year
    last = max(timezone.localtime(bounds["last"]).year, this_year)
    years = range(first, last + 1)
    # Only years that have sales, by one cheap range probe each (paid_at is indexed).
    return [y for y in reversed(years) if y == this_year or Order.objects.filter(
        paid_at__gte=period_bounds(y)[0], paid_at__lt=period_bounds(y)[1]).exists()]


# --- by vendor, region, enterprise type -------------------------------------------------------


@dataclass
class GroupRow:
    key: str
    label: str
    revenue: int = 0
    refunds: int = 0
    orders: int = 0
    vendors: int = 0
    share: float = 0.0
    extra: dict = field(default_factory=dict)

    revenue_c, orders_c, average_c, refunds_c = (_Commas(n) for n in ("revenue", "orders", "average", "refunds"))

    @property
    def quantity_c(self) -> str:
        return f"{self.extra.get('quantity', 0):,}"

    @property
    def average(self) -> int:
        return average(self.revenue, self.orders)


def _vendor_totals(start, end) -> list[dict]:
    return list(
        VendorOrder.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .values("vendor_id").order_by("vendor_id")
        .annotate(gross=Sum(F("total") - F("discount")), refunds=Sum("refunded_amount"),
                  orders=Count("pk", filter=~Q(status__in=(VendorOrderStatus.CANCELLED, VendorOrderStatus.REFUNDED))))
    )


def _shares(rows: list[GroupRow]) -> list[GroupRow]:
    whole = sum(r.revenue for r in rows)
    for r in rows:
        r.share = share(r.revenue, whole)
    return rows


def sales_by_vendor(*, year: int, month: int | None = None) -> list[GroupRow]:
    start, end = period_bounds(year, month)
    totals = _vendor_totals(start, end)
    vendors = {v[0]: v for v in Vendor.objects.filter(pk__in=[t["vendor_id"] for t in totals]).values_list(
        "pk", "name", "region", "enterprise_type", "business_number")}
    # Labels looked up once (get_FOO_display per row costs more than the query at a thousand vendors).
    regions = {value: str(label) for value, label in Region.choices}
    types = {value: str(label) for value, label in EnterpriseType.choices}
    rows = []
    for t in totals:
        pk, name, region, enterprise_type, business_number = vendors[t["vendor_id"]]
        rows.append(GroupRow(
            key=str(pk), label=name, revenue=t["gross"] - t["refunds"], refunds=t["refunds"], orders=t["orders"],
            vendors=1, extra={"region": regions.get(region, region), "type": types.get(enterprise_type, enterprise_type),
                              "business_number": business_number},
        ))
    rows.sort(key=lambda r: (-r.revenue, r.label))
    return _shares(rows)


def _rollup(year: int, month: int | None, attribute: str, choices) -> list[GroupRow]:
    start, end = period_bounds(year, month)
    totals = _vendor_totals(start, end)
    of_vendor = dict(Vendor.objects.filter(pk__in=[t["vendor_id"] for t in totals]).values_list("pk", attribute))
    rows = {value: GroupRow(key=value, label=str(label)) for value, label in choices}
    for t in totals:
        row = rows[of_vendor[t["vendor_id"]]]
        row.revenue += t["gross"] - t["refunds"]
        row.refunds += t["refunds"]
        row.orders += t["orders"]
        row.vendors += 1
    return _shares(list(rows.values()))


def sales_by_region(*, year: int, month: int | None = None) -> list[GroupRow]:
    """Chungnam's 15 cities and counties in their usual order, each with its vendors' sales."""
    return _rollup(year, month, "region", Region.choices)


def sales_by_enterprise_type(*, year: int, month: int | None = None) -> list[GroupRow]:
    return _rollup(year, month, "enterprise_type", EnterpriseType.choices)


def sales_by_category(*, year: int, month: int | None = None) -> list[GroupRow]:
    """Goods sold per top-level category (lines of vendor orders that stayed sold), by the product sold."""
    start, end = period_bounds(year, month)
    per_product = (
        OrderLine.objects.filter(vendor_order__paid_at__gte=start, vendor_order__paid_at__lt=end)
        .exclude(vendor_order__status__in=UNSOLD)
        .values("product_id_snapshot").order_by("product_id_snapshot")
        .annotate(amount=Sum("line_total"), quantity=Sum("quantity"), lines=Count("pk"))
    )
    per_product = list(per_product)
    categories = list(Category.objects.all())
    top = {c.pk: (c.parent_id or c.pk) for c in categories}
    rows = {c.pk: GroupRow(key=c.slug, label=c.name, extra={"quantity": 0})
            for c in categories if c.parent_id is None}
    unknown = GroupRow(key="unknown", label=_("(분류를 알 수 없음)"), extra={"quantity": 0})
    product_ids = [p["product_id_snapshot"] for p in per_product if p["product_id_snapshot"]]
    category_of = {}
    for chunk in range(0, len(product_ids), 10_000):
        category_of.update(Product.objects.filter(pk__in=product_ids[chunk:chunk + 10_000])
                           .values_list("pk", "category_id"))
    for p in per_product:
        category_id = category_of.get(p["product_id_snapshot"])
        row = rows.get(top.get(category_id), unknown)
        row.revenue += p["amount"]
        row.orders += p["lines"]
        row.extra["quantity"] += p["quantity"]
    result = list(rows.values()) + ([unknown] if unknown.revenue else [])
    return _shares(result)


# --- the chart --------------------------------------------------------------------------------


def monthly_chart_svg(report: MonthlyReport, *, width: int = 760, height: int = 320) -> str:
    """Revenue per month as an SVG bar chart (ddasum.charts)."""
    bars = [MonthBar(month=m.month, value=m.revenue, count=m.orders) for m in report.months]
    return monthly_bars_svg(bars, year=report.year, title=_("%(year)s년 월별 매출") % {"year": report.year},
                            css_class="sales-chart", value_attr="revenue", colour="#e8590c", width=width,
                            height=height)


# --- CSV --------------------------------------------------------------------------------------


def csv_bytes(header, rows) -> bytes:
    """A table as CSV in UTF-8 with a BOM, so Excel reads the Korean."""
    return excel_csv([header, *rows])


def monthly_csv(report: MonthlyReport) -> bytes:
    rows = [(f"{report.year}-{m.month:02d}", m.revenue, m.orders, m.average, m.refunds) for m in report.months]
    rows.append((_("합계"), report.revenue, report.orders, report.average, report.refunds))
    return csv_bytes((_("월"), _("매출(원)"), _("주문 수"), _("평균 주문액(원)"), _("환불(원)")), rows)


def group_csv(kind: str, rows: list[GroupRow]) -> bytes:
    if kind == "vendors":
        header = (_("입점기업"), _("사업자등록번호"), _("시군"), _("기업 유형"), _("매출(원)"), _("주문 수"),
                  _("평균 주문액(원)"), _("환불(원)"), _("비중(%)"))
        body = [(r.label, r.extra["business_number"], r.extra["region"], r.extra["type"], r.revenue, r.orders,
                 r.average, r.refunds, r.share) for r in rows]
    elif kind == "categories":
        header = (_("분류"), _("상품 판매액(원)"), _("수량"), _("주문 상품 줄 수"), _("비중(%)"))
        body = [(r.label, r.revenue, r.extra["quantity"], r.orders, r.share) for r in rows]
    else:
        header = (GROUP_COLUMN[kind], _("매출(원)"), _("주문 수"), _("평균 주문액(원)"), _("환불(원)"), _("판매 기업 수"),
                  _("비중(%)"))
        body = [(r.label, r.revenue, r.orders, r.average, r.refunds, r.vendors, r.share) for r in rows]
    return csv_bytes(header, body)


# The first column's heading of each breakdown.
GROUP_COLUMN = {"vendors": gettext_lazy("입점기업"), "categories": gettext_lazy("분류"),
                "regions": gettext_lazy("시군"), "types": gettext_lazy("기업 유형")}
