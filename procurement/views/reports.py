"""Report pages: the agency's dashboard, the vendor's view of its agency sales, the operator's totals.

Each page reads one report (procurement.selectors.reports) and renders it, or exports it as XLSX or
CSV with ?format=. Who sees what:
- dashboard: members of a verified agency (their agencies only; ?agency= picks one), and
  operators (any agency, from the operator report's links);
- vendor report: members of approved or suspended vendors (their vendors; ?vendor= picks
  one), and operators;
- operator report: operators only.
Anyone else is sent to log in (anonymous) or refused (403), never shown another's figures.
"""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ddasum.money import won
from ddasum.spreadsheets import XLSX, attachment_response
from ddasum.views import int_param
from vendors.models import Vendor
from vendors.selectors import partner_vendor_ids

from ..models import AgencyStatus, PublicAgency
from ..selectors import reports
from ..selectors.access import agency_list


def _login_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_active:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _year(request) -> int:
    return int_param(request.GET.get("year"), 2000, 2100) or timezone.localdate().year


def _pick(options: list, wanted) -> object | None:
    """The option whose pk is ?agency= / ?vendor=, or the first; None when a wanted one is not allowed."""
    if wanted is None:
        return options[0] if options else None
    return next((o for o in options if o.pk == wanted), None)


def _export(sheets, *, fmt: str, filename: str) -> HttpResponse:
    if fmt == "csv":
        return attachment_response(reports.csv_bytes(sheets), f"{filename}.csv")
    return attachment_response(reports.xlsx_bytes(sheets), f"{filename}.xlsx", XLSX)


def _table(key: str, title: str, first: str, rows, *, columns=(), total: bool = True) -> dict:
    """A report table for templates/procurement/report_table.html; `columns` are (heading, row → cell)."""
    for row in rows:
        row.extra["cells"] = [cell(row) for _heading, cell in columns]
    return {"key": key, "title": title, "first": first, "rows": rows, "headings": [h for h, _cell in columns],
            "total": reports.total_row(rows) if total else None}


def _format(request) -> str | None:
    fmt = request.GET.get("format") or "xlsx"
    return fmt if fmt in ("xlsx", "csv") else None


# --- agency ------------------------------------------------------------------------------------


def _agency(request) -> tuple[PublicAgency | None, list[PublicAgency]]:
    """The agency the page is about, and the ones the user may switch between."""
    wanted = int_param(request.GET.get("agency"), 1, 2**62)
    agencies = agency_list(user=request.user)
    seen, unique = set(), []
    for a in agencies:
        if a.pk not in seen:
            seen.add(a.pk)
            unique.append(a)
    agency = _pick(unique, wanted)
    if agency is None and request.user.is_staff and wanted is not None:
        agency = PublicAgency.objects.filter(pk=wanted, status=AgencyStatus.VERIFIED).first()
    return agency, unique


def _agency_or_refuse(request):
    """A ?agency= the user may not see is a 404 (it does not say whether it exists)."""
    agency, agencies = _agency(request)
    if agency is None and request.GET.get("agency"):
        raise Http404
    return agency, agencies


@require_GET
@_login_required
def dashboard(request):
    """The agency's purchases of a year against its target: progress, monthly chart, tables."""
    agency, agencies = _agency_or_refuse(request)
    if agency is None:
        return render(request, "procurement/dashboard_no_agency.html", status=403)
    year = _year(request)
    report = reports.agency_report(agency=agency, year=year)
    chart = reports.monthly_chart_svg(report.months, year=year,
                                      title=_("%(year)s년 월별 구매 실적") % {"year": year})
    tables = [
        _table("by-type", _("기업 유형별"), _("기업 유형"), report.by_type),
        _table("by-category", _("분류별"), _("분류"), report.by_category),
        _table("by-vendor", _("기업별"), _("기업명"), report.by_vendor,
               columns=[(_("기업 유형"), lambda r: r.extra["type_label"]),
                        (_("시군"), lambda r: r.extra["region_label"])]),
        _table("by-source", _("구매 경로별"), _("구매 경로"), report.by_source),
        _table("by-month", _("월별"), _("월"), report.months),
    ]
    return render(request, "procurement/dashboard.html", {
        "report": report, "agency": agency, "agencies": agencies, "year": year, "tables": tables,
        "years": reports.agency_years(agency), "chart": mark_safe(chart),  # noqa: S308 (built and escaped)
        "agency_param": f"&agency={agency.pk}" if len(agencies) > 1 or agency not in agencies else "",
    })


@require_GET
@_login_required
def dashboard_export(request):
    """The year's priority-purchase report as XLSX (default) or CSV."""
    agency, _agencies = _agency_or_refuse(request)
    if agency is None:
        raise PermissionDenied
    fmt = _format(request)
    if fmt is None:
        return HttpResponse(_("형식은 xlsx 또는 csv입니다."), status=400, content_type="text/plain; charset=utf-8")
    year = _year(request)
    report = reports.agency_report(agency=agency, year=year)
    sheets = reports.agency_export_sheets(report, reports.agency_records(agency=agency, year=year))
    # The CSV holds the report's own layout (the first sheet); the workbook adds the breakdowns.
    return _export(sheets if fmt == "xlsx" else sheets[:1], fmt=fmt,
                   filename=f"priority-purchase-{year}-{agency.registration_number}")


# --- vendor ------------------------------------------------------------------------------------


def _vendor(request):
    wanted = int_param(request.GET.get("vendor"), 1, 2**62)
    ids = partner_vendor_ids(request.user)
    vendors = list(Vendor.objects.filter(pk__in=ids).order_by("name")) if ids else []
    vendor = _pick(vendors, wanted)
    if vendor is None and request.user.is_staff and wanted is not None:
        vendor = Vendor.objects.filter(pk=wanted).first()
    if vendor is None:
        if request.GET.get("vendor"):
            raise Http404
        raise PermissionDenied
    return vendor, vendors


@require_GET
@_login_required
def vendor_report(request):
    """Which agencies bought from the vendor, by category and month."""
    vendor, vendors = _vendor(request)
    year = _year(request)
    report = reports.vendor_report(vendor=vendor, year=year)
    chart = reports.monthly_chart_svg(report.months, year=year,
                                      title=_("%(year)s년 월별 공공기관 구매") % {"year": year})
    tables = [
        _table("by-agency", _("구매한 기관"), _("기관명"), report.by_agency,
               columns=[(_("기관 유형"), lambda r: r.extra["kind_label"]),
                        (_("지역"), lambda r: r.extra["region_label"])]),
        _table("by-category", _("분류별"), _("분류"), report.by_category),
        _table("by-month", _("월별"), _("월"), report.months),
        _table("by-source", _("구매 경로별"), _("구매 경로"), report.by_source),
    ]
    return render(request, "procurement/report_vendor.html", {
        "report": report, "vendor": vendor, "vendors": vendors, "year": year, "tables": tables,
        "years": reports.vendor_years(vendor), "chart": mark_safe(chart),  # noqa: S308 (built and escaped)
        "vendor_param": f"&vendor={vendor.pk}" if len(vendors) > 1 or vendor not in vendors else "",
    })


@require_GET
@_login_required
def vendor_report_export(request):
    vendor, _vendors = _vendor(request)
    fmt = _format(request)
    if fmt is None:
        return HttpResponse(_("형식은 xlsx 또는 csv입니다."), status=400, content_type="text/plain; charset=utf-8")
    year = _year(request)
    report = reports.vendor_report(vendor=vendor, year=year)
    sheets = reports.vendor_export_sheets(report, reports.vendor_records(vendor=vendor, year=year))
    return _export(sheets if fmt == "xlsx" else sheets[:1], fmt=fmt,
                   filename=f"agency-sales-{year}-{vendor.business_number}")


# --- operator ----------------------------------------------------------------------------------


def _staff_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@_staff_required
def operator_report(request):
    """Every agency's and vendor's purchases of a year, and the quotes left unanswered."""
    year = _year(request)
    report = reports.operator_report(year=year)
    chart = reports.monthly_chart_svg(report.months, year=year,
                                      title=_("%(year)s년 월별 공공구매 실적") % {"year": year})
    dashboard_url = reverse("procurement:dashboard")
    vendor_url = reverse("procurement:vendor_report")
    for row in report.by_agency:
        row.extra["url"] = f"{dashboard_url}?agency={row.extra['agency_id']}&year={year}"
    for row in report.by_vendor:
        row.extra["url"] = f"{vendor_url}?vendor={row.extra['vendor_id']}&year={year}"
    tables = [
        _table("by-agency", _("기관별"), _("기관명"), report.by_agency,
               columns=[(_("기관 유형"), lambda r: r.extra["kind_label"]),
                        (_("지역"), lambda r: r.extra["region_label"]),
                        (_("목표"), lambda r: won(r.extra["target"]) if r.extra["target"] else "–"),
                        (_("달성률"), lambda r: f"{r.extra['progress']}%" if r.extra["progress"] is not None else "–")]),
        _table("by-vendor", _("기업별"), _("기업명"), report.by_vendor,
               columns=[(_("기업 유형"), lambda r: r.extra["type_label"]),
                        (_("시군"), lambda r: r.extra["region_label"])]),
        _table("by-category", _("분류별"), _("분류"), report.by_category),
        _table("by-agency-region", _("기관 지역별"), _("기관 지역"), report.by_agency_region),
        _table("by-vendor-region", _("기업 시군별"), _("시군"), report.by_vendor_region),
        _table("by-agency-kind", _("기관 유형별"), _("기관 유형"), report.by_agency_kind),
        _table("by-type", _("기업 유형별"), _("기업 유형"), report.by_type),
        _table("by-source", _("구매 경로별"), _("구매 경로"), report.by_source),
        _table("by-month", _("월별"), _("월"), report.months),
    ]
    return render(request, "procurement/report_operator.html", {
        "report": report, "year": year, "years": reports.operator_years(), "chart": mark_safe(chart),  # noqa: S308
        "tables": tables,
    })


@require_GET
@_staff_required
def operator_report_export(request):
    fmt = _format(request)
    if fmt is None:
        return HttpResponse(_("형식은 xlsx 또는 csv입니다."), status=400, content_type="text/plain; charset=utf-8")
    year = _year(request)
    report = reports.operator_report(year=year)
    return _export(reports.operator_export_sheets(report), fmt=fmt, filename=f"public-purchases-{year}")
