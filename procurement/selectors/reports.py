"""Priority-purchase reports (우선구매 실적): the agency dashboard, the vendor view, the operator view.

What counts: verified PurchaseRecords (from accepted quotes, direct purchases, and outside
purchases the operator verified), by their purchase date (구매일) in the calendar year.
Outside purchases still waiting for the operator (pending) or refused (rejected) are
shown apart and never added to the totals. All money is integer won; the 과세 column is
the VAT-inclusive taxable amount as recorded.

Every table is one GROUP BY (or one filtered aggregate for the twelve months) in the
database; categories roll up to the mall's top-level categories in Python from one read
of the category table, and the region tables roll up from the per-agency and per-vendor
rows. So a report costs the same number of queries whatever the number of records.

Exports (XLSX with openpyxl, CSV in UTF-8 with a BOM for Excel) are built from the same
`Sheet` rows, so both files show the same cells.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Category
from ddasum.charts import MonthBar, monthly_bars_svg
from ddasum.spreadsheets import Sheet, excel_csv, excel_xlsx
from vendors.models import EnterpriseType, Region

from ..models import (
    AGENCY_REGION_CHOICES,
    AgencyKind,
    AgencyTarget,
    PublicAgency,
    PurchaseRecord,
    PurchaseSource,
    QuoteStatus,
    RecordStatus,
    RequestStatus,
    VendorQuote,
)

MONTHS = range(1, 13)
UNANSWERED_LIMIT = 200  # rows shown of the unanswered quotes (the count is exact)


def year_bounds(year: int) -> tuple[date, date]:
    """[first day, first day of the next year)."""
    return date(year, 1, 1), date(year + 1, 1, 1)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1))


def percent(part: int, whole: int) -> float | None:
    """part ÷ whole in percent, one decimal rounded half up; None without a whole."""
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def remind_after_days() -> int:
    return int(getattr(settings, "PROCUREMENT_REMIND_AFTER_DAYS", 3))


# --- rows -------------------------------------------------------------------------------------


@dataclass
class Row:
    """A line of a report table: amounts by tax type, the number of records, the share of the whole."""

    key: str
    label: str
    taxable: int = 0
    exempt: int = 0
    total: int = 0
    count: int = 0
    share: float = 0.0
    extra: dict = field(default_factory=dict)

    def add(self, taxable: int, exempt: int, total: int, count: int) -> None:
        self.taxable += taxable
        self.exempt += exempt
        self.total += total
        self.count += count

    def add_row(self, other: "Row") -> None:
        self.add(other.taxable, other.exempt, other.total, other.count)


def _sums(prefix: str = "", condition: Q | None = None) -> dict:
    kw = {"filter": condition} if condition is not None else {}
    return {
        f"{prefix}taxable": Coalesce(Sum("taxable_amount", **kw), 0),
        f"{prefix}exempt": Coalesce(Sum("exempt_amount", **kw), 0),
        f"{prefix}total": Coalesce(Sum("total", **kw), 0),
        f"{prefix}count": Count("pk", **kw),
    }


def _row_from(values: dict, key: str, label: str, prefix: str = "", **extra) -> Row:
    return Row(key=key, label=label, taxable=values[f"{prefix}taxable"], exempt=values[f"{prefix}exempt"],
               total=values[f"{prefix}total"], count=values[f"{prefix}count"], extra=extra)


def _group(records, *fields) -> list[dict]:
    """One GROUP BY over `records` with the sums of each group."""
    return list(records.values(*fields).order_by(*fields).annotate(**_sums()))


def _shares(rows: list[Row], whole: int | None = None) -> list[Row]:
    whole = sum(r.total for r in rows) if whole is None else whole
    for r in rows:
        r.share = percent(r.total, whole) or 0.0
    return rows


def _by_amount(rows) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.total, r.label))


def total_row(rows: list[Row], label: str | None = None) -> Row:
    total = Row(key="total", label=label or _("합계"))
    for r in rows:
        total.add_row(r)
    total.share = 100.0 if total.total else 0.0
    return total


def verified(records):
    return records.filter(status=RecordStatus.VERIFIED)


def records_of_year(year: int):
    start, end = year_bounds(year)
    return PurchaseRecord.objects.filter(purchased_on__gte=start, purchased_on__lt=end)


def _summary_and_months(records, year: int) -> tuple[Row, list[Row], Row, Row]:
    """One query: the verified total, each month's verified total, and the pending and rejected ones apart."""
    ok = Q(status=RecordStatus.VERIFIED)
    sums = {**_sums("v_", ok), **_sums("p_", Q(status=RecordStatus.PENDING)),
            **_sums("r_", Q(status=RecordStatus.REJECTED))}
    for m in MONTHS:
        start, end = month_bounds(year, m)
        sums.update(_sums(f"m{m}_", ok & Q(purchased_on__gte=start, purchased_on__lt=end)))
    values = records.aggregate(**sums)
    summary = _row_from(values, "total", _("합계"), "v_")
    months = [_row_from(values, str(m), _("%(month)s월") % {"month": m}, f"m{m}_", month=m) for m in MONTHS]
    _shares(months, summary.total)
    return summary, months, _row_from(values, "pending", _("확인 대기"), "p_"), \
        _row_from(values, "rejected", _("반려"), "r_")


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _by_type(records) -> list[Row]:
    """All six enterprise types in their usual order (the report lists each, with zeros)."""
    rows = {value: Row(key=value, label=label) for value, label in _labels(EnterpriseType.choices).items()}
    for g in _group(records, "enterprise_type"):
        row = rows.setdefault(g["enterprise_type"], Row(key=g["enterprise_type"], label=g["enterprise_type"]))
        row.add(g["taxable"], g["exempt"], g["total"], g["count"])
    return _shares(list(rows.values()))


def _by_source(records) -> list[Row]:
    rows = {value: Row(key=value, label=label) for value, label in _labels(PurchaseSource.choices).items()}
    for g in _group(records, "source"):
        rows[g["source"]].add(g["taxable"], g["exempt"], g["total"], g["count"])
    return _shares(list(rows.values()))


def _by_category(records) -> list[Row]:
    """Per top-level category of the mall (a sub-category counts for its parent), largest first."""
    groups = _group(records, "category_id")
    categories = {c.pk: c for c in Category.objects.only("pk", "name", "slug", "parent_id", "position")}
    rows: dict[int | None, Row] = {}
    for g in groups:
        category = categories.get(g["category_id"])
        top = categories.get(category.parent_id) if category and category.parent_id else category
        key = top.pk if top else None
        if key not in rows:
            rows[key] = (Row(key=top.slug, label=top.label, extra={"position": top.position}) if top
                         else Row(key="none", label=_("(분류 없음)"), extra={"position": 10_000}))
        rows[key].add(g["taxable"], g["exempt"], g["total"], g["count"])
    return _shares(_by_amount(rows.values()))


def _by_vendor(records) -> list[Row]:
    types, regions = _labels(EnterpriseType.choices), _labels(Region.choices)
    rows = [
        _row_from(g, str(g["vendor_id"]), g["vendor__name"], vendor_id=g["vendor_id"],
                  business_number=g["vendor__business_number"], region=g["vendor__region"],
                  region_label=regions.get(g["vendor__region"], g["vendor__region"]),
                  type=g["vendor__enterprise_type"],
                  type_label=types.get(g["vendor__enterprise_type"], g["vendor__enterprise_type"]))
        for g in _group(records, "vendor_id", "vendor__name", "vendor__business_number", "vendor__region",
                        "vendor__enterprise_type")
    ]
    return _shares(_by_amount(rows))


def _by_agency(records) -> list[Row]:
    kinds, regions = _labels(AgencyKind.choices), _labels(AGENCY_REGION_CHOICES)
    rows = [
        _row_from(g, str(g["agency_id"]), g["agency__name"], agency_id=g["agency_id"], kind=g["agency__kind"],
                  kind_label=kinds.get(g["agency__kind"], g["agency__kind"]), region=g["agency__region"],
                  region_label=regions.get(g["agency__region"], g["agency__region"]))
        for g in _group(records, "agency_id", "agency__name", "agency__kind", "agency__region")
    ]
    return _shares(_by_amount(rows))


def _rollup(rows: list[Row], attribute: str, choices) -> list[Row]:
    """Sum per-agency or per-vendor rows by one of their attributes, in the choices' order (zeros kept)."""
    result = {value: Row(key=value, label=label, extra={"members": 0}) for value, label in _labels(choices).items()}
    for r in rows:
        value = r.extra[attribute]
        target = result.setdefault(value, Row(key=value, label=value, extra={"members": 0}))
        target.add_row(r)
        target.extra["members"] += 1
    return _shares(list(result.values()))


def _years(records, *extra_years: int) -> list[int]:
    """Years with records (and this year, and any `extra_years`), newest first: one query."""
    bounds = records.aggregate(first=Min("purchased_on"), last=Max("purchased_on"))
    this_year = timezone.localdate().year
    years = {this_year, *extra_years}
    if bounds["first"]:
        years.update(range(bounds["first"].year, bounds["last"].year + 1))
    return sorted(years, reverse=True)


# --- the agency's dashboard -------------------------------------------------------------------


@dataclass
class AgencyReport:
    agency: PublicAgency
    year: int
    target: AgencyTarget | None
    summary: Row
    months: list[Row]
    pending: Row
    rejected: Row
    by_type: list[Row]
    by_category: list[Row]
    by_vendor: list[Row]
    by_source: list[Row]
    outside_waiting: list[PurchaseRecord]

    @property
    def target_amount(self) -> int:
        return self.target.target_amount if self.target else 0

    @property
    def progress(self) -> float | None:
        """실적 ÷ 목표 in percent (None without a target)."""
        return percent(self.summary.total, self.target_amount)

    @property
    def progress_bar(self) -> float:
        """The progress bar's width in percent (at most 100)."""
        return min(100.0, self.progress or 0.0)

    @property
    def remaining(self) -> int:
        return max(0, self.target_amount - self.summary.total)

    @property
    def type_total(self) -> Row:
        return total_row(self.by_type)


def agency_report(*, agency: PublicAgency, year: int) -> AgencyReport:
    """The agency's purchases of `year`; a fixed number of queries (7) whatever the data."""
    records = records_of_year(year).filter(agency=agency)
    summary, months, pending, rejected = _summary_and_months(records, year)
    ok = verified(records)
    target = AgencyTarget.objects.filter(agency=agency, year=year).first()
    waiting = list(
        records.filter(source=PurchaseSource.OUTSIDE).exclude(status=RecordStatus.VERIFIED)
        .select_related("vendor", "category").order_by("-purchased_on", "-id")[:50]
    )
    return AgencyReport(
        agency=agency, year=year, target=target, summary=summary, months=months, pending=pending,
        rejected=rejected, by_type=_by_type(ok), by_category=_by_category(ok), by_vendor=_by_vendor(ok),
        by_source=_by_source(ok), outside_waiting=waiting,
    )


def agency_years(agency: PublicAgency) -> list[int]:
    return _years(PurchaseRecord.objects.filter(agency=agency))


def agency_records(*, agency: PublicAgency, year: int):
    """The verified records of the year for the export's list, oldest first (one query)."""
    return (verified(records_of_year(year)).filter(agency=agency)
            .select_related("vendor", "category").order_by("purchased_on", "id"))


# --- the vendor's view ------------------------------------------------------------------------


@dataclass
class VendorReport:
    vendor: object
    year: int
    summary: Row
    months: list[Row]
    by_agency: list[Row]
    by_category: list[Row]
    by_source: list[Row]


def vendor_report(*, vendor, year: int) -> VendorReport:
    """Which agencies bought from the vendor in `year`, by category and month (verified records only)."""
    records = records_of_year(year).filter(vendor=vendor)
    summary, months, _pending, _rejected = _summary_and_months(records, year)
    ok = verified(records)
    return VendorReport(vendor=vendor, year=year, summary=summary, months=months, by_agency=_by_agency(ok),
                        by_category=_by_category(ok), by_source=_by_source(ok))


def vendor_years(vendor) -> list[int]:
    return _years(PurchaseRecord.objects.filter(vendor=vendor))


def vendor_records(*, vendor, year: int):
    return (verified(records_of_year(year)).filter(vendor=vendor)
            .select_related("agency", "category").order_by("purchased_on", "id"))


# --- the operator's view ----------------------------------------------------------------------


@dataclass
class OperatorReport:
    year: int
    summary: Row
    months: list[Row]
    pending: Row
    rejected: Row
    by_agency: list[Row]
    by_vendor: list[Row]
    by_category: list[Row]
    by_agency_region: list[Row]
    by_vendor_region: list[Row]
    by_agency_kind: list[Row]
    by_type: list[Row]
    by_source: list[Row]
    unanswered: list[VendorQuote]
    unanswered_count: int
    remind_after_days: int


# A vendor's reply of any kind: the request is no longer waiting for nobody.
REPLIED = (QuoteStatus.ANSWERED, QuoteStatus.DECLINED, QuoteStatus.ACCEPTED)


def unanswered_quotes(*, days: int | None = None, now=None):
    """The waiting vendor quotes of open requests that no vendor has answered `days` after they were asked.

    One row per vendor still to answer (the reminder goes to each); a request one vendor
    answered or declined is not listed.
    """
    days = remind_after_days() if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return (VendorQuote.objects.filter(status=QuoteStatus.REQUESTED, request__status=RequestStatus.OPEN,
                                       created_at__lte=cutoff)
            .exclude(request__quotes__status__in=REPLIED)
            .select_related("request__agency", "vendor").order_by("created_at", "id"))


def operator_report(*, year: int, days: int | None = None) -> OperatorReport:
    """Totals of every agency and vendor for `year`, and the quotes nobody answered in time (10 queries)."""
    records = records_of_year(year)
    summary, months, pending, rejected = _summary_and_months(records, year)
    ok = verified(records)
    by_agency = _by_agency(ok)
    targets = {t.agency_id: t for t in AgencyTarget.objects.filter(year=year)}
    for row in by_agency:
        target = targets.get(row.extra["agency_id"])
        row.extra["target"] = target.target_amount if target else 0
        row.extra["progress"] = percent(row.total, row.extra["target"])
    by_vendor = _by_vendor(ok)
    days = remind_after_days() if days is None else days
    waiting = unanswered_quotes(days=days)
    now = timezone.now()
    unanswered = list(waiting[:UNANSWERED_LIMIT])
    for quote in unanswered:
        quote.days_waiting = (now - quote.created_at).days
    return OperatorReport(
        year=year, summary=summary, months=months, pending=pending, rejected=rejected, by_agency=by_agency,
        by_vendor=by_vendor, by_category=_by_category(ok),
        by_agency_region=_rollup(by_agency, "region", AGENCY_REGION_CHOICES),
        by_vendor_region=_rollup(by_vendor, "region", Region.choices),
        by_agency_kind=_rollup(by_agency, "kind", AgencyKind.choices),
        by_type=_by_type(ok), by_source=_by_source(ok), unanswered=unanswered,
        unanswered_count=len(unanswered) if len(unanswered) < UNANSWERED_LIMIT else waiting.count(),
        remind_after_days=days,
    )


def operator_years() -> list[int]:
    return _years(PurchaseRecord.objects.all())


# --- the chart --------------------------------------------------------------------------------


def monthly_chart_svg(months: list[Row], *, year: int, title: str, width: int = 760, height: int = 300) -> str:
    """The twelve months as an SVG bar chart (ddasum.charts, like orders.selectors.reports)."""
    bars = [MonthBar(month=row.extra["month"], value=row.total, count=row.count) for row in months]
    return monthly_bars_svg(bars, year=year, title=title, css_class="purchase-chart", value_attr="total",
                            colour="#2f7d5b", width=width, height=height)


# --- exports ----------------------------------------------------------------------------------


def _amount_cells(row: Row) -> list:
    return [row.taxable, row.exempt, row.total, row.count]


def _table(sheet: Sheet, first: str, rows: list[Row], *, extra_heads=(), extra=lambda r: [], total=True) -> None:
    sheet.heading(first, *extra_heads, _("과세(원)"), _("면세(원)"), _("합계(원)"), _("건수"), _("비중(%)"))
    for r in rows:
        sheet.add(r.label, *extra(r), *_amount_cells(r), r.share)
    if total:
        t = total_row(rows)
        sheet.add(t.label, *([""] * len(extra_heads)), *_amount_cells(t), t.share)


RECORD_HEADS = ("구매일", "기업명", "사업자등록번호", "기업 유형", "분류", "구매 경로", "과세(원)", "면세(원)", "합계(원)")


def agency_export_sheets(report: AgencyReport, records) -> list[Sheet]:
    """The yearly priority-purchase report (우선구매 실적) layout: header block, types, then every record."""
    types, sources = _labels(EnterpriseType.choices), _labels(PurchaseSource.choices)
    sheet = Sheet(title=_("우선구매 실적"), widths=[14, 28, 16, 14, 18, 14, 14, 14, 14])
    sheet.heading(_("%(year)s년 사회적경제기업 제품 우선구매 실적") % {"year": report.year})
    sheet.blank()
    sheet.add(_("기관명"), report.agency.name)
    sheet.add(_("고유번호"), report.agency.registration_number)
    sheet.add(_("연도"), report.year)
    sheet.add(_("목표(원)"), report.target_amount if report.target else "")
    sheet.add(_("실적 합계(원)"), report.summary.total)
    sheet.add(_("달성률(%)"), report.progress if report.progress is not None else "")
    sheet.add(_("확인 대기 외부 구매(원, 실적 미포함)"), report.pending.total)
    sheet.blank()
    sheet.heading(_("기업 유형"), _("과세(원)"), _("면세(원)"), _("합계(원)"), _("건수"))
    for r in report.by_type:
        sheet.add(r.label, r.taxable, r.exempt, r.total, r.count)
    t = report.type_total
    sheet.add(_("합계"), t.taxable, t.exempt, t.total, t.count)
    sheet.blank()
    sheet.heading(*[_(h) for h in RECORD_HEADS])
    for rec in records:
        sheet.add(rec.purchased_on, rec.vendor.name, rec.vendor.business_number,
                  types.get(rec.enterprise_type, rec.enterprise_type), rec.category.label if rec.category else "",
                  sources.get(rec.source, rec.source), rec.taxable_amount, rec.exempt_amount, rec.total)

    monthly = Sheet(title=_("월별"), widths=[12, 14, 14, 14, 8, 10])
    _table(monthly, _("월"), report.months)
    by_category = Sheet(title=_("분류별"), widths=[20, 14, 14, 14, 8, 10])
    _table(by_category, _("분류"), report.by_category)
    by_vendor = Sheet(title=_("기업별"), widths=[28, 16, 14, 14, 14, 14, 8, 10])
    _table(by_vendor, _("기업명"), report.by_vendor, extra_heads=(_("사업자등록번호"), _("기업 유형")),
           extra=lambda r: [r.extra["business_number"], r.extra["type_label"]])
    return [sheet, monthly, by_category, by_vendor]


def vendor_export_sheets(report: VendorReport, records) -> list[Sheet]:
    sources = _labels(PurchaseSource.choices)
    sheet = Sheet(title=_("구매 기관"), widths=[28, 16, 14, 14, 14, 14, 8, 10])
    sheet.heading(_("%(year)s년 공공기관 구매 현황") % {"year": report.year})
    sheet.blank()
    sheet.add(_("기업명"), report.vendor.name)
    sheet.add(_("사업자등록번호"), report.vendor.business_number)
    sheet.add(_("연도"), report.year)
    sheet.add(_("구매 합계(원)"), report.summary.total)
    sheet.blank()
    _table(sheet, _("기관명"), report.by_agency, extra_heads=(_("기관 유형"), _("지역")),
           extra=lambda r: [r.extra["kind_label"], r.extra["region_label"]])
    sheet.blank()
    sheet.heading(_("구매일"), _("기관명"), _("분류"), _("구매 경로"), _("과세(원)"), _("면세(원)"), _("합계(원)"))
    for rec in records:
        sheet.add(rec.purchased_on, rec.agency.name, rec.category.label if rec.category else "",
                  sources.get(rec.source, rec.source), rec.taxable_amount, rec.exempt_amount, rec.total)
    monthly = Sheet(title=_("월별"), widths=[12, 14, 14, 14, 8, 10])
    _table(monthly, _("월"), report.months)
    by_category = Sheet(title=_("분류별"), widths=[20, 14, 14, 14, 8, 10])
    _table(by_category, _("분류"), report.by_category)
    return [sheet, monthly, by_category]


def operator_export_sheets(report: OperatorReport) -> list[Sheet]:
    sheets = []

    def add(title, first, rows, **kw):
        sheet = Sheet(title=title, widths=[28, 16, 14, 14, 14, 14, 14, 8, 10])
        _table(sheet, first, rows, **kw)
        sheets.append(sheet)

    add(_("월별"), _("월"), report.months)
    add(_("기관별"), _("기관명"), report.by_agency, extra_heads=(_("기관 유형"), _("지역"), _("목표(원)"), _("달성률(%)")),
        extra=lambda r: [r.extra["kind_label"], r.extra["region_label"], r.extra["target"] or "",
                         r.extra["progress"] if r.extra["progress"] is not None else ""])
    add(_("기업별"), _("기업명"), report.by_vendor, extra_heads=(_("사업자등록번호"), _("기업 유형"), _("시군")),
        extra=lambda r: [r.extra["business_number"], r.extra["type_label"], r.extra["region_label"]])
    add(_("분류별"), _("분류"), report.by_category)
    add(_("기관 지역별"), _("기관 지역"), report.by_agency_region)
    add(_("기업 지역별"), _("기업 시군"), report.by_vendor_region)
    add(_("기관 유형별"), _("기관 유형"), report.by_agency_kind)
    add(_("기업 유형별"), _("기업 유형"), report.by_type)
    add(_("구매 경로별"), _("구매 경로"), report.by_source)
    return sheets


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """The sheets as an XLSX workbook, amounts from 10,000 won with thousands separators."""
    return excel_xlsx(sheets, group_digits_from=10_000)


def csv_bytes(sheets: list[Sheet]) -> bytes:
    """The sheets one after another (a titled block each after the first), UTF-8 with a BOM for Excel."""
    rows = []
    for n, sheet in enumerate(sheets):
        if n:
            rows += [[], [f"[{sheet.title}]"]]
        rows += [[c.isoformat() if isinstance(c, date) else c for c in cells] for cells in sheet.rows]
    return excel_csv(rows)
