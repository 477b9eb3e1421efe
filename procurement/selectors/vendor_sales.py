"""A vendor's own sales report (partner admin): shop (B2C) and public procurement (B2G), by month,
channel, product and the buyers' region (시도).

B2C counts what the settlements count: the vendor's orders confirmed (구매 확정) in the period,
by Korean calendar dates, with the settlement's arithmetic (orders.services.settlements):

    sales (매출)  = items + shipping − refunds − the discount the vendor funds
    commission   = the settlement's commission, per vendor order, rounded half up
    payout       = sales − commission

so a month's B2C figures are the month's settlement, to the won (a test holds them together).
Orders paid but not yet confirmed are not sales yet here; the operator's report counts by payment.

B2G counts what the priority-purchase reports count (procurement.selectors.reports): the vendor's
verified PurchaseRecords by purchase date (구매일), including outside purchases the operator verified.

Channels: 쇼핑몰 (order lines sold at the regular price), 기획전 (lines sold in a campaign), 공공구매.
Shipping, refunds and vendor-funded discounts belong to a vendor order, not to a line, so the
channel table shows them on a row of their own and adds up to the period's sales.

Regions: the 시도 of the delivery postal code for B2C, of the agency's postal code for B2G.

A report is nine queries whatever the number of orders (each table one GROUP BY or one filtered
aggregate in the database).
"""
from dataclasses import dataclass, field
from datetime import date

from django.db.models import BigIntegerField, Count, Exists, ExpressionWrapper, F, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.charts import MonthBar, monthly_bars_svg
from ddasum.postal_regions import LABELS as SIDO_LABELS
from ddasum.postal_regions import SIDO, UNKNOWN, sido_of_prefix
from ddasum.spreadsheets import Sheet
from orders.models import OrderLine
from orders.services.settlements import (
    commission_base,
    commission_expression,
    finished,
    month_period,
    period_bounds,
    vendor_refunds,
)

from ..models import PurchaseOrderLine, PurchaseRecord, RecordStatus

MONTHS = range(1, 13)


def _kst_bounds(year: int, month: int | None):
    """[start, end) datetimes of a year or one month of it, Korean calendar (the settlements' bounds)."""
    if month:
        return period_bounds(*month_period(year, month))
    return period_bounds(date(year, 1, 1), date(year, 12, 31))


def _date_bounds(year: int, month: int | None) -> tuple[date, date]:
    """[first day, last day] of a year or a month (purchase dates are dates)."""
    return month_period(year, month) if month else (date(year, 1, 1), date(year, 12, 31))


def _share(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


# --- rows -------------------------------------------------------------------------------------


@dataclass
class MonthRow:
    month: int
    orders: int = 0
    items: int = 0
    shipping: int = 0
    refunds: int = 0
    discounts: int = 0
    commission: int = 0
    b2g: int = 0
    b2g_count: int = 0
    b2g_outside: int = 0  # of b2g: outside purchases (no purchase order, so no products)

    @property
    def b2c(self) -> int:
        return self.items + self.shipping - self.refunds - self.discounts

    @property
    def payout(self) -> int:
        return self.b2c - self.commission

    @property
    def total(self) -> int:
        return self.b2c + self.b2g

    def add(self, other: "MonthRow") -> None:
        for name in ("orders", "items", "shipping", "refunds", "discounts", "commission", "b2g", "b2g_count",
                     "b2g_outside"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Row:
    """A line of the channel, product or region table."""

    key: str
    label: str
    b2c: int = 0
    b2c_quantity: int = 0
    b2g: int = 0
    b2g_quantity: int = 0
    share: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.b2c + self.b2g

    @property
    def quantity(self) -> int:
        return self.b2c_quantity + self.b2g_quantity


@dataclass
class VendorSalesReport:
    vendor: object
    year: int
    month: int | None
    months: list[MonthRow]
    by_channel: list[Row]
    by_product: list[Row]
    by_region: list[Row]

    @property
    def year_total(self) -> MonthRow:
        total = MonthRow(month=0)
        for m in self.months:
            total.add(m)
        return total

    @property
    def period(self) -> MonthRow:
        """The figures of the chosen month, or of the whole year."""
        return self.months[self.month - 1] if self.month else self.year_total


# --- queries ----------------------------------------------------------------------------------


def _completed(vendor, year: int, month: int | None = None):
    start, end = _kst_bounds(year, month)
    return finished().filter(vendor=vendor, completed_at__gte=start, completed_at__lt=end)


def _records(vendor, year: int, month: int | None = None):
    first, last = _date_bounds(year, month)
    return PurchaseRecord.objects.filter(vendor=vendor, status=RecordStatus.VERIFIED,
                                         purchased_on__gte=first, purchased_on__lte=last)


def _months(vendor, year: int) -> list[MonthRow]:
    """Two queries: the confirmed vendor orders' settlement sums and the verified records, per month."""
    b2c, b2g = {}, {}
    commission = commission_expression(commission_base())
    for m in MONTHS:
        start, end = _kst_bounds(year, m)
        in_month = Q(completed_at__gte=start, completed_at__lt=end)
        b2c.update({f"orders_{m}": Count("pk", filter=in_month), f"items_{m}": Sum("items_total", filter=in_month),
                    f"shipping_{m}": Sum("shipping_fee", filter=in_month),
                    f"refunds_{m}": Sum(vendor_refunds(), filter=in_month),
                    f"discounts_{m}": Sum("vendor_discount", filter=in_month),
                    f"commission_{m}": Sum(commission, filter=in_month)})
        first, last = _date_bounds(year, m)
        on = Q(purchased_on__gte=first, purchased_on__lte=last)
        b2g.update({f"b2g_{m}": Sum("total", filter=on), f"b2g_count_{m}": Count("pk", filter=on),
                    f"b2g_outside_{m}": Sum("total", filter=on & Q(purchase_order__isnull=True))})
    sales = _completed(vendor, year).aggregate(**b2c)
    records = _records(vendor, year).aggregate(**b2g)
    names = ("orders", "items", "shipping", "refunds", "discounts", "commission")
    return [MonthRow(month=m, **{n: sales[f"{n}_{m}"] or 0 for n in names},
                     **{n: records[f"{n}_{m}"] or 0 for n in ("b2g", "b2g_count", "b2g_outside")})
            for m in MONTHS]


def _channels(vendor, year: int, month: int | None, period: MonthRow) -> list[Row]:
    """One query: the goods of the period's confirmed orders at the regular price and in campaigns."""
    lines = OrderLine.objects.filter(vendor_order__in=_completed(vendor, year, month))
    in_campaign = Q(campaign_id__isnull=False)
    sums = lines.aggregate(
        shop=Coalesce(Sum("line_total", filter=~in_campaign), 0), shop_qty=Coalesce(Sum("quantity", filter=~in_campaign), 0),
        campaign=Coalesce(Sum("line_total", filter=in_campaign), 0),
        campaign_qty=Coalesce(Sum("quantity", filter=in_campaign), 0),
    )
    rows = [
        Row(key="shop", label=_("쇼핑몰"), b2c=sums["shop"], b2c_quantity=sums["shop_qty"]),
        Row(key="campaign", label=_("기획전"), b2c=sums["campaign"], b2c_quantity=sums["campaign_qty"]),
        Row(key="procurement", label=_("공공구매"), b2g=period.b2g, extra={"count": period.b2g_count}),
        Row(key="other", label=_("배송비 − 환불 − 기업 부담 할인"),
            b2c=period.shipping - period.refunds - period.discounts),
    ]
    whole = period.total
    for r in rows:
        r.share = _share(r.total, whole)
    return rows


def _products(vendor, year: int, month: int | None, period: MonthRow) -> list[Row]:
    """Two queries: goods sold in the shop per product; purchase-order lines of verified records per product."""
    shop = (OrderLine.objects.filter(vendor_order__in=_completed(vendor, year, month))
            .values("product_id_snapshot").order_by("product_id_snapshot")
            .annotate(amount=Sum("line_total"), quantity=Sum("quantity"), name=Max("product_name")))
    first, last = _date_bounds(year, month)
    recorded = PurchaseRecord.objects.filter(purchase_order=OuterRef("purchase_order"), status=RecordStatus.VERIFIED,
                                             purchased_on__gte=first, purchased_on__lte=last)
    public = (PurchaseOrderLine.objects.filter(Exists(recorded), purchase_order__vendor=vendor)
              .values("product_id").order_by("product_id")
              .annotate(amount=Sum("amount"), quantity=Sum("quantity"), name=Max("name")))
    rows: dict[str, Row] = {}
    for g in shop:
        key = str(g["product_id_snapshot"] or f"name:{g['name']}")
        row = rows.setdefault(key, Row(key=key, label=g["name"]))
        row.b2c += g["amount"]
        row.b2c_quantity += g["quantity"]
    for g in public:
        key = str(g["product_id"] or f"name:{g['name']}")
        row = rows.setdefault(key, Row(key=key, label=g["name"]))
        row.b2g += g["amount"]
        row.b2g_quantity += g["quantity"]
    result = sorted(rows.values(), key=lambda r: (-r.total, r.label))
    if period.b2g_outside:
        result.append(Row(key="outside", label=_("(플랫폼 외 구매: 품목 없음)"), b2g=period.b2g_outside))
    whole = sum(r.total for r in result)
    for r in result:
        r.share = _share(r.total, whole)
    return result


def _regions(vendor, year: int, month: int | None) -> list[Row]:
    """Two queries: sales per first two digits of the delivery postal code, records per the agency's."""
    sales = ExpressionWrapper(F("items_total") + F("shipping_fee") - vendor_refunds() - F("vendor_discount"),
                              output_field=BigIntegerField())
    shop = (_completed(vendor, year, month).annotate(prefix=Substr("order__postal_code", 1, 2))
            .values("prefix").order_by("prefix").annotate(amount=Sum(sales), count=Count("pk")))
    public = (_records(vendor, year, month).annotate(prefix=Substr("agency__postal_code", 1, 2))
              .values("prefix").order_by("prefix").annotate(amount=Sum("total"), count=Count("pk")))
    rows = {key: Row(key=key, label=str(label)) for key, label, _prefixes in SIDO}
    rows[UNKNOWN] = Row(key=UNKNOWN, label=str(SIDO_LABELS[UNKNOWN]))
    for g in shop:
        row = rows[sido_of_prefix(g["prefix"])]
        row.b2c += g["amount"]
        row.b2c_quantity += g["count"]  # orders, for this table
    for g in public:
        row = rows[sido_of_prefix(g["prefix"])]
        row.b2g += g["amount"]
        row.b2g_quantity += g["count"]  # records
    result = [r for r in rows.values() if r.total or r.quantity]
    whole = sum(r.total for r in result)
    for r in result:
        r.share = _share(r.total, whole)
    return sorted(result, key=lambda r: (-r.total, r.key == UNKNOWN))


def vendor_sales_report(*, vendor, year: int, month: int | None = None) -> VendorSalesReport:
    """The vendor's sales of `year` (tables for `month` of it when given); nine queries."""
    months = _months(vendor, year)
    period = months[month - 1] if month else None
    if period is None:
        period = MonthRow(month=0)
        for m in months:
            period.add(m)
    return VendorSalesReport(
        vendor=vendor, year=year, month=month, months=months,
        by_channel=_channels(vendor, year, month, period), by_product=_products(vendor, year, month, period),
        by_region=_regions(vendor, year, month),
    )


def vendor_sales_years(vendor) -> list[int]:
    """Years with confirmed orders or verified records, and this year, newest first (two queries)."""
    this_year = timezone.localdate().year
    years = {this_year}
    first_sale = finished().filter(vendor=vendor).aggregate(
        first=Min("completed_at"))["first"]
    first_record = PurchaseRecord.objects.filter(vendor=vendor, status=RecordStatus.VERIFIED).aggregate(
        first=Min("purchased_on"))["first"]
    starts = [timezone.localtime(first_sale).year if first_sale else None, first_record.year if first_record else None]
    start = min([y for y in starts if y] or [this_year])
    years.update(range(start, this_year + 1))
    return sorted(years, reverse=True)


# --- chart and exports ------------------------------------------------------------------------


def vendor_sales_chart_svg(report: VendorSalesReport) -> str:
    """Each month's sales (shop and procurement together) as bars (ddasum.charts)."""
    bars = [MonthBar(month=m.month, value=m.total, count=m.orders + m.b2g_count) for m in report.months]
    return monthly_bars_svg(bars, year=report.year, title=_("%(year)s년 월별 매출") % {"year": report.year},
                            css_class="vendor-sales-chart", value_attr="total", colour="#2f6fb0")


MONTH_HEADINGS = (gettext_lazy("월"), gettext_lazy("구매 확정 주문"), gettext_lazy("상품 금액"), gettext_lazy("배송비"),
                  gettext_lazy("환불"), gettext_lazy("기업 부담 할인"), gettext_lazy("쇼핑몰 매출"), gettext_lazy("수수료"),
                  gettext_lazy("정산 지급액"), gettext_lazy("공공구매"), gettext_lazy("공공구매 건수"),
                  gettext_lazy("매출 합계"))


def _month_cells(label, m: MonthRow) -> list:
    return [label, m.orders, m.items, m.shipping, m.refunds, m.discounts, m.b2c, m.commission, m.payout, m.b2g,
            m.b2g_count, m.total]


def vendor_sales_sheets(report: VendorSalesReport) -> list[Sheet]:
    """The report as sheets: months first (the CSV is that one), then channels, products, regions."""
    period = (_("%(year)s년 %(month)s월") % {"year": report.year, "month": report.month} if report.month
              else _("%(year)s년") % {"year": report.year})
    monthly = Sheet(title=_("월별"), widths=[10] + [14] * 11, freeze_panes="A5")
    monthly.heading(_("%(name)s %(year)s년 매출") % {"name": report.vendor.name, "year": report.year})
    monthly.add(_("사업자등록번호"), report.vendor.business_number)
    monthly.blank()
    monthly.heading(*[str(h) for h in MONTH_HEADINGS])
    for m in report.months:
        monthly.add(*_month_cells(f"{report.year}-{m.month:02d}", m))
    monthly.add(*_month_cells(_("합계"), report.year_total))

    def table(title: str, first: str, rows: list[Row], b2c_qty: str, b2g_qty: str) -> Sheet:
        sheet = Sheet(title=title, widths=[30, 14, 10, 14, 10, 14, 8])
        sheet.heading(f"{period} {title}")
        sheet.heading(first, _("쇼핑몰(원)"), b2c_qty, _("공공구매(원)"), b2g_qty, _("합계(원)"), _("비중(%)"))
        for r in rows:
            sheet.add(r.label, r.b2c, r.b2c_quantity, r.b2g, r.b2g_quantity, r.total, r.share)
        sheet.add(_("합계"), sum(r.b2c for r in rows), sum(r.b2c_quantity for r in rows), sum(r.b2g for r in rows),
                  sum(r.b2g_quantity for r in rows), sum(r.total for r in rows), 100.0 if rows else 0.0)
        return sheet

    return [
        monthly,
        table(_("채널별"), _("채널"), report.by_channel, _("수량"), _("건수")),
        table(_("상품별"), _("상품"), report.by_product, _("수량"), _("수량")),
        table(_("지역별"), _("시도"), report.by_region, _("주문 수"), _("건수")),
    ]

