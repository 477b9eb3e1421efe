"""The campaign report: what a campaign sold, per vendor and per product, against the time before it.

Definitions (the page says them too):

- **During** is [campaign start, campaign end) — or [start, now) while the campaign is still
  live, so a running campaign is compared fairly. **Before** is the same length of time just
  before the start.
- A sale is an order line placed in the window (the moment of placement decides the price, so
  it decides the window), of a vendor order that was paid and stayed sold: vendor orders
  pending payment, cancelled (expired orders are cancelled), returned or refunded are left out
  as a whole. Partial refunds do not exist in the shop (a refund is the whole vendor order).
- The lines counted are those of the campaign's approved items (the whole product, or the one
  variant the item names) — the same products in both windows — plus any line the checkout
  recorded as sold at this campaign's price (an item withdrawn later still counts).
- **Revenue** is what buyers paid for those goods: line totals less each line's share of a
  coupon discount; shipping is not attributed to products. **Units** are quantities;
  **campaign-price units** are the units whose line records this campaign. **Orders** are
  distinct orders (an order with two of the campaign's products counts once; per vendor, once
  per vendor).
- **Visitors** are page views of the campaign page (CampaignVisit, per Korean day): the days
  the window touches, against as many days before.

Every figure is one grouped query whatever the number of orders: per product, per vendor and
the totals (three GROUP BY / aggregate queries over the lines of both windows, each window a
filtered SUM/COUNT), the items, and the visits.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignItem, CampaignVisit, ItemStatus
from catalog.models import Product
from ddasum.spreadsheets import excel_csv
from vendors.models import Vendor

from ..models import OrderLine, VendorOrderStatus

V = VendorOrderStatus
# Vendor orders whose goods did not stay sold.
NOT_SOLD = (V.PENDING_PAYMENT, V.CANCELLED, V.RETURNED, V.REFUNDED)


def change_percent(now: int, before: int) -> float | None:
    """Growth of `now` over `before` in % (one decimal); None when there was nothing before."""
    if not before:
        return None
    return round((now - before) * 100 / before, 1)


@dataclass
class Figures:
    orders: int = 0
    revenue: int = 0
    units: int = 0
    campaign_units: int = 0


@dataclass
class Row:
    key: int
    label: str
    vendor_name: str = ""
    during: Figures = field(default_factory=Figures)
    before: Figures = field(default_factory=Figures)

    @property
    def revenue_change(self) -> float | None:
        return change_percent(self.during.revenue, self.before.revenue)

    @property
    def units_change(self) -> float | None:
        return change_percent(self.during.units, self.before.units)


@dataclass
class Window:
    start: datetime
    end: datetime

    @property
    def empty(self) -> bool:
        return self.end <= self.start


@dataclass
class CampaignReport:
    campaign: Campaign
    during: Window
    before: Window
    vendors: list[Row]
    products: list[Row]
    total: Row
    visits_during: int
    visits_before: int
    scoped: bool  # a vendor's view: only its own items and rows
    live: bool

    @property
    def visits_change(self) -> float | None:
        return change_percent(self.visits_during, self.visits_before)


def report_windows(campaign: Campaign, now: datetime | None = None) -> tuple[Window, Window]:
    now = now or timezone.now()
    end = min(campaign.ends_at, max(now, campaign.starts_at))
    length = end - campaign.starts_at
    return Window(campaign.starts_at, end), Window(campaign.starts_at - length, campaign.starts_at)


def _aggregates(during: Window, before: Window, campaign_id: int) -> dict:
    in_during = Q(order__placed_at__gte=during.start, order__placed_at__lt=during.end)
    in_before = Q(order__placed_at__gte=before.start, order__placed_at__lt=before.end)
    paid = F("line_total") - F("discount")
    return {
        "d_orders": Count("order_id", distinct=True, filter=in_during),
        "d_revenue": Sum(paid, filter=in_during),
        "d_units": Sum("quantity", filter=in_during),
        "d_campaign_units": Sum("quantity", filter=in_during & Q(campaign_id=campaign_id)),
        "b_orders": Count("order_id", distinct=True, filter=in_before),
        "b_revenue": Sum(paid, filter=in_before),
        "b_units": Sum("quantity", filter=in_before),
    }


def _figures(values: dict, prefix: str) -> Figures:
    return Figures(orders=values.get(f"{prefix}orders") or 0, revenue=values.get(f"{prefix}revenue") or 0,
                   units=values.get(f"{prefix}units") or 0, campaign_units=values.get(f"{prefix}campaign_units") or 0)


def _visits(campaign: Campaign, during: Window) -> tuple[int, int]:
    if during.empty:
        return 0, 0
    first = timezone.localdate(during.start)
    last = timezone.localdate(during.end - timedelta(microseconds=1))
    days = (last - first).days + 1
    sums = CampaignVisit.objects.filter(campaign=campaign, day__gte=first - timedelta(days=days),
                                        day__lte=last).aggregate(
        during=Sum("count", filter=Q(day__gte=first)), before=Sum("count", filter=Q(day__lt=first)))
    return sums["during"] or 0, sums["before"] or 0


def campaign_report(*, campaign: Campaign, vendor_ids=None, now: datetime | None = None) -> CampaignReport:
    """The report of `campaign`; with `vendor_ids`, only those vendors' items and sales."""
    during, before = report_windows(campaign, now)
    items = CampaignItem.objects.filter(campaign=campaign, status=ItemStatus.APPROVED)
    if vendor_ids is not None:
        items = items.filter(vendor_id__in=vendor_ids)
    items = list(items.select_related("product", "vendor").order_by("vendor__name", "product__name", "pk"))
    whole_products = {i.product_id for i in items if i.variant_id is None}
    variants = {i.variant_id for i in items if i.variant_id is not None}

    lines = OrderLine.objects.filter(
        Q(product_id_snapshot__in=whole_products) | Q(variant_id__in=variants) | Q(campaign_id=campaign.pk),
        order__placed_at__gte=before.start, order__placed_at__lt=during.end,
        vendor_order__paid_at__isnull=False,
    ).exclude(vendor_order__status__in=NOT_SOLD)
    if vendor_ids is not None:
        lines = lines.filter(vendor_order__vendor_id__in=vendor_ids)
    aggregates = _aggregates(during, before, campaign.pk)

    products: dict[int, Row] = {}
    vendors: dict[int, Row] = {}
    for item in items:
        products.setdefault(item.product_id, Row(item.product_id, item.product.name, item.vendor.name))
        vendors.setdefault(item.vendor_id, Row(item.vendor_id, item.vendor.name))
    for values in lines.values("product_id_snapshot").order_by("product_id_snapshot").annotate(**aggregates):
        pk = values["product_id_snapshot"] or 0
        row = products.get(pk)
        if row is None:
            row = products[pk] = Row(pk, "", "")
        row.during, row.before = _figures(values, "d_"), _figures(values, "b_")
    for values in lines.values("vendor_order__vendor_id").order_by("vendor_order__vendor_id").annotate(**aggregates):
        row = vendors.get(values["vendor_order__vendor_id"])
        if row is None:
            row = vendors[values["vendor_order__vendor_id"]] = Row(values["vendor_order__vendor_id"], "")
        row.during, row.before = _figures(values, "d_"), _figures(values, "b_")
    totals = lines.aggregate(**aggregates)
    total = Row(0, _("합계"), during=_figures(totals, "d_"), before=_figures(totals, "b_"))
    _name_strays(products, vendors)
    visits_during, visits_before = _visits(campaign, during)
    def order(r):
        return (-r.during.revenue, -r.before.revenue, r.vendor_name, r.label)

    return CampaignReport(
        campaign=campaign, during=during, before=before,
        vendors=sorted(vendors.values(), key=order), products=sorted(products.values(), key=order), total=total,
        visits_during=visits_during, visits_before=visits_before, scoped=vendor_ids is not None,
        live=campaign.is_live(now),
    )


def _name_strays(products: dict[int, Row], vendors: dict[int, Row]) -> None:
    """Names of rows that came from sales lines only (an item withdrawn after selling): one query each kind."""
    missing = [pk for pk, row in products.items() if not row.label]
    if missing:
        for pk, name, vendor_name in Product.objects.filter(pk__in=missing).values_list("pk", "name", "vendor__name"):
            products[pk].label, products[pk].vendor_name = name, vendor_name
    missing = [pk for pk, row in vendors.items() if not row.label]
    if missing:
        for pk, name in Vendor.objects.filter(pk__in=missing).values_list("pk", "name"):
            vendors[pk].label = name
    for row in [*products.values(), *vendors.values()]:
        row.label = row.label or _("(삭제된 항목)")


# --- CSV --------------------------------------------------------------------------------------


def report_csv(report: CampaignReport) -> bytes:
    """The report as CSV (UTF-8 with a BOM, so Excel reads the Korean): totals, vendors, products."""
    header = (_("구분"), _("입점기업"), _("상품"),
              _("기획전 기간 주문 수"), _("기획전 기간 매출(원)"), _("기획전 기간 수량"), _("기획전 가격 판매 수량"),
              _("이전 기간 주문 수"), _("이전 기간 매출(원)"), _("이전 기간 수량"), _("매출 증감(%)"))

    def line(kind, vendor, product, row: Row):
        change = row.revenue_change
        return (kind, vendor, product, row.during.orders, row.during.revenue, row.during.units,
                row.during.campaign_units, row.before.orders, row.before.revenue, row.before.units,
                "" if change is None else change)

    rows = [line(_("합계"), "", "", report.total)]
    rows += [line(_("입점기업"), r.label, "", r) for r in report.vendors]
    rows += [line(_("상품"), r.vendor_name, r.label, r) for r in report.products]
    rows.append((_("기획전 페이지 방문"), "", "", report.visits_during, "", "", "", report.visits_before, "", "",
                "" if report.visits_change is None else report.visits_change))
    period = (_("기간"), f"{_when(report.during.start)} ~ {_when(report.during.end)}",
              f"{_when(report.before.start)} ~ {_when(report.before.end)}")
    return excel_csv([(report.campaign.title,), period, header, *rows])


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
